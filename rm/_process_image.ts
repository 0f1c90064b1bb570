/**
 * A process's executable as a full Win32 path (`QueryFullProcessImageNameW`), the form
 * `RmAddFilter`'s `strModuleName` needs, which `RmGetList` does not give.
 *
 * @module
 */

import { clearLastError } from "../ffi/errors.ts";
import { kernel32 } from "../ffi/load.ts";
import { decodeWide } from "../ffi/utf16.ts";

/** `PROCESS_QUERY_LIMITED_INFORMATION`: enough for QueryFullProcessImageNameW. */
const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;
/** The longest Win32 path, in UTF-16 code units, with its NUL. */
const MAX_PATH_UNITS = 32_768;

/**
 * The full path of `pid`'s executable, or `null` when it cannot be read (the process is gone,
 * or access is denied: without elevation, other users' and protected processes). The process
 * handle is closed whatever happens.
 */
export function processImagePath(pid: number): string | null {
  const k32 = kernel32();
  clearLastError();
  const handle = k32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
  if (handle === null) return null;
  try {
    const name = new Uint8Array(MAX_PATH_UNITS * 2);
    const size = new Uint32Array([MAX_PATH_UNITS]);
    // dwFlags 0: the Win32 form ("C:\..."), not the native "\Device\HarddiskVolume1\...".
    if (!k32.QueryFullProcessImageNameW(handle, 0, name, new Uint8Array(size.buffer))) {
      return null;
    }
    return decodeWide(name, 0, size[0]!);
  } finally {
    k32.CloseHandle(handle);
  }
}
