// The release binary (`deno task compile`) must not let an environment variable choose the DLLs
// it loads: it bakes in its permissions, and WINSESSION_DLL_DIR (the test-double override) is
// only honoured when --allow-env grants it. So the task must grant neither that variable nor
// every variable, nor embed an environment.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const config = JSON.parse(
  await Deno.readTextFile(fileURLToPath(new URL("../deno.json", import.meta.url))),
) as { tasks: Record<string, string> };

/** Each `deno compile ...` of the task, split into its arguments. */
function compileCommands(task: string): string[][] {
  return task.split("&&").map((command) => command.trim().split(/\s+/))
    .filter((words) => words[0] === "deno" && words[1] === "compile");
}

/** Whether `args` grant the environment variable `name` to the compiled program. */
function grantsEnv(args: readonly string[], name: string): boolean {
  return args.some((arg) => {
    if (arg === "-A" || arg === "--allow-all" || arg === "--allow-env") return true;
    const list = /^(?:--allow-env|-E)=(.*)$/.exec(arg)?.[1];
    return list !== undefined && list.split(",").some((v) => v === name || v.endsWith("*"));
  });
}

Deno.test("deno task compile grants no WINSESSION_DLL_DIR, nor all env, nor an env file", () => {
  const task = config.tasks.compile;
  assert.ok(task, "deno.json has a compile task");
  const commands = compileCommands(task);
  assert.ok(commands.length >= 1, task);
  for (const args of commands) {
    assert.ok(
      !grantsEnv(args, "WINSESSION_DLL_DIR"),
      `grants WINSESSION_DLL_DIR: ${args.join(" ")}`,
    );
    assert.ok(!args.some((a) => /^--env(-file)?(=|$)/.test(a)), `embeds an environment: ${args}`);
    assert.ok(args.includes("--allow-ffi"), "the CLI needs --allow-ffi");
    assert.equal(args.at(-1), "cli/main.ts");
  }
});

Deno.test("the check itself: what would grant the variable is caught", () => {
  assert.ok(grantsEnv(["--allow-env=NO_COLOR,WINSESSION_DLL_DIR"], "WINSESSION_DLL_DIR"));
  assert.ok(grantsEnv(["--allow-env"], "WINSESSION_DLL_DIR"));
  assert.ok(grantsEnv(["-A"], "WINSESSION_DLL_DIR"));
  assert.ok(grantsEnv(["--allow-env=WINSESSION_*"], "WINSESSION_DLL_DIR"));
  assert.ok(!grantsEnv(["--allow-env=NO_COLOR"], "WINSESSION_DLL_DIR"));
  assert.deepEqual(
    compileCommands("bash x && deno compile --allow-ffi a.ts && deno compile b.ts").length,
    2,
  );
});
