/**
 * Restart Manager commands: `locks` (which processes hold these files or folders?) and
 * `release` (close them, optionally restart them afterwards).
 *
 * Exit codes: `locks` and `release --dry-run` end with 0 when nothing holds the paths and
 * {@linkcode ExitCode.Locked} (10) when something does, so scripts can branch on it; `release`
 * ends with 0 once the processes are closed (and restarted with `--restart`),
 * {@linkcode ExitCode.NotConfirmed} when not confirmed, {@linkcode ExitCode.WindowsError} when
 * the Restart Manager fails (one line naming the Win32 error), {@linkcode ExitCode.Usage} for a
 * bad path, {@linkcode ExitCode.Interrupted} when Ctrl+C cancelled the shutdown.
 *
 * @module
 */

import type { Command } from "./commander.ts";
import {
  type CliContext,
  CliError,
  type CliIO,
  type Column,
  confirm,
  ExitCode,
  formatTable,
  printJson,
} from "./common.ts";
import {
  findLockingProcesses,
  type LockingProcess,
  type LockReport,
  lockTargets,
  registerFilesInBatches,
  RestartManagerSession,
  type RmProcess,
  type RmRebootReason,
  WindowsError,
} from "../mod.ts";

/** `ERROR_FAIL_NOACTION_REBOOT`: RmShutdown did nothing because a reboot is needed anyway. */
const ERROR_FAIL_NOACTION_REBOOT = 350;
/** `ERROR_FAIL_SHUTDOWN`: some application could not be closed. */
const ERROR_FAIL_SHUTDOWN = 351;

// ---- JSON shapes (the documented, stable output of --json) ------------------------------------

/** A process as `locks --json` prints it. */
export interface LockingProcessJson {
  pid: number;
  /** ISO 8601 (UTC), or null. */
  startTime: string | null;
  appName: string;
  serviceName: string | null;
  type: string;
  status: string[];
  sessionId: number | null;
  restartable: boolean;
  /** Full paths of the checked files it holds; null when not worked out (`--no-attribute`). */
  paths: string[] | null;
}

/** What `locks --json` prints. */
export interface LockReportJson {
  /** Whether any process holds the paths (exit code 10 when true). */
  locked: boolean;
  fileCount: number;
  attributed: boolean;
  elevated: boolean | null;
  warning: string | null;
  rebootReasons: string[];
  processes: LockingProcessJson[];
}

/** The `--json` form of a process holding files. */
export function toLockingProcessJson(process: RmProcess & { paths?: string[] | null }) {
  return {
    pid: process.pid,
    startTime: process.startTime ? process.startTime.toISOString() : null,
    appName: process.appName,
    serviceName: process.serviceName,
    type: process.type,
    status: [...process.status],
    sessionId: process.sessionId,
    restartable: process.restartable,
    paths: process.paths ?? null,
  } satisfies LockingProcessJson;
}

/** The `--json` form of a lock report. */
export function toLockReportJson(report: LockReport): LockReportJson {
  return {
    locked: report.processes.length > 0,
    fileCount: report.fileCount,
    attributed: report.attributed,
    elevated: report.elevated,
    warning: report.warning,
    rebootReasons: [...report.rebootReasons],
    processes: report.processes.map(toLockingProcessJson),
  };
}

// ---- tables -----------------------------------------------------------------------------------

const PROCESS_COLUMNS: Column<RmProcess>[] = [
  { header: "PID", cell: (p) => String(p.pid), right: true },
  { header: "APP", cell: (p) => p.appName },
  { header: "TYPE", cell: (p) => p.type },
  { header: "SERVICE", cell: (p) => p.serviceName ?? "" },
  { header: "SESSION", cell: (p) => p.sessionId === null ? "" : String(p.sessionId), right: true },
  { header: "RESTARTABLE", cell: (p) => p.restartable ? "yes" : "no" },
];

const PATHS_COLUMN: Column<LockingProcess> = {
  header: "PATHS",
  cell: (p) => (p.paths ?? []).join(", "),
};

const STATUS_COLUMN: Column<RmProcess> = {
  header: "STATUS",
  cell: (p) => p.status.join(","),
};

