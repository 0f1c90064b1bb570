import assert from "node:assert/strict";
import { SHELLS } from "../completions.ts";
import { describeCommandTree } from "./model.ts";
import { demoProgram, longOptions, realProgram } from "./_testing.ts";

Deno.test("the real command tree has the completions command and more than one command", () => {
  const tree = describeCommandTree(realProgram());
  const names = tree.commands.map((c) => c.name);
  assert.ok(names.includes("completions"), names.join(" "));
  assert.ok(names.includes("help"), "the implicit help command is walked too");
  assert.ok(longOptions(tree).includes("--version"));
  assert.ok(longOptions(tree).includes("--help"));
});

Deno.test("describeCommandTree reads flags, values, choices, aliases and nesting", () => {
  const tree = describeCommandTree(demoProgram());
  const sessions = tree.commands.find((c) => c.name === "sessions")!;
  assert.deepEqual(sessions.aliases, ["ls"]);
  assert.equal(sessions.description, "List sessions.");
  const server = sessions.options.find((o) => o.long === "--server")!;
  assert.deepEqual(server.flags, ["-s", "--server"]);
  assert.equal(server.takesValue, true);
  assert.equal(sessions.options.find((o) => o.long === "--json")!.takesValue, false);
  const locks = tree.commands.find((c) => c.name === "locks")!;
  assert.deepEqual(locks.arguments, [{ name: "path", variadic: true, value: { kind: "files" } }]);
  const message = tree.commands.find((c) => c.name === "message")!;
  assert.deepEqual(message.options.find((o) => o.long === "--icon")!.value, {
    kind: "choices",
    choices: ["error", "warning", "none"],
  });
  const remote = tree.commands.find((c) => c.name === "remote")!;
  assert.deepEqual(remote.commands.map((c) => c.key), [
    "/remote/add/",
    "/remote/remove/",
    "/remote/help/",
  ]);
  const completions = tree.commands.find((c) => c.name === "completions")!;
  assert.deepEqual(completions.arguments[0]!.value, { kind: "choices", choices: [...SHELLS] });
});
