/**
 * The `release` command: close the processes holding files or folders, optionally restart
 * them, and always say afterwards which programs are closed, restarted or still running.
 *
 * Exit codes: 0 once the processes are closed (and restarted with `--restart`);
 * {@linkcode ExitCode.ProgramsLeftClosed} (11) when programs remain closed after a shutdown
 * attempt that failed, was interrupted, or whose `--restart` could not bring them back (stderr
 * and `--json` name them); {@linkcode ExitCode.Interrupted} (130) when Ctrl+C cancelled it and
 * nothing is left closed; {@linkcode ExitCode.NotConfirmed} when not confirmed or a protected
 * folder lacks `--allow-protected-folder`; {@linkcode ExitCode.WindowsError} when the Restart
 * Manager fails and nothing is left closed; {@linkcode ExitCode.Usage} for a bad path; `--dry-run`
 * ends like `locks` (0 free, 10 held).
 *
 * @module
 */

import type { Command } from "./commander.ts";
import {
  type CliContext,
  CliError,
  type CliIO,
  collect,
  confirm,
  ExitCode,
  formatTable,
  parseSecondsOption,
  printJson,
} from "./common.ts";
import {
  identifyHolders,
  type LockTarget,
  parseExclusion,
  protectedFolderReason,
  type ReleaseOutcome,
  ReleasePlan,
  resolveExclusions,
  type RmProcess,
  type RmRebootReason,
  shortenPath,
  ShutdownError,
  ShutdownTimeoutError,
  WindowsError,
  type WindowsErrorJson,
} from "../mod.ts";
import {
  askingLine,
  askOptions,
  asksJson,
  askTable,
  keptError,
  type OwnerAskJson,
  plannedAsksJson,
  printAskPlan,
} from "./_release_ask.ts";
import {
  filesWord,
  fillIdentities,
  HOLDER_COLUMNS,
  holdersByKey,
  interruptSignal,
  type LockingProcessJson,
  pathFailure,
  PROCESS_COLUMNS,
  processesWord,
  progressReporter,
  rebootReasonLines,
  requireRead,
  STATUS_COLUMN,
  toLockingProcessJson,
} from "./_rm_common.ts";

/** `ERROR_FAIL_SHUTDOWN`: some application could not be closed. */
const ERROR_FAIL_SHUTDOWN = 351;

/** A given path as `release --json` prints it. */
export interface ReleaseTargetJson {
  /** As given. */
  path: string;
  fullPath: string;
  directory: boolean;
  /** How many files it expanded to. */
  fileCount: number;
  /** Why it is protected (needs `--allow-protected-folder`), or null. */
  protected: string | null;
}

/** What happened, as `release --json` prints it (null in a dry run or when nothing held). */
export interface ReleaseOutcomeJson {
  /** Closed by the Restart Manager and still closed. */
  closed: LockingProcessJson[];
  /** Closed and restarted. */
  restarted: LockingProcessJson[];
  /** Never closed: refused, masked, or appeared after the confirmation. */
  stillRunning: LockingProcessJson[];
  /** Appeared after the confirmation, kept running by a filter (also in stillRunning). */
  notInPlan: LockingProcessJson[];
  restartAttempted: boolean;
  /** Ctrl+C cancelled the shutdown. */
  interrupted: boolean;
  rebootReasons: string[];
  /** The failure, when the release did not fully succeed; else null. */
  error: WindowsErrorJson | { name: string; message: string } | null;
  /** Kept running by `--exclude` (also in stillRunning). */
  kept: LockingProcessJson[];
  /** A reboot is needed to replace the files (exit code 12). */
  rebootRequired: boolean;
  /** `--shutdown-timeout` passed and the shutdown was cancelled. */
  timedOut: boolean;
}

/** What `release --json` prints: the plan, then the outcome, as one document. */
export interface ReleaseJson {
  dryRun: boolean;
  fileCount: number;
  targets: ReleaseTargetJson[];
  /** What held the files when the plan was made: what was to be closed. */
  plan: { processes: LockingProcessJson[]; rebootReasons: string[] };
  outcome: ReleaseOutcomeJson | null;
  /** Whether programs remain closed that the release closed (exit code 11). */
  leftClosed: boolean;
  /** With `--ask`: every planned program, asked or not, its answer and result; else null. */
  asks: OwnerAskJson[] | null;
  /** The holders `--exclude` keeps running: not closed, not asked about. */
  excluded: LockingProcessJson[];
  /** A reboot is needed to replace the files (exit code 12); the reasons are in the plan. */
  rebootRequired: boolean;
}

