/**
 * `RmGetList` with its `ERROR_MORE_DATA` protocol, and its `RM_PROCESS_INFO` rows decoded by
 * ffi/rm_structs.ts (the one decoder of that struct) straight into {@linkcode RmProcess}.
 *
 * @module
 */

import { ERROR_MORE_DATA, ERROR_SUCCESS, WindowsError } from "../ffi/errors.ts";
import { RM_PROCESS_INFO } from "../ffi/layouts.ts";
import { rstrtmgr } from "../ffi/load.ts";
import { decodeProcessInfoRows, type RmProcessInfoBuilder } from "../ffi/rm_structs.ts";
import { LIST_ATTEMPTS } from "./_common.ts";
import {
  appStatusNames,
  appTypeName,
  rebootReasonNames,
  type RmList,
  type RmProcess,
} from "./types.ts";

/** Extra RM_PROCESS_INFO slots offered beyond what is expected: the list may grow. */
const LIST_HEADROOM = 8;
/**
 * The room the first `RmGetList` call of a list offers at least (21 kB): most lists of a few
 * files fit, so they take one call. Exported for the tests.
 */
export const FIRST_CALL_ROOM = 32;
/** `RM_INVALID_TS_SESSION` (-1 as a DWORD). */
const RM_INVALID_TS_SESSION = 0xffffffff;

/** RmGetList's output buffer, reused: decoding copies everything out, and a 1,000-process
 * list is 668 kB that would otherwise be allocated and zeroed on every call. */
let listScratch = new Uint8Array(0);

function listBuffer(slots: number): Uint8Array {
  const bytes = slots * RM_PROCESS_INFO.size;
  if (listScratch.byteLength < bytes) listScratch = new Uint8Array(bytes);
  return listScratch.subarray(0, bytes);
}

/**
 * One RM_PROCESS_INFO as an {@linkcode RmProcess}, built by the one decoder of that struct
 * (ffi/rm_structs.ts) straight from the buffer: one object per row, no second pass (measured
 * in bench/rm_bench.ts: a row object then an RmProcess was 8% of `list()`).
 */
const toRmProcess: RmProcessInfoBuilder<RmProcess> = (
  pid,
  startFileTime,
  startTime,
  appName,
  serviceShortName,
  typeCode,
  statusFlags,
  tsSessionId,
  restartable,
) => ({
  pid,
  startTime,
  startFileTime,
  appName,
  serviceName: serviceShortName === "" ? null : serviceShortName,
  type: appTypeName(typeCode),
  typeCode,
  status: appStatusNames(statusFlags),
  statusFlags,
  sessionId: tsSessionId === RM_INVALID_TS_SESSION ? null : tsSessionId,
  restartable,
});

/**
 * The processes using the resources of the session behind `handle`: one `RmGetList` call with
 * room for what the session listed last time (`expected`) plus headroom, at least
 * {@linkcode FIRST_CALL_ROOM}; only when that is too small (`ERROR_MORE_DATA`, which also says
 * how many are needed) a call with room for that many plus headroom, repeated while the list
 * keeps growing (a bounded number of times); see `RestartManagerSession.list`.
 *
 * Why not a sizing call first (no buffer, then a buffer of the size it reported): that is two
 * calls for every list, and each call makes Windows work out the whole list again. RmGetList
 * fills the buffer when `*pnProcInfo` gives it room for every entry and returns
 * `ERROR_MORE_DATA` only when "the rgAffectedApps buffer is too small to hold all application
 * information in the list" (learn.microsoft.com/windows/win32/api/restartmanager/
 * nf-restartmanager-rmgetlist), so a buffer offered up front makes one call enough; Raymond
 * Chen's sample makes exactly one call with room for 10
 * (devblogs.microsoft.com/oldnewthing/20120217-00/?p=8283). The test double follows the same
 * page (tests/doubles/rstrtmgr.c, RmGetList). Measured with the doubles (bench/rm_bench.ts):
 * a 1,000-process list took two calls of ~70 µs and ~120 µs before, one now. How long a call
 * takes on a real host was not measured here (no Windows): it grows with the processes Windows
 * inspects, which is why a second call is worth saving.
 */
export function getList(handle: number, expected = 0): RmList {
  const rm = rstrtmgr();
  const needed = new Uint32Array(1);
  const count = new Uint32Array(1);
  const reasons = new Uint32Array(1);
  let capacity = Math.max(FIRST_CALL_ROOM, expected + LIST_HEADROOM);
  let code = ERROR_MORE_DATA;
  for (let attempt = 0; code === ERROR_MORE_DATA && attempt < LIST_ATTEMPTS; attempt++) {
    const buffer = listBuffer(capacity);
    count[0] = capacity;
    code = rm.RmGetList(handle, needed, count, buffer, reasons);
    if (code === ERROR_SUCCESS) return decodeList(buffer, count[0]!, reasons[0]!);
    capacity = needed[0]! + LIST_HEADROOM;
  }
  throw WindowsError.fromCode("RmGetList", code);
}

/** What `getList` returns for `count` entries RmGetList filled; exported for bench/rm_bench.ts,
 * which times this decode alone against the C one. */
export function decodeList(buffer: Uint8Array, count: number, reasonFlags: number): RmList {
  return {
    processes: decodeProcessInfoRows(buffer, count, toRmProcess),
    rebootReasons: rebootReasonNames(reasonFlags),
    rebootReasonFlags: reasonFlags,
  };
}