const REBOOT_REASON_TEXT: Readonly<Record<RmRebootReason, string>> = {
  PermissionDenied: "permission denied: some processes cannot be shut down by this user",
  SessionMismatch: "session mismatch: some processes run in another Remote Desktop session",
  CriticalProcess: "a critical process uses the files",
  CriticalService: "a critical service uses the files",
  DetectedSelf: "this process itself uses the files",
};

function rebootReasonLines(reasons: readonly RmRebootReason[]): string {
  if (reasons.length === 0) return "";
  return "A reboot is needed to release the files:\n" +
    reasons.map((reason) => `  ${reason}: ${REBOOT_REASON_TEXT[reason]}\n`).join("");
}

function lockTable(report: LockReport): string {
  const columns: Column<LockingProcess>[] = report.attributed
    ? [...PROCESS_COLUMNS, PATHS_COLUMN]
    : PROCESS_COLUMNS;
  return formatTable(report.processes, columns);
}

function filesWord(count: number): string {
  return count === 1 ? "1 file" : `${count} files`;
}

/** Library failures about the given paths become usage errors (exit 2), named and on one line. */
function pathFailure(error: unknown): never {
  if (error instanceof Deno.errors.NotFound && /^path not found/.test(error.message)) {
    throw new CliError(error.message, ExitCode.Usage);
  }
  throw error;
}

/** A progress display on stderr: a bar on a colour terminal, plain percent lines otherwise. */
function progressReporter(io: CliIO, label: string) {
  let last = -1;
  return {
    update(percent: number) {
      const value = Math.max(0, Math.min(100, Math.round(percent)));
      if (value === last) return;
      last = value;
      if (io.color) {
        const width = 30;
        const filled = Math.round((value / 100) * width);
        io.err(`\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${value}%`);
      } else {
        io.err(`${label}: ${value}%\n`);
      }
    },
    done() {
      if (io.color && last >= 0) io.err("\n");
    },
  };
}

/** An AbortSignal for Ctrl+C (and the context's signal), and a way to stop listening. */
function interruptSignal(context: CliContext): { signal: AbortSignal; dispose(): void } {
  const stop = new AbortController();
  const onInterrupt = () => stop.abort(new CliError("interrupted", ExitCode.Interrupted));
  let listening = false;
  try {
    Deno.addSignalListener("SIGINT", onInterrupt);
    listening = true;
  } catch {
    // No signal support here (permissions or platform): the context signal still works.
  }
  const signals = context.signal ? [stop.signal, context.signal] : [stop.signal];
  return {
    signal: AbortSignal.any(signals),
    dispose() {
      if (listening) Deno.removeSignalListener("SIGINT", onInterrupt);
    },
  };
}