type Lists = Pick<ReleaseOutcome, "closed" | "restarted" | "stillRunning" | "notInPlan">;

function outcomeJson(
  lists: Lists & { kept?: readonly RmProcess[] },
  extra: {
    restartAttempted: boolean;
    interrupted: boolean;
    rebootReasons: readonly string[];
    rebootRequired?: boolean;
  },
  error: unknown,
): ReleaseOutcomeJson {
  return {
    closed: lists.closed.map(toLockingProcessJson),
    restarted: lists.restarted.map(toLockingProcessJson),
    stillRunning: lists.stillRunning.map(toLockingProcessJson),
    notInPlan: lists.notInPlan.map(toLockingProcessJson),
    restartAttempted: extra.restartAttempted,
    interrupted: extra.interrupted,
    rebootReasons: [...extra.rebootReasons],
    error: error === undefined || error === null
      ? null
      : error instanceof WindowsError
      ? error.toJSON()
      : error instanceof Error
      ? { name: error.name, message: error.message }
      : { name: "Error", message: String(error) },
    kept: (lists.kept ?? []).map(toLockingProcessJson),
    rebootRequired: extra.rebootRequired ?? false,
    timedOut: error instanceof ShutdownTimeoutError,
  };
}

function targetsJson(targets: readonly LockTarget[]): ReleaseTargetJson[] {
  return targets.map((target) => ({
    path: target.path,
    fullPath: target.fullPath,
    directory: target.directory,
    fileCount: target.fileCount,
    protected: target.directory ? protectedFolderReason(target.fullPath) : null,
  }));
}

/** "C:\app (folder, 1,234 files)" for each folder given, so the question shows what it covers. */
function expansionText(targets: readonly LockTarget[]): string {
  const folders = targets.filter((target) => target.directory);
  if (folders.length === 0) return "";
  return " — " +
    folders.map((t) => `${shortenPath(t.path)} is a folder of ${filesWord(t.fileCount)}`)
      .join(", ");
}

const STATE_COLUMN = {
  header: "NOW",
  cell: (p: RmProcess & { now: string }) => p.now,
};

/** The table of every program by its state after the attempt, on stderr. */
function reportLists(io: CliIO, lists: Lists, heading: string): void {
  const rows = [
    ...lists.closed.map((p) => ({ ...p, now: "closed" })),
    ...lists.restarted.map((p) => ({ ...p, now: "restarted" })),
    ...lists.stillRunning.map((p) => ({ ...p, now: "running" })),
  ];
  if (rows.length === 0) return;
  io.err(`${heading}\n`);
  io.err(formatTable(rows, [...PROCESS_COLUMNS, STATUS_COLUMN, STATE_COLUMN]));
}

function names(processes: readonly RmProcess[]): string {
  const shown = processes.slice(0, 5).map((p) => `${p.pid} ${p.appName}`).join(", ");
  return processes.length > 5 ? `${shown}, and ${processes.length - 5} more` : shown;
}

