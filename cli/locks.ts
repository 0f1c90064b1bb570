/**
 * The `locks` command (which processes hold these files or folders?), and the registration of
 * both Restart Manager commands; `release` lives in `release.ts`.
 *
 * Exit codes: `locks` ends with 0 when nothing holds the paths and {@linkcode ExitCode.Locked}
 * (10) when something does, so scripts can branch on it; {@linkcode ExitCode.NothingChecked}
 * (13) when the folders hold no file; with `--wait`, {@linkcode ExitCode.WaitTimedOut} (14) at
 * the deadline and {@linkcode ExitCode.Interrupted} (130) on Ctrl+C; {@linkcode ExitCode.Usage} for a bad
 * path, {@linkcode ExitCode.Permission} when `--allow-read` is missing (queried, never
 * prompted), {@linkcode ExitCode.WindowsError} when the Restart Manager fails.
 *
 * @module
 */

import type { Command } from "./commander.ts";
import {
  type CliContext,
  CliError,
  type CliIO,
  type Column,
  ExitCode,
  formatTable,
  humanDuration,
  printJson,
} from "./common.ts";
import {
  findLockingProcesses,
  type HolderIdentity,
  identifyHolders,
  isElevated,
  type LockingProcess,
  type LockReport,
  type NotVisible,
  notVisibleReasons,
  shortenPath,
  type WaitResult,
  waitUntilFree,
} from "../mod.ts";
import {
  filesWord,
  HOLDER_COLUMNS,
  interruptSignal,
  type LockingProcessJson,
  optionalMs,
  pathFailure,
  PROCESS_COLUMNS,
  processesWord,
  processLabel,
  rebootReasonLines,
  requireRead,
  toLockingProcessJson,
} from "./_rm_common.ts";
import { registerReleaseCommand } from "./release.ts";

// ---- JSON shapes (the documented, stable output of --json) ------------------------------------

/** What `locks --json` prints. */
export interface LockReportJson {
  /** Whether any process holds the paths (exit code 10 when true). */
  locked: boolean;
  fileCount: number;
  attributed: boolean;
  elevated: boolean | null;
  warning: string | null;
  rebootReasons: string[];
  /** What the Restart Manager cannot see: an empty `processes` is not proof (see the README). */
  notVisible: NotVisible[];
  processes: LockingProcessJson[];
}

/** The `--json` form of a lock report. */
function toLockReportJson(report: LockReport): LockReportJson {
  return {
    locked: report.processes.length > 0,
    fileCount: report.fileCount,
    attributed: report.attributed,
    elevated: report.elevated,
    warning: report.warning,
    rebootReasons: [...report.rebootReasons],
    notVisible: report.notVisible.map((entry) => ({ ...entry })),
    processes: report.processes.map(toLockingProcessJson),
  };
}

// ---- tables -----------------------------------------------------------------------------------

const PATHS_COLUMN: Column<LockingProcess> = {
  header: "PATHS",
  cell: (p) => (p.paths ?? []).join(", "),
};

function lockTable(
  report: LockReport & { processes: (LockingProcess & HolderIdentity)[] },
): string {
  const columns: Column<LockingProcess & HolderIdentity>[] = report.attributed
    ? [...PROCESS_COLUMNS, ...HOLDER_COLUMNS, PATHS_COLUMN]
    : [...PROCESS_COLUMNS, ...HOLDER_COLUMNS];
  return formatTable(report.processes, columns);
}

/** "note:" lines saying what an empty (or free) answer cannot rule out, on stderr. */
function notVisibleNote(io: CliIO, notVisible: readonly NotVisible[]): void {
  if (notVisible.length === 0) return;
  io.err("winsession: note: the Restart Manager cannot see every holder:\n");
  for (const entry of notVisible) io.err(`  - ${entry.text}\n`);
}

/** "holds" for one, "hold" for several. */
function holdVerb(count: number): string {
  return count === 1 ? "holds" : "hold";
}

/** Whether this process is elevated, or undefined when that cannot be read. */
function elevation(): boolean | undefined {
  try {
    return isElevated();
  } catch {
    return undefined;
  }
}

/** The line saying no file was checked (exit 13), naming the given paths. */
function nothingChecked(paths: readonly string[]): string {
  const shown = paths.slice(0, 3).map((path) => shortenPath(path)).join(", ");
  return `nothing was checked: ${shown}${paths.length > 3 ? ", …" : ""} ` +
    "hold no file, so no answer about them can be given";
}

