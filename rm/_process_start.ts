/**
 * A process's exact start time, the half of `RM_UNIQUE_PROCESS` a bare pid lacks.
 *
 * @module
 */

import { clearLastError, WindowsError } from "../ffi/errors.ts";
import { kernel32 } from "../ffi/load.ts";

/** `PROCESS_QUERY_LIMITED_INFORMATION`: enough for GetProcessTimes, granted more often. */
const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;

/**
 * Reads a process's start time (FILETIME ticks) with OpenProcess + GetProcessTimes; the handle
 * is closed whatever happens. A pid that is not running fails with the code OpenProcess sets.
 */
export function processStartTime(pid: number): bigint {
  const k32 = kernel32();
  clearLastError();
  const handle = k32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
  if (handle === null) throw WindowsError.fromLastError("OpenProcess");
  try {
    const creation = new BigUint64Array(1);
    const scratch = new BigUint64Array(3);
    clearLastError();
    const ok = k32.GetProcessTimes(
      handle,
      creation,
      scratch.subarray(0, 1),
      scratch.subarray(1, 2),
      scratch.subarray(2, 3),
    );
    if (!ok) throw WindowsError.fromLastError("GetProcessTimes");
    return creation[0]!;
  } finally {
    k32.CloseHandle(handle);
  }
}
