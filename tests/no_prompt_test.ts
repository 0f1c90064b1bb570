// No winsession command may make Deno ask for a permission: on a terminal Deno would stop and
// prompt ("┏ ⚠️  Deno requests ffi access ... Allow?"), and a script run by an admin would hang
// or, worse, get a permission granted with one keystroke. Each command runs here under a
// pseudo-terminal (`script` from util-linux), WITHOUT the permissions it needs, and must end
// with exactly one line of its own naming the flag to add. If Deno prompts anyway, the test
// answers "n" (so it never hangs) and fails, quoting the prompt.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("..", import.meta.url));
const mainTs = fileURLToPath(new URL("../cli/main.ts", import.meta.url));
const readme = fileURLToPath(new URL("../README.md", import.meta.url));

/** Why this file cannot run here, or undefined when `script` can give the CLI a terminal. */
function skipReason(): string | undefined {
  if (Deno.build.os !== "linux") return `needs util-linux's script (this is ${Deno.build.os})`;
  try {
    const probe = new Deno.Command("script", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .outputSync();
    return probe.success ? undefined : "script --version failed";
  } catch {
    return "util-linux's script is not installed (apt-get install bsdutils)";
  }
}

const skip = skipReason();
if (skip) console.error(`tests/no_prompt_test.ts: ignored: ${skip}`);

/** POSIX shell quoting for the command line `script -c` runs. */
function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Deno's permission prompt, by the pieces every variant of it prints. */
const PROMPT = /Allow\?|┏ ⚠️|Deno requests|Granted /;

/** A hang guard only (never an assertion on time): a prompt nobody answers must not stall CI. */
const HANG_GUARD_MS = 120_000;

/** Runs `winsession <args>` on a pseudo-terminal with no permissions; returns what it printed. */
async function onTerminal(args: string[]): Promise<{ code: number; output: string }> {
  const command = [Deno.execPath(), "run", "--quiet", "--no-check", mainTs, ...args]
    .map(quote).join(" ");
  const child = new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    cwd: repo,
    env: { NO_COLOR: "1", TERM: "dumb" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const guard = setTimeout(() => child.kill("SIGKILL"), HANG_GUARD_MS);
  const writer = child.stdin.getWriter();
  let output = "";
  let answered = false;
  try {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      output += chunk;
      if (!answered && /Allow\?/.test(output)) {
        answered = true; // deny, so the run ends and the prompt is reported below; then EOF,
        // or script(1) keeps the terminal open after the command ended
        await writer.write(new TextEncoder().encode("n\n"));
        await writer.close();
      }
    }
    const status = await child.status;
    output += new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
    return { code: status.code, output: output.replaceAll("\r", "") };
  } finally {
    clearTimeout(guard);
    if (!answered) await writer.close().catch(() => {});
  }
}

const cases: { args: string[]; flag: string; ignore?: string }[] = [
  { args: ["sessions"], flag: "--allow-ffi" },
  { args: ["session", "1"], flag: "--allow-ffi" },
  { args: ["processes"], flag: "--allow-ffi" },
  { args: ["servers"], flag: "--allow-ffi" },
  { args: ["watch"], flag: "--allow-ffi" },
  // `locks` queries --allow-read before it stats anything, so it fails instead of prompting.
  { args: ["locks", readme], flag: "--allow-read" },
  { args: ["release", "--dry-run", readme], flag: "--allow-read" },
];

for (const { args, flag, ignore } of cases) {
  Deno.test({
    name:
      `winsession ${
        args[0]
      } without permissions on a terminal: no prompt, one line naming ${flag}` +
      (ignore ? ` (ignored: ${ignore})` : ""),
    ignore: skip !== undefined || ignore !== undefined,
    async fn() {
      const { code, output } = await onTerminal(args);
      assert.doesNotMatch(output, PROMPT, `Deno prompted:\n${output}`);
      const lines = output.trimEnd().split("\n");
      assert.equal(lines.length, 1, output);
      assert.match(lines[0]!, /^winsession: /, output);
      assert.ok(lines[0]!.includes(flag), `names ${flag}: ${output}`);
      assert.equal(code, 4, output); // ExitCode.Permission
    },
  });
}
