/**
 * A process's exact start time (its creation FILETIME, `GetProcessTimes`): the half of
 * `RM_UNIQUE_PROCESS` a bare pid lacks, and the check that a pid was not reused since the
 * Restart Manager listed it (rm/holders.ts). The one reader of it.
 *
 * @module
 */

import { clearLastError, WindowsError } from "../ffi/errors.ts";
import { kernel32 } from "../ffi/load.ts";
import { withProcessHandle } from "./_process_handle.ts";

/** The creation FILETIME on an open process handle, or `null` (GetProcessTimes' last error set). */
export function readStartTime(handle: Deno.PointerValue): bigint | null {
  const creation = new BigUint64Array(1);
  const scratch = new BigUint64Array(3);
  clearLastError();
  const ok = kernel32().GetProcessTimes(
    handle,
    creation,
    scratch.subarray(0, 1),
    scratch.subarray(1, 2),
    scratch.subarray(2, 3),
  );
  return ok === 0 ? null : creation[0]!;
}

/**
 * Reads a process's start time (FILETIME ticks) with OpenProcess + GetProcessTimes; the handle
 * is closed whatever happens. A pid that is not running fails with the code OpenProcess sets.
 */
export function processStartTime(pid: number): bigint {
  return withProcessHandle(pid, (handle) => {
    const started = readStartTime(handle);
    if (started === null) throw WindowsError.fromLastError("GetProcessTimes");
    return started;
  }, () => {
    throw WindowsError.fromLastError("OpenProcess");
  });
}
