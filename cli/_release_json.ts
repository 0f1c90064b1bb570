/**
 * The documented, stable `release --json` document: its shapes (the plan, then the outcome)
 * and the functions that fill them from the library's plan, outcome and errors.
 *
 * @module
 */

import {
  type LockTarget,
  protectedFolderReason,
  type ReleaseOutcome,
  type RmProcess,
  ShutdownTimeoutError,
  WindowsError,
  type WindowsErrorJson,
} from "../mod.ts";
import type { OwnerAskJson } from "./_release_ask.ts";
import { type LockingProcessJson, toLockingProcessJson } from "./_rm_common.ts";

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

/** The four lists of a release outcome, as the library and a `ShutdownError` give them. */
export type ReleaseLists = Pick<
  ReleaseOutcome,
  "closed" | "restarted" | "stillRunning" | "notInPlan"
>;

/**
 * The `outcome` of `release --json`: the lists read back after acting, and the failure (a
 * {@linkcode WindowsError} keeps its code and name; `null` when the release succeeded).
 */
export function outcomeJson(
  lists: ReleaseLists & { kept?: readonly RmProcess[] },
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

/** The `targets` of `release --json`: each given path, what it expanded to, whether protected. */
export function targetsJson(targets: readonly LockTarget[]): ReleaseTargetJson[] {
  return targets.map((target) => ({
    path: target.path,
    fullPath: target.fullPath,
    directory: target.directory,
    fileCount: target.fileCount,
    protected: target.directory ? protectedFolderReason(target.fullPath) : null,
  }));
}
