/**
 * `RmGetList` with its `ERROR_MORE_DATA` protocol, and its `RM_PROCESS_INFO` rows decoded by
 * ffi/rm_structs.ts (the one decoder of that struct) straight into {@linkcode RmProcess}.
 *
 * @module
 */

import { ERROR_MORE_DATA, ERROR_SUCCESS } from "../ffi/errors.ts";
import { RM_PROCESS_INFO } from "../ffi/layouts.ts";
import { rstrtmgr } from "../ffi/load.ts";
import { decodeProcessInfoRows, type RmProcessInfoBuilder } from "../ffi/rm_structs.ts";
import { check, LIST_ATTEMPTS } from "./_common.ts";
import {
  appStatusNames,
  appTypeName,
  rebootReasonNames,
  type RmList,
  type RmProcess,
} from "./types.ts";

/** Extra RM_PROCESS_INFO slots allocated beyond what RmGetList said it needs: the list grows. */
const LIST_HEADROOM = 8;
/** `RM_INVALID_TS_SESSION` (-1 as a DWORD). */
const RM_INVALID_TS_SESSION = 0xffffffff;

/** RmGetList's output buffer, reused: decoding copies everything out, and a 1,000-process
 * list is 668 kB that would otherwise be allocated and zeroed on every call. */
let listScratch = new Uint8Array(0);

function listBuffer(bytes: number): Uint8Array {
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
 * The processes using the resources of the session behind `handle`: ask how many, allocate
 * that many plus headroom, and ask again while the list keeps growing (a bounded number of
 * times); see `RestartManagerSession.list`.
 */
export function getList(handle: number): RmList {
  const rm = rstrtmgr();
  const needed = new Uint32Array(1);
  const count = new Uint32Array(1);
  const reasons = new Uint32Array(1);
  let code = rm.RmGetList(handle, needed, count, null, reasons);
  for (let attempt = 0; code === ERROR_MORE_DATA && attempt < LIST_ATTEMPTS; attempt++) {
    const capacity = needed[0]! + LIST_HEADROOM;
    const buffer = listBuffer(capacity * RM_PROCESS_INFO.size);
    count[0] = capacity;
    code = rm.RmGetList(handle, needed, count, buffer, reasons);
    if (code === ERROR_SUCCESS) return decodeList(buffer, count[0]!, reasons[0]!);
  }
  check("RmGetList", code);
  return decodeList(new Uint8Array(0), 0, reasons[0]!);
}

function decodeList(buffer: Uint8Array, count: number, reasonFlags: number): RmList {
  return {
    processes: decodeProcessInfoRows(buffer, count, toRmProcess),
    rebootReasons: rebootReasonNames(reasonFlags),
    rebootReasonFlags: reasonFlags,
  };
}
