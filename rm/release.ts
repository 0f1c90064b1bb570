/**
 * "Close what holds these files, and never leave a program closed without saying so":
 * {@linkcode ReleasePlan} expands the paths, refuses folders whose release would close half the
 * machine, and lists what holds the files (the plan, for a confirmation); its
 * {@linkcode ReleasePlan.execute} re-checks the holders just before acting, shuts them down,
 * restarts them when asked (even after a failed or cancelled shutdown) and reads back with
 * `RmGetList` which programs are now closed, restarted or still running. A shutdown that did
 * not fully succeed throws a {@linkcode ShutdownError} carrying those lists.
 *
 * @example
 * ```ts ignore
 * import { ReleasePlan } from "./release.ts";
 *
 * using plan = await ReleasePlan.create(["C:\\app"], { recursive: true });
 * console.log(plan.processes.map((p) => p.appName));
 * const outcome = await plan.execute({ restart: true });
 * console.log(outcome.closed, outcome.restarted);
 * ```
 *
 * @module
 */

import { ProtectedFolderError, ShutdownError, ShutdownTimeoutError } from "../ffi/errors.ts";
import type { ReleaseExclusion } from "./exclusions.ts";
import { askOwners, type AskOwnersOptions, type OwnerAsk, settleAsks } from "./ask.ts";
import { DEFAULT_BATCH_SIZE, registerExpandedInBatches } from "./batches.ts";
import { expandTargets, type LockTarget, type LockTargetOptions } from "./locks.ts";
import { type ProtectedFolderOptions, protectedFolderReason, resolveFullPath } from "./paths.ts";
import { RestartManagerSession, type RmProcess, type RmRebootReason } from "./session.ts";
import { classify, count, isNoActionReboot, keepExcluded } from "./_release_outcome.ts";
import { processKey, uniqueProcessOf } from "./_unique_process.ts";

/** Options of {@linkcode ReleasePlan.create}. */
export interface ReleasePlanOptions extends LockTargetOptions {
  /** Files per `RmRegisterResources` call (default 1,000). */
  batchSize?: number;
  /**
   * Allow folders whose release would close far more than one application: drive and share
   * roots, the Users folder and profiles, Windows system folders (see `protectedFolderReason`).
   * Without it such a folder throws {@linkcode ProtectedFolderError} before anything is read.
   */
  allowProtectedFolders?: boolean;
  /** How protected folders are recognised (tests pass Windows' rules and an environment). */
  protectedFolders?: ProtectedFolderOptions;
}

/** Options of {@linkcode ReleasePlan.execute}. */
export interface ReleaseOptions {
  /** `RmForceShutdown`: close applications that do not respond, after their timeout. */
  force?: boolean;
  /** `RmShutdownOnlyRegistered`: shut down only if every application can be restarted. */
  onlyRegistered?: boolean;
  /** Restart what was closed (`RmRestart`) once the shutdown is done. */
  restart?: boolean;
  /**
   * With `restart`: also restart what was closed when the shutdown failed, partly failed or
   * was cancelled (default true). `false` leaves those programs closed (and says so).
   */
  restartOnFailure?: boolean;
  /** Receives progress: which task, and its percentage. */
  onProgress?: (task: "shutdown" | "restart", percent: number) => void;
  /**
   * Aborting cancels the running shutdown (`RmCancelCurrentTask`); what was closed is then
   * restarted when `restart` and `restartOnFailure` allow, and a {@linkcode ShutdownError}
   * with `interrupted: true` is thrown. A restart after an abort runs without the signal.
   */
  signal?: AbortSignal;
  /**
   * Ask the owners first (see `askOwners`): every user session holding the files gets one Yes/No
   * box, all at once; programs whose owners said No (and, with `onNoAnswer: "keep"`, those who
   * did not answer) are kept out of the shutdown by a `noShutdown` filter. Services and
   * session-0 programs are not asked and are closed as usual.
   */
  ask?: AskOwnersOptions;
  /**
   * Programs to keep running (`RmAddFilter` with `RmNoShutdown`), resolved against the holders
   * listed just before acting (see `resolveExclusions`); they are reported in
   * {@linkcode ReleaseOutcome.kept}. Validate them against the plan first (the CLI does) so a
   * typo is refused before anything is closed: here, one that matches nobody is ignored.
   */
  exclude?: readonly ReleaseExclusion[];
  /**
   * Cancel the shutdown when it takes longer than this many milliseconds (`RmCancelCurrentTask`,
   * issued so it never waits for the status callback: rm/_task.ts). What closed before the
   * deadline is restarted as after an interrupt, and a {@linkcode ShutdownError} whose cause is
   * a `ShutdownTimeoutError` says what stayed closed.
   */
  shutdownTimeoutMs?: number;
}