/** Adds the Restart Manager commands (`locks`, `release`) to `program`. */
export function registerRestartManagerCommands(program: Command, context: CliContext): void {
  const { io } = context;

  program.command("locks")
    .description("Show which processes hold files or folders open (Restart Manager)")
    .argument("<path...>", "files, or folders with --recursive")
    .option("-r, --recursive", "check every file below the given folders")
    .option("--no-attribute", "do not work out which paths each process holds (faster)")
    .option("--json", "print JSON instead of a table")
    .addHelpText(
      "after",
      `
Exit codes: 0 nothing holds the paths, 10 something does, 2 bad path, 1 Windows error.
Without elevation, processes of other users may be missing.

Examples:
  winsession locks C:\\app\\app.dll
  winsession locks --recursive C:\\build\\out --json`,
    )
    .action(async (paths, options) => {
      const report = await findLockingProcesses(paths, {
        recursive: options.recursive === true,
        attribute: options.attribute !== false,
        cwd: io.cwd(),
      }).catch(pathFailure);
      context.exitCode = report.processes.length > 0 ? ExitCode.Locked : ExitCode.Ok;
      if (options.json) {
        printJson(io, toLockReportJson(report));
        return;
      }
      if (report.processes.length === 0) {
        io.out(`No process holds the given paths (${filesWord(report.fileCount)} checked).\n`);
      } else {
        io.out(lockTable(report));
        const reboot = rebootReasonLines(report.rebootReasons);
        if (reboot) io.err(reboot);
      }
      if (report.warning) io.err(`winsession: warning: ${report.warning}\n`);
    });

  program.command("release")
    .description("Close the processes holding files or folders (Restart Manager), then restart")
    .argument("<path...>", "files, or folders with --recursive")
    .option("-r, --recursive", "include every file below the given folders")
    .option("-f, --force", "force applications that do not close to shut down")
    .option("--only-registered", "shut down only if every application is registered for restart")
    .option("--restart", "restart the applications afterwards")
    .option("-n, --dry-run", "only list what would be closed (exit 0 or 10 like locks)")
    .option("-y, --yes", "do not ask for confirmation (needed without a terminal)")
    .addHelpText(
      "after",
      `
Exit codes: 0 done (dry run: nothing holds the paths), 10 dry run and something holds them,
5 not confirmed, 2 bad path, 1 Windows error (e.g. ERROR_FAIL_SHUTDOWN), 130 interrupted.

Examples:
  winsession release C:\\app\\app.dll --restart
  winsession release --recursive C:\\app --force --yes`,
    )
    .action(async (paths, options) => {
      const files = await lockTargets(paths, {
        recursive: options.recursive === true,
        cwd: io.cwd(),
      }).catch(pathFailure);
      using rm = RestartManagerSession.start();
      registerFilesInBatches(rm, files);
      const before = rm.list();
      if (before.processes.length === 0) {
        io.out(`No process holds the given paths (${filesWord(files.length)} checked).\n`);
        return;
      }
      io.out(formatTable(before.processes, PROCESS_COLUMNS));
      const reboot = rebootReasonLines(before.rebootReasons);
      if (reboot) io.err(reboot);
      if (options.dryRun) {
        context.exitCode = ExitCode.Locked;
        return;
      }
      const count = before.processes.length;
      const what = count === 1 ? "this process" : `these ${count} processes`;
      await confirm(io, `Close ${what}${options.force ? " (forced)" : ""}?`, options.yes);

      const interrupt = interruptSignal(context);
      try {
        const shutdownProgress = progressReporter(io, "Closing");
        try {
          await rm.shutdown({
            force: options.force === true,
            onlyRegistered: options.onlyRegistered === true,
            onProgress: shutdownProgress.update,
            signal: interrupt.signal,
          });
        } catch (error) {
          shutdownProgress.done();
          throw explainShutdownFailure(error, rm, io);
        }
        shutdownProgress.done();
        const after = rm.list();
        io.out(`Closed ${count === 1 ? "1 process" : `${count} processes`}.\n`);
        const stillNeeded = rebootReasonLines(after.rebootReasons);
        if (stillNeeded) io.err(stillNeeded);
        if (options.restart) {
          const restartProgress = progressReporter(io, "Restarting");
          try {
            await rm.restart({ onProgress: restartProgress.update, signal: interrupt.signal });
          } finally {
            restartProgress.done();
          }
          const restarted = rm.list().processes.filter((p) => p.status.includes("Restarted"));
          io.out(
            `Restarted ${
              restarted.length === 1 ? "1 process" : `${restarted.length} processes`
            }.\n`,
          );
        }
      } catch (error) {
        if (interrupt.signal.aborted) {
          const reason = interrupt.signal.reason;
          throw reason instanceof CliError ? reason : new CliError(
            "interrupted: the Restart Manager task was cancelled",
            ExitCode.Interrupted,
          );
        }
        throw error;
      } finally {
        interrupt.dispose();
      }
    });
}

/**
 * After a failed shutdown: says which processes are still running (ErrorOnStop) or why a reboot
 * is needed, on stderr, and returns the error to throw.
 */
function explainShutdownFailure(error: unknown, rm: RestartManagerSession, io: CliIO): unknown {
  if (!(error instanceof WindowsError)) return error;
  if (error.code === ERROR_FAIL_NOACTION_REBOOT || error.code === ERROR_FAIL_SHUTDOWN) {
    try {
      const after = rm.list();
      const failed = after.processes.filter((p) => p.status.includes("ErrorOnStop"));
      if (failed.length > 0) {
        io.err("These processes did not close (try --force):\n");
        io.err(formatTable(failed, [...PROCESS_COLUMNS, STATUS_COLUMN]));
      }
      const reboot = rebootReasonLines(after.rebootReasons);
      if (reboot) io.err(reboot);
    } catch {
      // The original failure is what matters.
    }
  }
  return error;
}
