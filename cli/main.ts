/**
 * The `winsession` command line: Remote Desktop sessions and the Restart Manager from a shell.
 *
 * Run with `deno run --allow-ffi jsr:@winsession/winsession/cli <command>`, or compile it with
 * `deno task compile`. Every command is documented by `--help`.
 *
 * @example Run a command from code (tests do this with a recording {@linkcode CliIO})
 * ```ts ignore
 * import { main } from "./main.ts";
 * const exitCode = await main(["sessions", "--json"]);
 * ```
 *
 * @module
 */

import { Command, CommanderError } from "./commander.ts";
import {
  type CliContext,
  type CliIO,
  denoIO,
  describeFailure,
  ExitCode,
  setTableWidth,
} from "./common.ts";

export type { CliContext, CliIO } from "./common.ts";
export { ExitCode } from "./common.ts";
import { registerSessionsCommand } from "./sessions.ts";
import { registerSessionCommand } from "./session.ts";
import { registerSessionActionCommands } from "./session_actions.ts";
import { registerMessageCommand } from "./message.ts";
import { registerKillCommand, registerProcessesCommand } from "./processes.ts";
import { registerWatchCommand } from "./watch.ts";
import { registerServersCommand } from "./servers.ts";
import { registerRestartManagerCommands } from "./locks.ts";
import { registerCompletionCommand } from "./completions.ts";

/** The version printed by `--version`; kept equal to deno.json's by a test. */
export const VERSION = "0.1.0";

/**
 * Builds the command tree; commands write through `context.io` and may set
 * `context.exitCode` (tests and completions build it too).
 *
 * @example List the commands
 * ```ts ignore
 * import { buildProgram } from "./main.ts";
 * import { denoIO, ExitCode } from "./common.ts";
 * const program = buildProgram({ io: denoIO(), exitCode: ExitCode.Ok });
 * console.log(program.commands.map((command) => command.name()));
 * ```
 */
export function buildProgram(context: CliContext): Command {
  const { io } = context;
  const program = new Command()
    .name("winsession")
    .description(
      "Remote Desktop sessions (wtsapi32) and the Restart Manager (rstrtmgr) from the command line.",
    )
    .version(VERSION, "-V, --version")
    .showSuggestionAfterError(true)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text),
      writeErr: (text) => io.err(text),
      outputError: (text, write) => write(`winsession: ${text.replace(/^error: /, "")}`),
    });
  registerSessionsCommand(program, context);
  registerSessionCommand(program, context);
  registerSessionActionCommands(program, context);
  registerMessageCommand(program, context);
  registerProcessesCommand(program, context);
  registerKillCommand(program, context);
  registerWatchCommand(program, context);
  registerServersCommand(program, context);
  registerRestartManagerCommands(program, context);
  registerCompletionCommand(program, context);
  // Subcommands inherit the output and exit behaviour of the root.
  for (const command of program.commands) {
    command.exitOverride().configureOutput({
      writeOut: (text) => io.out(text),
      writeErr: (text) => io.err(text),
      outputError: (text, write) => write(`winsession: ${text.replace(/^error: /, "")}`),
    });
  }
  return program;
}

/** Options of {@linkcode main} beyond the arguments and the I/O. */
export interface MainOptions {
  /** Aborting it ends long-running commands (`watch`) as Ctrl+C does. */
  signal?: AbortSignal;
}

/**
 * Runs the CLI with `args` (without the program name) and returns the exit code; never throws
 * and never prints a stack trace: failures become one line on stderr.
 *
 * @example
 * ```ts ignore
 * import { main } from "./main.ts";
 * Deno.exit(await main(["locks", "C:\\app\\app.exe"]));
 * ```
 */
export async function main(
  args: readonly string[],
  io: CliIO = denoIO(),
  options: MainOptions = {},
): Promise<number> {
  const context: CliContext = { io, exitCode: ExitCode.Ok, signal: options.signal };
  const program = buildProgram(context);
  // Tables fit the terminal stdout is (if it is one); see cli/_table.ts.
  setTableWidth(io.columns);
  try {
    await program.parseAsync([...args], { from: "user" });
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    const { message, exitCode } = describeFailure(error);
    io.err(`winsession: ${message}\n`);
    // A stack trace only on request: WINSESSION_DEBUG=1 (read only if --allow-env grants it).
    if (debugRequested() && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
    return exitCode;
  } finally {
    setTableWidth(undefined);
  }
}

function debugRequested(): boolean {
  const state = Deno.permissions.querySync?.({ name: "env", variable: "WINSESSION_DEBUG" }).state;
  return state === "granted" && (Deno.env.get("WINSESSION_DEBUG") ?? "") !== "";
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
