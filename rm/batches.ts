/**
 * Files registered with a Restart Manager session in batches (one `RmRegisterResources` call
 * per batch keeps each call's array small), and the bisection that tells which of the files
 * each process holds, one short session per half (see `findLockingProcesses` in `locks.ts`).
 *
 * @module
 */

import { RestartManagerSession, type RmList } from "./session.ts";
import { registerExpandedFiles } from "./_register.ts";
import { processKey } from "./_unique_process.ts";

/** Files registered per `RmRegisterResources` call unless told otherwise. */
export const DEFAULT_BATCH_SIZE = 1000;

/** Throws a `RangeError` unless `batchSize` is a whole number ≥ 1. */
export function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a whole number ≥ 1, got ${batchSize}`);
  }
}

/**
 * Registers `files` with `session` in batches of `batchSize` per `RmRegisterResources` call.
 *
 * @example
 * ```ts ignore
 * import { registerFilesInBatches } from "./batches.ts";
 * import { RestartManagerSession } from "./session.ts";
 *
 * using rm = RestartManagerSession.start();
 * registerFilesInBatches(rm, ["C:\\a.dll", "C:\\b.dll"], 1000);
 * ```
 *
 * @param session An open session.
 * @param files Full paths.
 * @param batchSize Files per call (at least 1).
 * @throws {RangeError} When `batchSize` is not a positive integer.
 */
export function registerFilesInBatches(
  session: RestartManagerSession,
  files: readonly string[],
  batchSize: number = DEFAULT_BATCH_SIZE,
): void {
  checkBatchSize(batchSize);
  for (let start = 0; start < files.length; start += batchSize) {
    session.registerFiles(files.slice(start, start + batchSize));
  }
}

/**
 * {@linkcode registerFilesInBatches} for the files `expandTargets` (locks.ts) produced: full,
 * normalised and length-checked already, so each is registered as it is, not resolved again
 * (see `registerExpandedFiles`).
 */
export function registerExpandedInBatches(
  session: RestartManagerSession,
  files: readonly string[],
  batchSize: number,
): void {
  checkBatchSize(batchSize);
  for (let start = 0; start < files.length; start += batchSize) {
    registerExpandedFiles(session.handle, files.slice(start, start + batchSize));
  }
}

/**
 * Starts a session with `files` (from `expandTargets`) registered in batches, lists what holds
 * them and ends it. Always ends the session, even when registering or listing throws.
 */
export function listFor(files: readonly string[], batchSize: number): RmList {
  using session = RestartManagerSession.start();
  registerExpandedInBatches(session, files, batchSize);
  return session.list();
}

/**
 * Attributes files to processes by splitting `files` in halves, each checked in its own
 * session, until single files remain; `known` is the list for `files` as a whole.
 */
export function bisect(
  files: readonly string[],
  known: RmList,
  batchSize: number,
  held: Map<string, string[]>,
): void {
  if (known.processes.length === 0) return;
  if (files.length === 1) {
    for (const process of known.processes) {
      const key = processKey(process);
      const list = held.get(key);
      if (list) list.push(files[0]!);
      else held.set(key, [files[0]!]);
    }
    return;
  }
  const middle = Math.ceil(files.length / 2);
  for (const half of [files.slice(0, middle), files.slice(middle)]) {
    bisect(half, listFor(half, batchSize), batchSize, held);
  }
}
