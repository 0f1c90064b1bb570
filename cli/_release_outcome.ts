/**
 * What `release` says after acting: the success lines (closed, restarted, kept running), the
 * reboot-required exit, and the explanation of a shutdown that did not fully succeed (what is
 * closed, restarted and running, and the one-line error to end with).
 *
 * @module
 */

import { CliError, type CliIO, ExitCode, formatTable, printJson } from "./common.ts";
import {
  ERROR_FAIL_SHUTDOWN,
  type ReleaseOutcome,
  type RmProcess,
  type RmRebootReason,
  type ShutdownError,
  ShutdownTimeoutError,
  WindowsError,
} from "../mod.ts";
import { outcomeJson, type ReleaseJson, type ReleaseLists } from "./_release_json.ts";
import {
  fillIdentities,
  PROCESS_COLUMNS,
  processesWord,
  processNames,
  rebootReasonLines,
  STATUS_COLUMN,
} from "./_rm_common.ts";

/** What a program is after the attempt: closed, restarted or running. */
const STATE_COLUMN = {
  header: "NOW",
  cell: (p: RmProcess & { now: string }) => p.now,
};

/** The table of every program by its state after the attempt, on stderr. */
function reportLists(io: CliIO, lists: ReleaseLists, heading: string): void {
  const rows = [
    ...lists.closed.map((p) => ({ ...p, now: "closed" })),
    ...lists.restarted.map((p) => ({ ...p, now: "restarted" })),
    ...lists.stillRunning.map((p) => ({ ...p, now: "running" })),
  ];
  if (rows.length === 0) return;
  io.err(`${heading}\n`);
  io.err(formatTable(rows, [...PROCESS_COLUMNS, STATUS_COLUMN, STATE_COLUMN]));
}

/**
 * "kept running (--exclude): 102 Agent, …": the one wording of programs a release leaves
 * running on purpose; `heading` starts it with a capital for the plan's line.
 */
export function keptRunningLine(
  why: string,
  processes: readonly RmProcess[],
  heading = false,
): string {
  return `${heading ? "Kept" : "winsession: kept"} running (${why}): ${processNames(processes)}\n`;
}

/** The lines after a release that succeeded (stdout for counts, stderr for what kept running). */
export function printOutcome(
  io: CliIO,
  outcome: ReleaseOutcome,
  options: { restart: boolean; ask: boolean },
): void {
  io.out(`Closed ${processesWord(outcome.closed.length + outcome.restarted.length)}.\n`);
  if (options.restart) io.out(`Restarted ${processesWord(outcome.restarted.length)}.\n`);
  if (outcome.notInPlan.length > 0) {
    io.err(
      keptRunningLine("they started holding the files after the confirmation", outcome.notInPlan),
    );
  }
  if (outcome.kept.length > 0) {
    io.err(
      keptRunningLine(options.ask ? "--exclude, or the owner's answer" : "--exclude", outcome.kept),
    );
  }
  const stillNeeded = rebootReasonLines(outcome.rebootReasons);
  if (stillNeeded) io.err(stillNeeded);
}

/**
 * `ERROR_FAIL_NOACTION_REBOOT`: nothing was closed and a reboot is needed (exit 12, like Inno
 * Setup's `/RESTARTEXITCODE`, "the exit code Setup is to return when the system needs to be
 * restarted", jrsoftware.org/ishelp/topic_setupcmdline.htm). The reasons are printed once:
 * with the plan, or here when the plan had none and the shutdown found them.
 */
export function rebootRequired(
  io: CliIO,
  json: boolean,
  document: ReleaseJson,
  planReasons: readonly RmRebootReason[],
  reasons: readonly RmRebootReason[],
): never {
  if (json) printJson(io, document);
  else if (planReasons.length === 0) {
    const lines = rebootReasonLines(reasons);
    if (lines) io.err(lines);
  }
  throw new CliError(
    "a reboot is needed to replace the files: the Restart Manager closed nothing " +
      "(RmShutdown: ERROR_FAIL_NOACTION_REBOOT (350)); replace them at the next restart",
    ExitCode.RebootRequired,
  );
}

/**
 * After a shutdown that did not fully succeed: prints what is closed, restarted and running
 * (a table on stderr, or the JSON document), and returns the one-line error to end with.
 */
export function explainShutdownError(
  error: ShutdownError<RmProcess>,
  context: { io: CliIO; json: boolean; document: ReleaseJson; restart: boolean },
): unknown {
  const { io, json, document } = context;
  const excludedPids = new Set(document.excluded.map((p) => p.pid));
  const lists = {
    closed: [...error.closed],
    restarted: [...error.restarted],
    stillRunning: [...error.stillRunning],
    notInPlan: [],
    // What --exclude kept: its filter shows as ShutdownMasked (the ShutdownError has no list).
    kept: error.stillRunning.filter((p) =>
      excludedPids.has(p.pid) && p.status.includes("ShutdownMasked")
    ),
  };
  const cause = error.cause;
  document.outcome = outcomeJson(lists, {
    restartAttempted: error.restartAttempted,
    interrupted: error.interrupted,
    rebootReasons: [],
  }, error.interrupted ? { name: "Interrupted", message: "interrupted (Ctrl+C)" } : cause);
  document.leftClosed = lists.closed.length > 0;
  fillIdentities(document.outcome, document.plan.processes);
  if (json) printJson(io, document);
  else {
    const failed = lists.stillRunning.filter((p) => p.status.includes("ErrorOnStop"));
    if (cause instanceof WindowsError && cause.code === ERROR_FAIL_SHUTDOWN && failed.length > 0) {
      io.err("These processes did not close (try --force):\n");
      io.err(formatTable(failed, [...PROCESS_COLUMNS, STATUS_COLUMN]));
    }
    if (lists.closed.length > 0 || lists.restarted.length > 0) {
      reportLists(io, lists, "After the shutdown attempt:");
    }
  }
  const why = error.interrupted
    ? "interrupted"
    : cause instanceof ShutdownTimeoutError
    ? `the shutdown took longer than --shutdown-timeout (${
      cause.timeoutMs / 1000
    } s) and was cancelled`
    : cause instanceof Error
    ? cause.message.replace(/\.$/, "")
    : "the shutdown failed";
  if (lists.closed.length > 0) {
    const advice = context.restart
      ? "start them again yourself"
      : "start them again yourself, or use --restart next time";
    return new CliError(
      `${why}; ${processesWord(lists.closed.length)} left closed: ${processNames(lists.closed)} ` +
        `(${advice})`,
      ExitCode.ProgramsLeftClosed,
    );
  }
  const restored = lists.restarted.length > 0
    ? `; ${processesWord(lists.restarted.length)} closed and restarted, none left closed`
    : "; nothing was left closed";
  if (error.interrupted) {
    return new CliError(`interrupted: the shutdown was cancelled${restored}`, ExitCode.Interrupted);
  }
  if (cause instanceof WindowsError || cause instanceof ShutdownTimeoutError) {
    return new CliError(`${why}${restored}`, ExitCode.WindowsError);
  }
  return cause ?? error;
}