/** Adds the Restart Manager commands (`locks`, `release`) to `program`. */
export function registerRestartManagerCommands(program: Command, context: CliContext): void {
  const { io } = context;

  program.command("locks")
    .description("Show which processes hold files or folders open (Restart Manager)")
    .argument("<path...>", "files, or folders with --recursive")
    .option("-r, --recursive", "check every file below the given folders")
    .option("--no-attribute", "do not work out which paths each process holds (faster)")
    .option("-w, --wait", "wait until nothing holds the paths (see --timeout)")
    .option("--timeout <seconds>", "with --wait: give up after this long (exit 14)")
    .option("--interval <seconds>", "with --wait: seconds between two checks (default 0.5)")
    .option("--json", "print JSON instead of a table")
    .addHelpText(
      "after",
      `
Exit codes: 0 nothing holds the paths, 10 something does, 13 no file was checked (empty
folders), 14 --wait timed out (the holders are printed), 130 Ctrl+C, 2 bad path or option,
4 no --allow-read, 1 Windows error.
An empty answer is not proof: the Restart Manager does not see working directories or handles
of folders, files opened by SMB clients, and (without elevation) other users' programs.

Examples:
  winsession locks C:\\app\\app.dll
  winsession locks --recursive C:\\build\\out --json
  winsession locks --wait --timeout 60 C:\\app\\app.dll`,
    )
    .action(async (paths, options) => {
      const timeoutMs = optionalMs(options.timeout, "--timeout");
      const intervalMs = optionalMs(options.interval, "--interval");
      if (!options.wait && (timeoutMs !== undefined || intervalMs !== undefined)) {
        throw new CliError("--timeout and --interval need --wait");
      }
      requireRead(paths);
      if (options.wait) {
        return await waitCommand(context, paths, {
          recursive: options.recursive === true,
          json: options.json === true,
          timeoutMs,
          intervalMs,
        });
      }
      const found = await findLockingProcesses(paths, {
        recursive: options.recursive === true,
        attribute: options.attribute !== false,
        cwd: io.cwd(),
        elevated: elevation(),
      }).catch(pathFailure);
      // Who and what: the executable and owner of each holder (null where Windows refuses).
      const report = { ...found, processes: await identifyHolders(found.processes) };
      context.exitCode = report.fileCount === 0
        ? ExitCode.NothingChecked
        : report.processes.length > 0
        ? ExitCode.Locked
        : ExitCode.Ok;
      if (options.json) {
        printJson(io, toLockReportJson(report));
        return;
      }
      if (report.fileCount === 0) {
        io.err(`winsession: ${nothingChecked(paths)}\n`);
        return;
      }
      if (report.processes.length === 0) {
        io.out(`No process holds the given paths (${filesWord(report.fileCount)} checked).\n`);
        notVisibleNote(io, report.notVisible);
      } else {
        io.out(lockTable(report));
        const reboot = rebootReasonLines(report.rebootReasons);
        if (reboot) io.err(reboot);
      }
      if (report.warning) io.err(`winsession: warning: ${report.warning}\n`);
    });

  registerReleaseCommand(program, context);
}

/** What `locks --wait --json` prints. */
export interface LockWaitJson {
  /** Nothing holds the paths any more (exit 0). */
  free: boolean;
  /** The deadline passed with the paths still held (exit 14). */
  timedOut: boolean;
  /** Files checked; 0 = nothing was checked (exit 13). */
  fileCount: number;
  waitedMs: number;
  /** How many times the Restart Manager was asked. */
  checks: number;
  /** What the Restart Manager cannot see, so `free` is not proof (see the README). */
  notVisible: NotVisible[];
  rebootReasons: string[];
  /** Who still held the paths at the deadline (empty when free). */
  processes: LockingProcessJson[];
}

/** `locks --wait`: one Restart Manager session, asked again every interval (rm/wait.ts). */
async function waitCommand(
  context: CliContext,
  paths: string[],
  options: { recursive: boolean; json: boolean; timeoutMs?: number; intervalMs?: number },
): Promise<void> {
  const { io } = context;
  const interrupt = interruptSignal(context);
  let shown = "";
  let result: WaitResult;
  try {
    result = await waitUntilFree(paths, {
      recursive: options.recursive,
      cwd: io.cwd(),
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs,
      signal: interrupt.signal,
      onCheck: ({ holders }) => {
        if (options.json || holders.length === 0) return;
        const line = `${processesWord(holders.length)} ${holdVerb(holders.length)} the paths: ` +
          holders.slice(0, 5).map(processLabel).join(", ");
        if (line !== shown) io.err(`Waiting: ${line}\n`);
        shown = line;
      },
    }).catch(pathFailure);
  } catch (error) {
    if (interrupt.signal.aborted) {
      throw new CliError("interrupted: stopped waiting; nothing was changed", ExitCode.Interrupted);
    }
    throw error;
  } finally {
    interrupt.dispose();
  }
  const notVisible = notVisibleReasons({
    folder: options.recursive,
    elevated: elevation(),
  });
  const holders = result.free ? [] : result.holders;
  const timedOut = !result.free && result.fileCount > 0;
  context.exitCode = result.fileCount === 0
    ? ExitCode.NothingChecked
    : timedOut
    ? ExitCode.WaitTimedOut
    : ExitCode.Ok;
  if (options.json) {
    const document: LockWaitJson = {
      free: result.free,
      timedOut,
      fileCount: result.fileCount,
      waitedMs: result.waitedMs,
      checks: result.checks,
      notVisible,
      rebootReasons: result.free ? [] : [...result.rebootReasons],
      processes: holders.map((p) => toLockingProcessJson({ ...p, paths: null })),
    };
    return printJson(io, document);
  }
  if (result.fileCount === 0) return io.err(`winsession: ${nothingChecked(paths)}\n`);
  const waited = humanDuration(result.waitedMs);
  if (result.free) {
    io.out(
      `Nothing holds the given paths any more (${filesWord(result.fileCount)} checked, ` +
        `waited ${waited}).\n`,
    );
    return notVisibleNote(io, notVisible);
  }
  io.out(formatTable(holders, PROCESS_COLUMNS));
  io.err(
    `winsession: timed out after ${waited}: ${processesWord(holders.length)} still ` +
      `${holdVerb(holders.length)} the given paths (listed above)\n`,
  );
}
