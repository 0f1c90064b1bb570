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
  collect,
  confirm,
  ExitCode,
  formatTable,
  printJson,
} from "./common.ts";
import {
  identifyHolders,
  type LockTarget,
  parseExclusion,
  ReleasePlan,
  resolveExclusions,
  type RmProcess,
  shortenPath,
  ShutdownError,
} from "../mod.ts";
import {
  askingLine,
  askOptions,
  asksJson,
  askTable,
  keptError,
  plannedAsksJson,
  printAskPlan,
} from "./_release_ask.ts";
import { outcomeJson, type ReleaseJson, targetsJson } from "./_release_json.ts";
import {
  explainShutdownError,
  keptRunningLine,
  printOutcome,
  rebootRequired,
} from "./_release_outcome.ts";
import {
  filesWord,
  fillIdentities,
  HOLDER_COLUMNS,
  holdersByKey,
  interruptSignal,
  optionalMs,
  pathFailure,
  PROCESS_COLUMNS,
  processesWord,
  processNames,
  progressReporter,
  rebootReasonLines,
  requireRead,
  toLockingProcessJson,
} from "./_rm_common.ts";

/** "C:\app (folder, 1,234 files)" for each folder given, so the question shows what it covers. */
function expansionText(targets: readonly LockTarget[]): string {
  const folders = targets.filter((target) => target.directory);
  if (folders.length === 0) return "";
  return " — " +
    folders.map((t) => `${shortenPath(t.path)} is a folder of ${filesWord(t.fileCount)}`)
      .join(", ");
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
      const shutdownTimeoutMs = optionalMs(options.shutdownTimeout, "--shutdown-timeout");
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
        if (excluded.length > 0) io.err(keptRunningLine("--exclude", excluded, true));
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
          printOutcome(io, outcome, { restart: options.restart === true, ask: !!ask });
          if (document.asks) io.out(askTable(document.asks));
        }
        if (outcome.rebootRequired && !leftClosed) context.exitCode = ExitCode.RebootRequired;
        if (leftClosed) {
          throw new CliError(
            `${processesWord(outcome.closed.length)} could not be restarted and remain closed: ` +
              processNames(outcome.closed),
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