/** What {@linkcode ReleasePlan.execute} reports: read back from `RmGetList` after acting. */
export interface ReleaseOutcome {
  /** Programs the Restart Manager closed that are still closed. */
  closed: RmProcess[];
  /** Programs closed and restarted. */
  restarted: RmProcess[];
  /** Programs not closed: refused (`ErrorOnStop`), masked by a filter, or kept out below. */
  stillRunning: RmProcess[];
  /**
   * Programs that started holding the files after the plan was made: they were not confirmed,
   * so a `noShutdown` filter kept them running (they are in `stillRunning` too).
   */
  notInPlan: RmProcess[];
  /** Whether `RmRestart` was called. */
  restartAttempted: boolean;
  /** Programs kept running on purpose, by `exclude` or by their owners' answer to `ask` (also in `stillRunning`). */
  kept: RmProcess[];
  /**
   * Whether a reboot is needed to replace the files: RmShutdown answered
   * `ERROR_FAIL_NOACTION_REBOOT` ("no shutdown actions were performed"; then nothing was
   * closed), or the Restart Manager still gives reboot reasons after acting.
   */
  rebootRequired: boolean;
  /** Reboot reasons after acting, by name. */
  rebootReasons: RmRebootReason[];
  /** The raw `RM_REBOOT_REASON` flags. */
  rebootReasonFlags: number;
  /** With `ask`: every planned program, asked or not, its answer and its result; else empty. */
  asks: OwnerAsk[];
}

/**
 * A release, planned: the files, what holds them, and one open Restart Manager session with
 * the files registered. Confirm the plan, then {@linkcode ReleasePlan.execute} it; always end it
 * (`using` does).
 *
 * @example Release a folder, restart what was closed, and learn what stayed closed
 * ```ts ignore
 * import { ReleasePlan, ShutdownError } from "../mod.ts";
 *
 * using plan = await ReleasePlan.create(["C:\\app"], { recursive: true });
 * console.log(`${plan.processes.length} processes hold ${plan.files.length} files`);
 * try {
 *   const outcome = await plan.execute({ restart: true });
 *   console.log("not restarted:", outcome.closed.map((p) => p.appName));
 * } catch (error) {
 *   if (error instanceof ShutdownError) console.log("left closed:", error.closed);
 *   throw error;
 * }
 * ```
 */
export class ReleasePlan implements Disposable {
  /** The given paths and what each expanded to. */
  readonly targets: readonly LockTarget[];
  /** The files' full paths. */
  readonly files: readonly string[];
  /** What holds the files now: what {@linkcode ReleasePlan.execute} will close. */
  readonly processes: readonly RmProcess[];
  /** Why replacing the files would need a reboot (then nothing is closed). */
  readonly rebootReasons: readonly RmRebootReason[];
  readonly #session: RestartManagerSession | null;
  #executed = false;
  #asks: OwnerAsk[] = [];

  private constructor(
    expanded: { files: string[]; targets: LockTarget[] },
    session: RestartManagerSession | null,
  ) {
    this.targets = expanded.targets;
    this.files = expanded.files;
    this.#session = session;
    const list = session?.list();
    this.processes = list?.processes ?? [];
    this.rebootReasons = list?.rebootReasons ?? [];
  }

