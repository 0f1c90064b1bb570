/**
 * The errors of destructive actions: {@linkcode TargetChangedError} (the target changed between
 * confirmation and act), {@linkcode ShutdownError} (a Restart Manager shutdown that did not
 * fully succeed, with what is closed now) and {@linkcode ProtectedFolderError} (a release
 * refused because of what it would close). Re-exported by `errors.ts`.
 *
 * @module
 */

import { WinsessionError } from "./_error_base.ts";

/** One difference between what a destructive call was told to expect and what it found. */
export interface TargetChange {
  /** What differs: `"user"`, `"domain"`, `"logonTime"`, `"name"`, `"sessionId"`, `"startTime"`, or `"exists"`. */
  field: string;
  /** The value the caller expected (as shown to whoever confirmed the action). */
  expected: string;
  /** The value found just before acting. */
  actual: string;
}

/**
 * A destructive call was told what its target looked like (`expect`), re-read the target just
 * before acting, and found something else: the session id now belongs to another user, the
 * process id to another program, or the target is gone. Nothing was done.
 *
 * @example
 * ```ts
 * import { TargetChangedError } from "./action_errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new TargetChangedError("session 3", [
 *   { field: "user", expected: "CONTOSO\\bob", actual: "CONTOSO\\carol" },
 * ]);
 * assert.equal(
 *   error.message,
 *   "session 3 changed since it was looked up (user was CONTOSO\\bob, is now CONTOSO\\carol): nothing was done",
 * );
 * ```
 */
export class TargetChangedError extends WinsessionError {
  /** Always `"TargetChangedError"`. */
  override readonly name = "TargetChangedError" as const;
  /** The target, such as `"session 3 on rdsh01"` or `"process 4242"`. */
  readonly target: string;
  /** What changed (at least one entry). */
  readonly changes: readonly TargetChange[];

  /**
   * Makes the error.
   *
   * @param target The target as people name it, such as `"session 3"`.
   * @param changes What differs between the expectation and the re-read target.
   */
  constructor(target: string, changes: readonly TargetChange[]) {
    const what = changes.map((c) => `${c.field} was ${c.expected}, is now ${c.actual}`).join("; ");
    super(`${target} changed since it was looked up (${what}): nothing was done`);
    this.target = target;
    this.changes = changes;
  }
}

/**
 * A Restart Manager shutdown that did not fully succeed (failed, partly failed, was cancelled
 * or interrupted) after `RmShutdown` had begun: it carries what is true afterwards, read back
 * with `RmGetList` (whose `AppStatus` flags "describe the history of actions taken by Restart
 * Manager on the application": Stopped, Restarted, ErrorOnStop; RM_APP_STATUS and RmShutdown's
 * ERROR_FAIL_SHUTDOWN, learn.microsoft.com/windows/win32/api/restartmanager), so no caller is
 * left guessing which programs are now closed. `cause` is what made it fail: a
 * {@linkcode WindowsError} such as `ERROR_FAIL_SHUTDOWN` (351) or `ERROR_CANCELLED` (1223), or
 * the abort reason of the caller's signal.
 *
 * @example
 * ```ts
 * import { ShutdownError } from "./action_errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new ShutdownError("the shutdown was cancelled", {
 *   closed: [{ pid: 4242 }],
 *   restarted: [],
 *   stillRunning: [{ pid: 4343 }],
 * });
 * assert.equal(error.closed.length, 1);
 * assert.equal(error.name, "ShutdownError");
 * ```
 *
 * @typeParam P How a program is described (`RmProcess` for winsession's `releaseFiles`).
 */
export class ShutdownError<P = unknown> extends WinsessionError {
  /** Always `"ShutdownError"`. */
  override readonly name = "ShutdownError" as const;
  /** Programs the Restart Manager closed and that are still closed. */
  readonly closed: readonly P[];
  /** Programs closed and then restarted (`RmRestart`). */
  readonly restarted: readonly P[];
  /** Programs that were never closed (refused, masked by a filter, or not reached). */
  readonly stillRunning: readonly P[];
  /** Whether the caller's signal (Ctrl+C) ended the shutdown. */
  readonly interrupted: boolean;
  /** Whether `RmRestart` was called to bring back what had closed. */
  readonly restartAttempted: boolean;

  /**
   * Makes the error with its one-line message and the three lists.
   *
   * @param message What happened, for people.
   * @param lists The programs by state after the attempt.
   * @param options `cause`, whether the caller interrupted it, whether a restart was tried.
   */
  constructor(
    message: string,
    lists: { closed: readonly P[]; restarted: readonly P[]; stillRunning: readonly P[] },
    options: { cause?: unknown; interrupted?: boolean; restartAttempted?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.closed = lists.closed;
    this.restarted = lists.restarted;
    this.stillRunning = lists.stillRunning;
    this.interrupted = options.interrupted ?? false;
    this.restartAttempted = options.restartAttempted ?? false;
  }
}

/**
 * A destructive action refused because its target is a folder whose release would close far
 * more than anyone means to: a drive or share root, the Users folder, a user's profile folder,
 * a Windows system folder. `releaseFiles`/`ReleasePlan` throw it unless the caller opts in
 * (`allowProtectedFolders`; the CLI's `--allow-protected-folder`).
 *
 * @example
 * ```ts
 * import { ProtectedFolderError } from "./action_errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new ProtectedFolderError("C:\\", "a drive root");
 * assert.equal(error.message, "C:\\ is a drive root");
 * ```
 */
export class ProtectedFolderError extends WinsessionError {
  /** Always `"ProtectedFolderError"`. */
  override readonly name = "ProtectedFolderError" as const;
  /** The folder, as a full path. */
  readonly path: string;
  /** What it is, e.g. `"the profile folder of alice"`. */
  readonly reason: string;

  /**
   * Makes the error for `path`.
   *
   * @param path The folder (shown shortened when very long).
   * @param reason What the folder is.
   */
  constructor(path: string, reason: string) {
    const shown = path.length > 120 ? `${path.slice(0, 60)}…${path.slice(-40)}` : path;
    super(`${shown} is ${reason}`);
    this.path = path;
    this.reason = reason;
  }
}