/** Adds `release` to `program`. */
export function registerReleaseCommand(program: Command, context: CliContext): void {
  const { io } = context;
  program.command("release")
    .description("Close the processes holding files or folders (Restart Manager), then restart")
    .argument("<path...>", "files, or folders with --recursive")
    .option("-r, --recursive", "include every file below the given folders")
    .option("-f, --force", "force applications that do not close to shut down")
    .option("--only-registered", "shut down only if every application is registered for restart")
    .option("--restart", "restart the applications afterwards (also after a failed shutdown)")
    .option(
      "--no-restart-on-failure",
      "with --restart: leave programs closed when the shutdown fails or is interrupted",
    )
    .option(
      "--allow-protected-folder",
      "allow a drive root, the Users folder, a profile or a Windows folder",
    )
    .option("--ask", "ask each user session's owner (Yes/No box) before closing its programs")
    .option("--ask-timeout <seconds>", "with --ask: how long the boxes wait (default 60)")
    .option(
      "--on-no-answer <action>",
      "with --ask: close or keep programs nobody answered for (keep)",
    )
    .option(
      "--exclude <pid|image|service>",
      "keep this program running (repeatable): a pid, an executable (name or full path), a service",
      collect,
    )
    .option(
      "--shutdown-timeout <seconds>",
      "cancel the shutdown when it takes longer; say what closed (restarted with --restart)",
    )
    .option("-n, --dry-run", "only show the plan: nothing is closed (exit 0 or 10 like locks)")
    .option("--json", "print the plan and the outcome as one JSON document")
    .option("-y, --yes", "do not ask for confirmation (needed without a terminal)")
    .addHelpText(
      "after",
      `
Exit codes: 0 done (dry run: nothing holds the paths), 10 dry run and something holds them
(or --exclude or the owners' answers to --ask keep programs open: the files are still in use),
11 programs left closed (named on stderr), 12 a reboot is needed (ERROR_FAIL_NOACTION_REBOOT
or reboot reasons; nothing was closed), 13 no file was checked, 5 not confirmed or a protected
folder, 2 bad path or --exclude, 4 no --allow-read, 1 Windows error (e.g. ERROR_FAIL_SHUTDOWN,
or --shutdown-timeout passed with nothing left closed), 130 interrupted.

Examples:
  winsession release C:\\app\\app.dll --restart
  winsession release --recursive C:\\app --force --yes --json
  winsession release D:\\Finance\\Budget.xlsx --ask --ask-timeout 120 --on-no-answer keep
  winsession release -r C:\\app --exclude Spooler --exclude 4242 --shutdown-timeout 60`,
    )
    .action(async (paths, options) => {
      const shutdownTimeoutMs = options.shutdownTimeout === undefined
        ? undefined
        : parseSecondsOption(options.shutdownTimeout, "--shutdown-timeout") * 1000;
      const exclude = ((options.exclude ?? []) as string[]).map(parseExclusion);
      requireRead(paths);
      const ask = askOptions(options);
      const dryRun = options.dryRun === true;
      if (options.json && !dryRun && !options.yes) {
        throw new CliError("--json needs --yes or --dry-run: a question would corrupt the JSON");
      }
      using plan = await ReleasePlan.create(paths, {
        recursive: options.recursive === true,
        cwd: io.cwd(),
        // A dry run closes nothing, so it shows protected folders instead of refusing them.
        allowProtectedFolders: dryRun || options.allowProtectedFolder === true,
      }).catch(pathFailure);
      // Who and what, before anything is asked or confirmed.
      const holders = await identifyHolders(plan.processes);
      const document: ReleaseJson = {
        dryRun,
        fileCount: plan.files.length,
        targets: targetsJson(plan.targets),
        plan: {
          processes: holders.map(toLockingProcessJson),
          rebootReasons: [...plan.rebootReasons],
        },
        outcome: null,
        leftClosed: false,
        asks: ask ? plannedAsksJson(holders, plan.targets, ask) : null,
        excluded: [],
        rebootRequired: plan.rebootReasons.length > 0,
      };
      // Validated against the plan before anything is asked or closed: a typo is refused.
      const excluded = resolveExclusions(exclude, plan.processes).flatMap((r) => r.processes);
      document.excluded = excluded.map(toLockingProcessJson);
      const held = plan.processes.length > 0;
      if (dryRun) context.exitCode = held ? ExitCode.Locked : ExitCode.Ok;
      if (plan.files.length === 0) context.exitCode = ExitCode.NothingChecked;
      if (options.json && (dryRun || !held)) return printJson(io, document);
      if (!options.json) {
        if (plan.files.length === 0) {
          io.err("winsession: nothing was checked: the given folders hold no file\n");
          return;
        }
        if (!held) {
          io.out(`No process holds the given paths (${filesWord(plan.files.length)} checked).\n`);
          return;
        }
        io.out(formatTable(holders, [...PROCESS_COLUMNS, ...HOLDER_COLUMNS]));
        const reboot = rebootReasonLines(plan.rebootReasons);
        if (reboot) io.err(reboot);
        if (excluded.length > 0) io.err(`Kept running (--exclude): ${names(excluded)}\n`);
      }
      if (dryRun) {
        if (ask) printAskPlan(io, plan.processes, plan.targets, ask);
        io.out(`Dry run: nothing was closed (${filesWord(plan.files.length)} checked).\n`);
        for (const target of document.targets) {
          if (target.protected) {
            io.err(
              `winsession: note: ${shortenPath(target.fullPath)} is ${target.protected}: ` +
                "releasing it needs --allow-protected-folder\n",
            );
          }
        }
        return;
      }
      const count = plan.processes.length - excluded.length;
      if (count === 0) {
        // Nothing to close, and the files are still held: not a success an installer may read
        // as "free" (10, like locks).
        context.exitCode = ExitCode.Locked;
        if (options.json) return printJson(io, document);
        io.out("Nothing to close: --exclude keeps every program holding the files running.\n");
        return;
      }
      const what = count === 1 ? "this process" : `these ${count} processes`;
      await confirm(
        io,
        `${ask ? "Ask the owners, then close" : "Close"} ${what}${
          options.force ? " (forced)" : ""
        }` +
          `${expansionText(plan.targets)}?`,
        options.yes,
      );

      const interrupt = interruptSignal(context);
      const progress = progressReporter(io);
      const json = options.json === true;
      try {
        const outcome = await plan.execute({
          force: options.force === true,
          onlyRegistered: options.onlyRegistered === true,
          restart: options.restart === true,
          restartOnFailure: options.restartOnFailure !== false,
          signal: interrupt.signal,
          ask: ask && {
            ...ask,
            onAsking: (sessions) => io.err(askingLine(sessions, ask.timeoutSeconds!)),
          },
          exclude,
          shutdownTimeoutMs,
          onProgress: json
            ? undefined
            : (task, percent) =>
              progress.update(task === "shutdown" ? "Closing" : "Restarting", percent),
        });
        progress.done();
        const leftClosed = options.restart === true && outcome.closed.length > 0;
        document.outcome = outcomeJson(outcome, {
          restartAttempted: outcome.restartAttempted,
          interrupted: false,
          rebootReasons: outcome.rebootReasons,
          rebootRequired: outcome.rebootRequired,
        }, null);
        document.leftClosed = leftClosed;
        fillIdentities(document.outcome, document.plan.processes);
        if (ask) document.asks = asksJson(outcome.asks, holdersByKey(holders));
        document.rebootRequired = outcome.rebootRequired;
        if (outcome.rebootRequired && outcome.closed.length + outcome.restarted.length === 0) {
          return rebootRequired(io, json, document, plan.rebootReasons, outcome.rebootReasons);
        }
        if (json) printJson(io, document);
        else {
          io.out(`Closed ${processesWord(outcome.closed.length + outcome.restarted.length)}.\n`);
          if (options.restart) io.out(`Restarted ${processesWord(outcome.restarted.length)}.\n`);
          if (outcome.notInPlan.length > 0) {
            io.err(
              `winsession: kept running (they started holding the files after the ` +
                `confirmation): ${names(outcome.notInPlan)}\n`,
            );
          }
          if (outcome.kept.length > 0) {
            const why = ask ? "--exclude, or the owner's answer" : "--exclude";
            io.err(`winsession: kept running (${why}): ${names(outcome.kept)}\n`);
          }
          const stillNeeded = rebootReasonLines(outcome.rebootReasons);
          if (stillNeeded) io.err(stillNeeded);
          if (document.asks) io.out(askTable(document.asks));
        }
        if (outcome.rebootRequired && !leftClosed) context.exitCode = ExitCode.RebootRequired;
        if (leftClosed) {
          throw new CliError(
            `${processesWord(outcome.closed.length)} could not be restarted and remain closed: ` +
              names(outcome.closed),
            ExitCode.ProgramsLeftClosed,
          );
        }
        const kept = keptError(outcome.asks);
        if (kept) throw kept;
      } catch (error) {
        progress.done();
        if (!(error instanceof ShutdownError)) throw error;
        if (ask) document.asks = asksJson(plan.asks, holdersByKey(holders));
        if (ask && !json) io.out(askTable(document.asks!));
        throw explainShutdownError(error as ShutdownError<RmProcess>, {
          io,
          json,
          document,
          restart: options.restart === true,
        });
      } finally {
        interrupt.dispose();
      }
    });
}

/**
 * `ERROR_FAIL_NOACTION_REBOOT`: nothing was closed and a reboot is needed (exit 12, like Inno
 * Setup's `/RESTARTEXITCODE`, "the exit code Setup is to return when the system needs to be
 * restarted", jrsoftware.org/ishelp/topic_setupcmdline.htm). The reasons are printed once:
 * with the plan, or here when the plan had none and the shutdown found them.
 */
function rebootRequired(
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
function explainShutdownError(
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
      `${why}; ${processesWord(lists.closed.length)} left closed: ${names(lists.closed)} ` +
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