  /**
   * Plans the release of `paths`: refuses protected folders (before reading them), expands
   * folders with `recursive`, starts a session, registers the files and lists their holders.
   *
   * @example
   * ```ts ignore
   * import { ReleasePlan } from "./release.ts";
   *
   * using plan = await ReleasePlan.create(["C:\\app\\app.dll"]);
   * ```
   *
   * @param paths Files, or folders with `recursive`.
   * @param options Recursion, base folder, batch size, protected folders.
   * @returns The plan; end it (or let `using` end it).
   * @throws {ProtectedFolderError} A protected folder without `allowProtectedFolders`.
   * @throws {TypeError} No paths, an empty path, a NUL, a folder without `recursive`.
   * @throws {RangeError} A path longer than Windows allows.
   * @throws {Deno.errors.NotFound} A path that does not exist.
   * @throws {WindowsError} A Restart Manager failure.
   */
  static async create(
    paths: readonly string[],
    options: ReleasePlanOptions = {},
  ): Promise<ReleasePlan> {
    if (!options.allowProtectedFolders) {
      for (const path of paths) {
        const full = resolveFullPath(path, options.cwd);
        const reason = protectedFolderReason(full, options.protectedFolders);
        if (reason !== null) throw new ProtectedFolderError(full, reason);
      }
    }
    const expanded = await expandTargets(paths, options);
    if (expanded.files.length === 0) return new ReleasePlan(expanded, null);
    const session = RestartManagerSession.start();
    try {
      registerExpandedInBatches(session, expanded.files, options.batchSize ?? DEFAULT_BATCH_SIZE);
      return new ReleasePlan(expanded, session);
    } catch (error) {
      session.end();
      throw error;
    }
  }

  /**
   * With `execute({ ask })`: every planned program, its owner's answer and (once the release
   * acted) its result; also after a {@linkcode ShutdownError}. Empty before or without `ask`.
   */
  get asks(): readonly OwnerAsk[] {
    return this.#asks;
  }

  /** Ends the plan's Restart Manager session. Calling it again does nothing. */
  end(): void {
    this.#session?.end();
  }

  /** Ends the session; what `using` calls. */
  [Symbol.dispose](): void {
    this.end();
  }

