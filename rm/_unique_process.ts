/**
 * A process as the Restart Manager identifies it (`RM_UNIQUE_PROCESS`: pid AND start time, so a
 * reused pid is another process): the one key the rm/ modules compare processes by, the one
 * de-duplication, and the one `RM_UNIQUE_PROCESS` built from a listed process for a filter.
 *
 * @module
 */

import type { RmProcess } from "./types.ts";

/** "4242:133000000000000000": pid and start FILETIME, equal only for the same process. */
export function processKey(process: RmProcess): string {
  return `${process.pid}:${process.startFileTime}`;
}

/** `processes` with each process once (by {@linkcode processKey}), the first kept, in order. */
export function uniqueProcesses<T extends RmProcess>(processes: readonly T[]): T[] {
  const seen = new Set<string>();
  return processes.filter((process) => {
    const key = processKey(process);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The `RM_UNIQUE_PROCESS` of a listed process, the target of a process filter. */
export function uniqueProcessOf(process: RmProcess): { pid: number; startTime: bigint } {
  return { pid: process.pid, startTime: process.startFileTime };
}
