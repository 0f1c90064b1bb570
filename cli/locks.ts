/**
 * The `locks` command (which processes hold these files or folders?), and the registration of
 * both Restart Manager commands; `release` lives in `release.ts`.
 *
 * Exit codes: `locks` ends with 0 when nothing holds the paths and {@linkcode ExitCode.Locked}
 * (10) when something does, so scripts can branch on it; {@linkcode ExitCode.Usage} for a bad
 * path, {@linkcode ExitCode.Permission} when `--allow-read` is missing (queried, never
 * prompted), {@linkcode ExitCode.WindowsError} when the Restart Manager fails.
 *
 * @module
 */

import type { Command } from "./commander.ts";
import { type CliContext, type Column, ExitCode, formatTable, printJson } from "./common.ts";
import {
  findLockingProcesses,
  type HolderIdentity,
  identifyHolders,
  type LockingProcess,
  type LockReport,
} from "../mod.ts";
import {
  filesWord,
  HOLDER_COLUMNS,
  type LockingProcessJson,
  pathFailure,
  PROCESS_COLUMNS,
  rebootReasonLines,
  requireRead,
  toLockingProcessJson,
} from "./_rm_common.ts";
import { registerReleaseCommand } from "./release.ts";

export { type LockingProcessJson, toLockingProcessJson } from "./_rm_common.ts";

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
  processes: LockingProcessJson[];
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
Exit codes: 0 nothing holds the paths, 10 something does, 2 bad path, 4 no --allow-read,
1 Windows error.
Without elevation, processes of other users may be missing.

Examples:
  winsession locks C:\\app\\app.dll
  winsession locks --recursive C:\\build\\out --json`,
    )
    .action(async (paths, options) => {
      requireRead(paths);
      const found = await findLockingProcesses(paths, {
        recursive: options.recursive === true,
        attribute: options.attribute !== false,
        cwd: io.cwd(),
      }).catch(pathFailure);
      // Who and what: the executable and owner of each holder (null where Windows refuses).
      const report = { ...found, processes: await identifyHolders(found.processes) };
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

  registerReleaseCommand(program, context);
}
