/**
 * Shared by the completion tests: a small program with every feature the generators handle, the
 * real program, and running a generated script in a real shell from a temporary file.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Command } from "../commander.ts";
import { ExitCode } from "../common.ts";
import { registerCompletionCommand } from "../completions.ts";
import { buildProgram } from "../main.ts";
import { recordingIO } from "../_testing.ts";
import { type CompletionCommand, describeCommandTree, flattenCommandTree } from "./model.ts";

/** A program shaped like the real one, with every feature the generators handle. */
export function demoProgram(): Command {
  const io = recordingIO();
  const program = new Command().name("demo").version("1.0.0", "-V, --version");
  program.command("sessions").alias("ls").description("List sessions.\nMore text.")
    .option("-s, --server <name>", "a server: with a 'quote' and [brackets]")
    .option("--json", "print JSON");
  program.command("locks").argument("<path...>", "files or folders")
    .option("-r, --recursive", "walk folders").option("--output <file>", "write to a file");
  program.command("message").argument("<id>", "session id").argument("[text]", "text")
    .addOption(
      program.createOption("--icon <icon>", "icon").choices(["error", "warning", "none"]),
    );
  const remote = program.command("remote").description("Nested commands.");
  remote.command("add").argument("<host>").option("--port <port>", "port number");
  remote.command("remove").option("--force", "do not ask");
  registerCompletionCommand(program, { io, exitCode: ExitCode.Ok });
  return program;
}

// Built once: every command module is imported on demand, so building is asynchronous.
const real = await buildProgram({ io: recordingIO(), exitCode: ExitCode.Ok });

/** The real `winsession` program, as `main` builds it for `completions` (every command). */
export function realProgram(): Command {
  return real;
}

/** Both programs, labelled: each generator is checked against the two. */
export const programs: [string, () => Command][] = [
  ["demo", demoProgram],
  ["winsession", realProgram],
];

/** The long flags of a command (`--json`, `--help`, …). */
export function longOptions(command: CompletionCommand): string[] {
  return command.options.flatMap((o) => o.flags).filter((flag) => flag.startsWith("--"));
}

/**
 * Asserts that `script` names every command of `program`'s tree and every long option, written
 * as `optionWord` turns the flag into the shell's form.
 */
export function assertNamesEveryCommandAndOption(
  script: string,
  program: Command,
  optionWord: (flag: string) => string = (flag) => flag,
): void {
  for (const command of flattenCommandTree(describeCommandTree(program))) {
    if (command.key !== "/") {
      assert.ok(script.includes(command.name), `command ${command.key} missing`);
    }
    for (const flag of longOptions(command)) {
      assert.ok(script.includes(optionWord(flag)), `${command.key} ${flag} missing`);
    }
  }
}

/** Whether `tool` is on PATH (false without `sh`, i.e. on Windows: no Unix shells there). */
export async function which(tool: string): Promise<boolean> {
  try {
    const result = await new Deno.Command("sh", {
      args: ["-c", `command -v ${tool}`],
      stdout: "null",
      stderr: "null",
    }).output();
    return result.success;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false; // no sh (Windows): no Unix shells
    throw error;
  }
}

/** Runs `tool args` and returns its exit code and decoded output. */
export async function run(
  tool: string,
  args: string[],
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(tool, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Writes `script` to a temporary file, calls `body` with its path, then removes it. */
export async function withScript<T>(
  script: string,
  body: (path: string) => Promise<T>,
): Promise<T> {
  const path = await Deno.makeTempFile({ prefix: "winsession-completion-" });
  try {
    await Deno.writeTextFile(path, script);
    return await body(path);
  } finally {
    await Deno.remove(path);
  }
}
