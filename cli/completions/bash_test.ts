import assert from "node:assert/strict";
import { SHELLS } from "../completions.ts";
import { bash } from "./bash.ts";
import { describeCommandTree } from "./model.ts";
import {
  assertNamesEveryCommandAndOption,
  demoProgram,
  longOptions,
  programs,
  realProgram,
  run,
  which,
  withScript,
} from "./_testing.ts";
import type { Command } from "../commander.ts";

/** The bash tests run the generated script in bash: skipped where there is none (Windows). */
const hasBash = await which("bash");

function script(program: Command): string {
  return bash.script(describeCommandTree(program));
}

for (const [label, make] of programs) {
  Deno.test(`${label}: the bash script names every command and every long option`, () => {
    const program = make();
    assertNamesEveryCommandAndOption(script(program), program);
  });

  Deno.test({
    name: `${label}: bash -n accepts the bash script`,
    ignore: !hasBash,
    fn: async () => {
      await withScript(script(make()), async (path) => {
        const result = await run("bash", ["-n", path]);
        assert.equal(result.code, 0, result.stderr);
      });
    },
  });
}

/** Sources the bash script and completes `words` (the last is the word under the cursor). */
async function bashComplete(script: string, words: string[], cwd?: string): Promise<string[]> {
  return await withScript(script, async (path) => {
    const quoted = words.map((w) => `'${w.replaceAll("'", `'\\''`)}'`).join(" ");
    const program = [
      `source "$1"`,
      `COMP_WORDS=(${quoted})`,
      `COMP_CWORD=${words.length - 1}`,
      `COMP_LINE="\${COMP_WORDS[*]}"`,
      `COMP_POINT=\${#COMP_LINE}`,
      `fn=$(complete -p ${words[0]} | sed -E 's/.*-F ([^ ]+).*/\\1/')`,
      `"$fn"`,
      `printf '%s\\n' "\${COMPREPLY[@]}"`,
    ].join("\n");
    const result = await run("bash", ["-c", program, "bash", path], cwd);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.split("\n").filter((line) => line !== "").sort();
  });
}

Deno.test({
  name: "bash completion, exercised: commands, options, values, nesting, files",
  ignore: !hasBash,
}, async () => {
  const demo = script(demoProgram());
  assert.deepEqual(await bashComplete(demo, ["demo", ""]), [
    "completions",
    "help",
    "locks",
    "ls",
    "message",
    "remote",
    "sessions",
  ]);
  assert.deepEqual(await bashComplete(demo, ["demo", "se"]), ["sessions"]);
  assert.deepEqual(await bashComplete(demo, ["demo", "--"]), ["--help", "--version"]);
  assert.deepEqual(await bashComplete(demo, ["demo", "sessions", "--"]), [
    "--help",
    "--json",
    "--server",
  ]);
  // The alias leads to the same command.
  assert.deepEqual(await bashComplete(demo, ["demo", "ls", "--j"]), ["--json"]);
  // An option value is not taken for a command: "locks" here is the server's name.
  assert.deepEqual(await bashComplete(demo, ["demo", "sessions", "-s", "locks", "--j"]), [
    "--json",
  ]);
  assert.deepEqual(await bashComplete(demo, ["demo", "sessions", "--server", ""]), []);
  assert.deepEqual(await bashComplete(demo, ["demo", "message", "1", "--icon", "w"]), [
    "warning",
  ]);
  assert.deepEqual(await bashComplete(demo, ["demo", "completions", ""]), [...SHELLS].sort());
  assert.deepEqual(await bashComplete(demo, ["demo", "completions", "f"]), ["fish"]);
  assert.deepEqual(await bashComplete(demo, ["demo", "remote", ""]), ["add", "help", "remove"]);
  assert.deepEqual(await bashComplete(demo, ["demo", "remote", "remove", "-"]), [
    "--force",
    "--help",
    "-h",
  ]);
  assert.deepEqual(await bashComplete(demo, ["demo", "help", "lo"]), ["locks"]);

  const folder = await Deno.makeTempDir({ prefix: "winsession-completion-" });
  try {
    await Deno.writeTextFile(`${folder}/update.msi`, "");
    await Deno.writeTextFile(`${folder}/readme.txt`, "");
    assert.deepEqual(await bashComplete(demo, ["demo", "locks", "up"], folder), ["update.msi"]);
    assert.deepEqual(await bashComplete(demo, ["demo", "locks", "a", "re"], folder), [
      "readme.txt",
    ]);
    assert.deepEqual(await bashComplete(demo, ["demo", "locks", "--output", "u"], folder), [
      "update.msi",
    ]);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test({
  name: "bash completion of the real program offers every command",
  ignore: !hasBash,
}, async () => {
  const program = realProgram();
  const tree = describeCommandTree(program);
  const offered = await bashComplete(script(program), ["winsession", ""]);
  const expected = tree.commands.flatMap((c) => [c.name, ...c.aliases]).sort();
  assert.deepEqual(offered, expected);
  for (const command of tree.commands) {
    const flags = await bashComplete(script(program), ["winsession", command.name, "--"]);
    assert.deepEqual(flags, longOptions(command).sort(), command.name);
  }
});
