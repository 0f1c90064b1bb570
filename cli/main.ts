/**
 * The `winsession` command line: Remote Desktop sessions and the Restart Manager from a shell.
 *
 * Run with `deno run --allow-ffi jsr:@winsession/winsession/cli <command>`, or compile it with
 * `deno task compile`. Every command is documented by `--help`.
 *
 * Start-up (issue 10 point 3): only the module of the command being run is imported, found by
 * its first word in {@linkcode COMMANDS}; the root `--help` and `--version` are answered from
 * that table without importing commander, whose `node:` imports start Deno's Node layer.
 *
 * @example Run a command from code (tests do this with a recording {@linkcode CliIO})
 * ```ts ignore
 * import { main } from "./main.ts";
 * const exitCode = await main(["sessions", "--json"]);
 * ```
 *
 * @module
 */

import type { Command } from "./commander.ts";
import { type CliContext, type CliIO, denoIO, ExitCode, setTableWidth } from "./common.ts";
import { helpWidth, renderRootHelp } from "./_root_help.ts";

export type { CliContext, CliIO } from "./common.ts";
export { ExitCode } from "./common.ts";

/** The version printed by `--version`; kept equal to deno.json's by a test. */
export const VERSION = "0.1.0";

const DESCRIPTION =
  "Remote Desktop sessions (wtsapi32) and the Restart Manager (rstrtmgr) from the command line.";

/** Adds one module's commands to the program. */
type Register = (program: Command, context: CliContext) => void;

/** The command modules, by the name {@linkcode COMMANDS} gives each. */
export type CommandModule =
  | "sessions"
  | "session"
  | "sessionActions"
  | "message"
  | "processes"
  | "watch"
  | "servers"
  | "restartManager"
  | "completions";

/**
 * Each command module, imported only when a command of it runs (issue 10 point 3: every module
 * for every command cost 25–48 ms). The specifiers are literal so `deno compile` and `deno info`
 * see every module; the order is the order of `--help`.
 */
const MODULES: Readonly<Record<CommandModule, () => Promise<Register[]>>> = {
  sessions: () => import("./sessions.ts").then((m): Register[] => [m.registerSessionsCommand]),
  session: () => import("./session.ts").then((m): Register[] => [m.registerSessionCommand]),
  sessionActions: () =>
    import("./session_actions.ts").then((m): Register[] => [m.registerSessionActionCommands]),
  message: () => import("./message.ts").then((m): Register[] => [m.registerMessageCommand]),
  processes: () =>
    import("./processes.ts").then((m): Register[] => [
      m.registerProcessesCommand,
      m.registerKillCommand,
    ]),
  watch: () => import("./watch.ts").then((m): Register[] => [m.registerWatchCommand]),
  servers: () => import("./servers.ts").then((m): Register[] => [m.registerServersCommand]),
  restartManager: () =>
    import("./locks.ts").then((m): Register[] => [m.registerRestartManagerCommands]),
  completions: () =>
    import("./completions.ts").then((m): Register[] => [m.registerCompletionCommand]),
};

/** One command as the root `--help` lists it, and the module that registers it. */
export interface CommandEntry {
  /** The command's name, the first word after `winsession`. */
  readonly name: string;
  /** Its line in the root help: the name, `[options]` when it has any, its arguments. */
  readonly term: string;
  /** Its description. */
  readonly summary: string;
  /** The module that registers it. */
  readonly module: CommandModule;
}

/**
 * Every command, in `--help` order, without importing a command module: the root help is
 * rendered from this, and a command's first word picks the one module to import.
 * cli/main_test.ts checks it against what the modules register.
 *
 * @example
 * ```ts
 * import { COMMANDS } from "./main.ts";
 *
 * console.log(COMMANDS.map((command) => command.name).join(" ")); // sessions session …
 * ```
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "sessions",
    term: "sessions [options]",
    summary: "List Remote Desktop sessions (like qwinsta/quser)",
    module: "sessions",
  },
  {
    name: "session",
    term: "session [options] <id>",
    summary: "Show one session in detail",
    module: "session",
  },
  {
    name: "disconnect",
    term: "disconnect [options] <target>",
    summary: "Disconnect a session (its user stays logged on; like tsdiscon)",
    module: "sessionActions",
  },
  {
    name: "logoff",
    term: "logoff [options] <target>",
    summary: "Log a session off (its programs close; like logoff)",
    module: "sessionActions",
  },
  {
    name: "message",
    term: "message [options] <target> <text>",
    summary: "Show a message box in a session, or in every user session (like msg)",
    module: "message",
  },
  {
    name: "processes",
    term: "processes [options]",
    summary: "List processes with their session and user (like query process)",
    module: "processes",
  },
  {
    name: "kill",
    term: "kill [options] <target>",
    summary: "Terminate processes by pid or image name (like tskill)",
    module: "processes",
  },
  {
    name: "watch",
    term: "watch [options]",
    summary: "Print session events (logon, logoff, connect, ...) as they happen, until Ctrl+C",
    module: "watch",
  },
  {
    name: "servers",
    term: "servers [options] [domain]",
    summary: "List Remote Desktop servers in a domain",
    module: "servers",
  },
  {
    name: "locks",
    term: "locks [options] <path...>",
    summary: "Show which processes hold files or folders open (Restart Manager)",
    module: "restartManager",
  },
  {
    name: "release",
    term: "release [options] <path...>",
    summary: "Close the processes holding files or folders (Restart Manager), then restart",
    module: "restartManager",
  },
  {
    name: "completions",
    term: "completions <shell>",
    summary: "Print the shell completion script for bash, zsh, fish or PowerShell.",
    module: "completions",
  },
];

/** The root options and the implicit `help` command, worded as commander words them. */
const HELP_ITEM = { term: "-h, --help", description: "display help for command" };
const ROOT_HELP = {
  name: "winsession",
  description: DESCRIPTION,
  options: [{ term: "-V, --version", description: "output the version number" }, HELP_ITEM],
  commands: [
    ...COMMANDS.map((command) => ({ term: command.term, description: command.summary })),
    { term: "help [command]", description: HELP_ITEM.description },
  ],
};

