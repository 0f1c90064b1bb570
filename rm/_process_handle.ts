/**
 * One way to look at a running process: open it with `PROCESS_QUERY_LIMITED_INFORMATION` (the
 * right Windows grants most often, even for protected processes; enough for its image name,
 * times and token), read, and close the handle in `finally` whatever the reading does.
 *
 * @module
 */

import { clearLastError } from "../ffi/errors.ts";
import { kernel32 } from "../ffi/load.ts";

/** `PROCESS_QUERY_LIMITED_INFORMATION`. */
const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;

/**
 * Opens `pid`, gives the handle to `read` and closes it afterwards; when OpenProcess refuses
 * (gone, or access denied) returns `refused()` instead, with OpenProcess's last error still set.
 */
export function withProcessHandle<T>(
  pid: number,
  read: (handle: NonNullable<Deno.PointerValue>) => T,
  refused: () => T,
): T {
  const k32 = kernel32();
  clearLastError();
  const handle = k32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
  if (handle === null) return refused();
  try {
    return read(handle);
  } finally {
    k32.CloseHandle(handle);
  }
}