  /**
   * Closes what holds the files, restarts it when asked, and reports what is true afterwards.
   * Just before acting the holders are listed again: a program that started holding the files
   * after the plan was made was not confirmed, so a `noShutdown` filter keeps it running.
   *
   * @example
   * ```ts ignore
   * import { ReleasePlan } from "./release.ts";
   * import { ShutdownError } from "../ffi/errors.ts";
   *
   * using plan = await ReleasePlan.create(["C:\\app\\app.dll"]);
   * try {
   *   const { closed, restarted } = await plan.execute({ restart: true });
   * } catch (error) {
   *   if (error instanceof ShutdownError) console.log("still closed:", error.closed);
   * }
   * ```
   *
   * @param options Force, restart, progress and cancellation.
   * @returns Which programs are closed, restarted and still running.
   * @throws {ShutdownError} When the shutdown or the restart did not fully succeed, or was
   * interrupted: with the lists read back after the attempt (and after the recovery restart).
   */
  async execute(options: ReleaseOptions = {}): Promise<ReleaseOutcome> {
    const rm = this.#session;
    if (this.#executed) throw new Error("this release plan has already been executed");
    this.#executed = true;
    if (rm === null || this.processes.length === 0) {
      return {
        closed: [],
        restarted: [],
        stillRunning: [],
        notInPlan: [],
        restartAttempted: false,
        kept: [],
        rebootRequired: this.rebootReasons.length > 0,
        rebootReasons: [...this.rebootReasons],
        rebootReasonFlags: 0,
        asks: [],
      };
    }
    // What stays running: programs whose owners said No (or did not answer, by choice), and the
    // exclusions; keyed like processKey.
    const keptKeys = new Set<string>();
    if (options.ask) {
      // Interrupted already: no box is shown to anybody, nothing is done.
      options.signal?.throwIfAborted();
      // Asked before the re-list below, which then still catches what appeared while waiting.
      this.#asks = await askOwners(this.processes, this.targets, options.ask);
      for (const ask of this.#asks) {
        if (ask.decision !== "keep") continue;
        rm.addFilter({ process: uniqueProcessOf(ask.process), action: "noShutdown" });
        keptKeys.add(processKey(ask.process));
      }
    }
    const planned = new Set(this.processes.map(processKey));
    const notInPlan = new Set<string>();
    const current = rm.list().processes;
    const kept = keepExcluded(rm, options.exclude, current);
    for (const key of kept) keptKeys.add(key);
    for (const process of current) {
      const key = processKey(process);
      if (planned.has(key)) continue;
      rm.addFilter({ process: uniqueProcessOf(process), action: "noShutdown" });
      notInPlan.add(key);
    }
    const { signal, onProgress } = options;
    let failure: { error: unknown } | undefined;
    try {
      // Every program is kept (owners said No, or excluded): nothing is to be closed, so no
      // shutdown runs at all.
      if (this.processes.some((process) => !keptKeys.has(processKey(process)))) {
        await rm.shutdown({
          force: options.force,
          onlyRegistered: options.onlyRegistered,
          signal,
          timeoutMs: options.shutdownTimeoutMs,
          onProgress: onProgress && ((percent) => onProgress("shutdown", percent)),
        });
      }
    } catch (error) {
      failure = { error };
    }
    if (failure !== undefined && isNoActionReboot(failure.error)) {
      // "No shutdown actions were performed" (RmShutdown's page): nothing to restart or report
      // as closed; the caller needs the reboot, not an error about programs.
      const after = rm.list();
      settleAsks(this.#asks, classify(after.processes, this.processes, notInPlan, false));
      return {
        closed: [],
        restarted: [],
        stillRunning: after.processes,
        notInPlan: after.processes.filter((process) => notInPlan.has(processKey(process))),
        restartAttempted: false,
        kept: after.processes.filter((process) => keptKeys.has(processKey(process))),
        rebootRequired: true,
        rebootReasons: after.rebootReasons,
        rebootReasonFlags: after.rebootReasonFlags,
        asks: this.#asks,
      };
    }
    const timedOut = failure?.error instanceof ShutdownTimeoutError;
    const interrupted = signal?.aborted === true || timedOut;
    let restartAttempted = false;
    if (options.restart && (failure === undefined || options.restartOnFailure !== false)) {
      const closedNow = classify(rm.list().processes, this.processes, notInPlan, false).closed;
      if (closedNow.length > 0) {
        restartAttempted = true;
        try {
          await rm.restart({
            // After an interrupt the restart is the recovery: the spent signal must not stop it.
            signal: interrupted ? undefined : signal,
            onProgress: onProgress && ((percent) => onProgress("restart", percent)),
          });
        } catch (error) {
          failure ??= { error };
        }
      }
    }
    const after = rm.list();
    const lists = classify(after.processes, this.processes, notInPlan, restartAttempted);
    settleAsks(this.#asks, lists);
    if (failure !== undefined) {
      const stopped = signal?.aborted === true;
      const what = stopped
        ? "interrupted"
        : timedOut
        ? `timed out (${(failure.error as Error).message})`
        : "did not fully succeed";
      throw new ShutdownError<RmProcess>(
        `the release ${what}: ${count(lists.closed.length, "program", "programs")} closed, ` +
          `${lists.restarted.length} restarted, ${lists.stillRunning.length} still running`,
        lists,
        { cause: failure.error, interrupted: stopped, restartAttempted },
      );
    }
    return {
      ...lists,
      restartAttempted,
      kept: lists.stillRunning.filter((process) => keptKeys.has(processKey(process))),
      rebootRequired: after.rebootReasons.length > 0,
      rebootReasons: after.rebootReasons,
      rebootReasonFlags: after.rebootReasonFlags,
      asks: this.#asks,
    };
  }
}
