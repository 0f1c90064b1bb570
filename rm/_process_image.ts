/**
 * A process's executable as a full Win32 path (`QueryFullProcessImageNameW`): the form
 * `RmAddFilter`'s `strModuleName` needs for `--exclude` (which `RmGetList` does not give), and
 * the EXE column of `locks`/`release` (rm/holders.ts). The one reader of it.
 *
 * @module
 */

import { clearLastError } from "../ffi/errors.ts";
import { kernel32 } from "../ffi/load.ts";
import { decodeWide } from "../ffi/utf16.ts";
import { withProcessHandle } from "./_process_handle.ts";

/** Units of the first buffer: MAX_PATH covers nearly every install folder. */
const FIRST_IMAGE_UNITS = 260;
/** The longest Win32 path (extended-length), in UTF-16 code units with its NUL: the one retry. */
const MAX_IMAGE_UNITS = 32_768;
const ERROR_INSUFFICIENT_BUFFER = 122;

/**
 * The image path on an open process handle, or `null` when Windows refuses. The page
 * (learn.microsoft.com/windows/win32/api/winbase/nf-winbase-queryfullprocessimagenamew) gives
 * lpdwSize only as "the size of the lpExeName buffer, in characters" and "on success … the number
 * of characters written … not including the null-terminating character": it promises no needed
 * size on failure, so a path longer than MAX_PATH is asked once more with the longest size. That
 * the short-buffer failure is ERROR_INSUFFICIENT_BUFFER (as tests/doubles/kernel32.c answers) is
 * not documented there; any other error is a refusal.
 */
export function readImagePath(handle: Deno.PointerValue): string | null {
  const k32 = kernel32();
  for (const units of [FIRST_IMAGE_UNITS, MAX_IMAGE_UNITS]) {
    const name = new Uint8Array(units * 2);
    const size = new Uint32Array([units]);
    clearLastError();
    // dwFlags 0: the Win32 form ("C:\..."), not the native "\Device\HarddiskVolume1\...".
    if (k32.QueryFullProcessImageNameW(handle, 0, name, new Uint8Array(size.buffer)) !== 0) {
      return decodeWide(name, 0, size[0]!);
    }
    if (k32.GetLastError() !== ERROR_INSUFFICIENT_BUFFER) return null;
  }
  return null;
}

/**
 * The full path of `pid`'s executable, or `null` when it cannot be read (the process is gone,
 * or access is denied: without elevation, other users' and protected processes). The process
 * handle is closed whatever happens.
 */
export function processImagePath(pid: number): string | null {
  return withProcessHandle(pid, readImagePath, () => null);
}
