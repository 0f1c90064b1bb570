/**
 * "Tell me when nothing holds these files": {@linkcode waitUntilFree} registers the files with
 * ONE Restart Manager session and asks `RmGetList` again every interval until nothing holds them
 * or the deadline passes. One session for the whole wait: a session counts against the per-user
 * limit of 64 (`ERROR_MAX_SESSIONS_REACHED`), and registering 10,000 files once instead of every
 * second is the difference between a cheap poll and a busy one.
 *
 * @example Wait up to a minute for an installer's files
 * ```ts ignore
 * import { waitUntilFree } from "./wait.ts";
 *
 * const result = await waitUntilFree(["C:\\app"], { recursive: true, timeoutMs: 60_000 });
 * if (!result.free) console.log("still held by", result.holders.map((p) => p.appName));
 * ```
 *
 * @module
 */

import { DEFAULT_BATCH_SIZE, registerExpandedInBatches } from "./batches.ts";
import { expandTargets, type LockTargetOptions } from "./locks.ts";
import { RestartManagerSession, type RmProcess, type RmRebootReason } from "./session.ts";
import { uniqueProcesses } from "./_unique_process.ts";

/** How often `RmGetList` is asked again unless told otherwise. */
export const DEFAULT_WAIT_INTERVAL_MS = 500;

/** Options of {@linkcode waitUntilFree}. */
export interface WaitUntilFreeOptions extends LockTargetOptions {
  /**
   * How long to wait, in milliseconds: at least one check is always made, so 0 means "check
   * once". Default: no deadline (wait until free, or until `signal` aborts).
   */
  timeoutMs?: number;
  /** Milliseconds between two checks (default {@linkcode DEFAULT_WAIT_INTERVAL_MS}). */
  intervalMs?: number;
  /** Aborting ends the wait: the session is ended and the promise rejects with the reason. */
  signal?: AbortSignal;
  /** Files per `RmRegisterResources` call (default 1,000). */
  batchSize?: number;
  /** Called after every check with what holds the files then (for a progress line). */
  onCheck?: (check: { holders: readonly RmProcess[]; checks: number; waitedMs: number }) => void;
}

/** What {@linkcode waitUntilFree} resolves with when nothing holds the files any more. */
export interface WaitFree {
  /** Nothing holds the files. */
  free: true;
  /** How many files were checked (folders expanded); always at least 1. */
  fileCount: number;
  /** Milliseconds from the first check to the one that found the files free. */
  waitedMs: number;
  /** How many times `RmGetList` was asked. */
  checks: number;
}

/** What {@linkcode waitUntilFree} resolves with at the deadline (or with no file to check). */
export interface WaitHeld {
  /** Something still holds the files, or (with `fileCount` 0) nothing could be checked. */
  free: false;
  /** How many files were checked; 0 when the folders hold no file (nothing was checked). */
  fileCount: number;
  /** Milliseconds waited. */
  waitedMs: number;
  /** How many times `RmGetList` was asked (0 when there was no file). */
  checks: number;
  /** Who held the files at the last check, each once (by pid and start time). */
  holders: RmProcess[];
  /** Reboot reasons at the last check, by name. */
  rebootReasons: RmRebootReason[];
}

/** The result of {@linkcode waitUntilFree}. */
export type WaitResult = WaitFree | WaitHeld;

function checkedMs(value: number | undefined, what: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${what} must be a number of milliseconds ≥ 0, got ${value}`);
  }
  return value;
}

/** Resolves after `ms`, or rejects with `signal.reason` as soon as it aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Waits until nothing holds `paths` (files, or folders with `recursive`), checking with one
 * Restart Manager session every `intervalMs` until `timeoutMs` has passed.
 *
 * Reaching the deadline is a result, not an error: `{ free: false, holders }`, because a
 * script waiting for files wants to know who still holds them, and the wait itself did not
 * fail. Errors are for failures: a bad path, a Restart Manager error, an abort.
 *
 * A folder that expands to no file resolves at once with `{ free: false, fileCount: 0 }`:
 * nothing was checked, so nothing can be promised free.
 *
 * The folder is expanded once, at the start: a file created during the wait is not watched.
 *
 * @example Wait for a log file, giving up after 30 seconds or on Ctrl+C
 * ```ts ignore
 * import { waitUntilFree } from "./wait.ts";
 *
 * const stop = new AbortController();
 * Deno.addSignalListener("SIGINT", () => stop.abort());
 * const result = await waitUntilFree(["C:\\app\\app.log"], {
 *   timeoutMs: 30_000,
 *   signal: stop.signal,
 * });
 * console.log(result.free ? `free after ${result.waitedMs} ms` : result.holders);
 * ```
 *
 * @param paths Files and folders, absolute or relative to `options.cwd`.
 * @param options Deadline, interval, abort signal, recursion.
 * @returns Free, or who still holds the files at the deadline.
 * @throws {TypeError} No paths, a NUL in a path, a directory without `recursive`.
 * @throws {RangeError} A negative or non-numeric timeout or interval.
 * @throws {Deno.errors.NotFound} A path that does not exist.
 * @throws {WindowsError} A Restart Manager failure.
 * @throws `signal.reason` when `signal` aborted the wait (the session is ended first).
 */
export async function waitUntilFree(
  paths: readonly string[],
  options: WaitUntilFreeOptions = {},
): Promise<WaitResult> {
  const timeoutMs = checkedMs(options.timeoutMs, "timeoutMs", Infinity);
  const intervalMs = checkedMs(options.intervalMs, "intervalMs", DEFAULT_WAIT_INTERVAL_MS);
  const { signal, onCheck } = options;
  signal?.throwIfAborted();
  const { files } = await expandTargets(paths, options);
  if (files.length === 0) {
    return { free: false, fileCount: 0, waitedMs: 0, checks: 0, holders: [], rebootReasons: [] };
  }
  using session = RestartManagerSession.start();
  registerExpandedInBatches(session, files, options.batchSize ?? DEFAULT_BATCH_SIZE);
  const started = performance.now();
  for (let checks = 1;; checks++) {
    signal?.throwIfAborted();
    const list = session.list();
    const waitedMs = Math.round(performance.now() - started);
    const holders = uniqueProcesses(list.processes);
    onCheck?.({ holders, checks, waitedMs });
    if (holders.length === 0) return { free: true, fileCount: files.length, waitedMs, checks };
    const left = timeoutMs - (performance.now() - started);
    if (left <= 0) {
      return {
        free: false,
        fileCount: files.length,
        waitedMs,
        checks,
        holders,
        rebootReasons: list.rebootReasons,
      };
    }
    await pause(Math.min(intervalMs, left), signal);
  }
}