/**
 * The root help text at `width` columns, from {@linkcode COMMANDS} alone (no command module and
 * no commander imported).
 *
 * @example
 * ```ts
 * import { rootHelp } from "./main.ts";
 *
 * console.log(rootHelp(80).split("\n")[0]); // Usage: winsession [options] [command]
 * ```
 */
export function rootHelp(width: number): string {
  return renderRootHelp(ROOT_HELP, width);
}

/**
 * Builds the command tree; commands write through `context.io` and may set
 * `context.exitCode`. With `commandName`, only the module of that command is imported and
 * registered (`main` does this); without it, or for `completions` (whose script describes the
 * whole tree), every command is (tests and completions).
 *
 * @example List the commands
 * ```ts ignore
 * import { buildProgram } from "./main.ts";
 * import { denoIO, ExitCode } from "./common.ts";
 * const program = await buildProgram({ io: denoIO(), exitCode: ExitCode.Ok });
 * console.log(program.commands.map((command) => command.name()));
 * ```
 */
export async function buildProgram(context: CliContext, commandName?: string): Promise<Command> {
  const { io } = context;
  const wanted = COMMANDS.find((command) => command.name === commandName);
  const modules = wanted === undefined || wanted.module === "completions"
    ? [...new Set(COMMANDS.map((command) => command.module))]
    : [wanted.module];
  const [{ Command }, ...registers] = await Promise.all([
    import("./commander.ts"),
    ...modules.map((module) => MODULES[module]()),
  ]);
  const output = {
    writeOut: (text: string) => io.out(text),
    writeErr: (text: string) => io.err(text),
    outputError: (text: string, write: (text: string) => void) =>
      write(`winsession: ${text.replace(/^error: /, "")}`),
    // Commander's own colour check reads FORCE_COLOR and CLICOLOR_FORCE, which the compiled
    // binary's --allow-env does not grant: every `<command> --help` failed there with exit 4.
    // winsession's help and usage errors carry no colours, so there is nothing to keep.
    getOutHasColors: () => false,
    getErrHasColors: () => false,
  };
  const program = new Command()
    .name("winsession")
    .description(DESCRIPTION)
    .version(VERSION, "-V, --version")
    .showSuggestionAfterError(true)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput(output);
  for (const register of registers.flat()) register(program, context);
  // Subcommands inherit the output and exit behaviour of the root.
  for (const command of program.commands) command.exitOverride().configureOutput(output);
  return program;
}

/**
 * The command `args` runs when it is the first word (or the word after `help`). Anything else
 * (root flags first, `--`, an unknown word) gets the whole tree, so commander answers exactly
 * as it always did (`winsession -h locks` is the root's help).
 */
function commandWord(args: readonly string[]): string | undefined {
  return args[0] === "help" ? args[1] : args[0];
}

/**
 * Answers the root's own requests (`--help`, `help`, no arguments, `--version`) from the
 * static table, as commander would, or returns `undefined` for everything else.
 */
function answerAtRoot(args: readonly string[], io: CliIO): number | undefined {
  const only = args.length === 1 ? args[0] : args.length === 0 ? "" : undefined;
  switch (only) {
    case "-h":
    case "--help":
    case "help":
      io.out(rootHelp(helpWidth(Deno.stdout)));
      return ExitCode.Ok;
    case "":
      // Commander shows the help on stderr and fails when no command is given.
      io.err(rootHelp(helpWidth(Deno.stderr)));
      return ExitCode.Usage;
    case "-V":
    case "--version":
      io.out(`${VERSION}\n`);
      return ExitCode.Ok;
    default:
      return undefined;
  }
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
  // Tables fit the terminal stdout is (if it is one); see cli/_table.ts.
  setTableWidth(io.columns);
  try {
    const answered = answerAtRoot(args, io);
    if (answered !== undefined) return answered;
    // An unknown word gets the whole tree, so commander can suggest the nearest command.
    const program = await buildProgram(context, commandWord(args));
    await program.parseAsync([...args], { from: "user" });
    return context.exitCode;
  } catch (error) {
    const { CommanderError } = await import("./commander.ts");
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    // Loaded only on failure: it needs the library's error classes (cli/_failure.ts).
    const { describeFailure } = await import("./_failure.ts");
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
