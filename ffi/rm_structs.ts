/**
 * Encoders and decoders for the Restart Manager's structs, from the layouts in `layouts.ts`.
 *
 * Every Restart Manager buffer is allocated by the caller (us), so these work on `Uint8Array`s:
 * `RM_UNIQUE_PROCESS[]` going in to `RmRegisterResources`, `RM_PROCESS_INFO[]` coming back from
 * `RmGetList`, and the packed `RM_FILTER_INFO` records `RmGetFilterList` writes.
 *
 * @module
 */

import {
  RM_FILTER_INFO,
  RM_PROCESS_INFO,
  RM_UNIQUE_PROCESS,
  WCHAR_ARRAY_LENGTHS,
} from "./layouts.ts";
import { fileTimeDwordsToDate, readFileTime } from "./filetime.ts";
import { decodeWide, decodeWideUnits, readWide } from "./utf16.ts";

/** `RM_FILTER_TRIGGER`: what a filter applies to. */
export const RmFilterTrigger = {
  /** `RmFilterTriggerInvalid`. */
  Invalid: 0,
  /** `RmFilterTriggerFile`: a module path. */
  File: 1,
  /** `RmFilterTriggerProcess`: an `RM_UNIQUE_PROCESS`. */
  Process: 2,
  /** `RmFilterTriggerService`: a service short name. */
  Service: 3,
} as const;

/** A process as the Restart Manager identifies it: pid plus start time, since pids are reused. */
export interface UniqueProcess {
  /** `dwProcessId`. */
  pid: number;
  /** `ProcessStartTime` as a FILETIME (100 ns since 1601-01-01 UTC). */
  startTime: bigint;
}

/** One `RM_PROCESS_INFO` from `RmGetList`. */
export interface RmProcessInfoRow {
  /** `Process.dwProcessId`. */
  processId: number;
  /** `Process.ProcessStartTime` as a FILETIME. */
  processStartTime: bigint;
  /** `Process.ProcessStartTime` as a `Date` (millisecond precision), `null` for 0. */
  processStartDate: Date | null;
  /** `strAppName`: the display name of the application or service. */
  appName: string;
  /** `strServiceShortName` ("" for a process that is not a service). */
  serviceShortName: string;
  /** `ApplicationType`: an `RM_APP_TYPE` value. */
  applicationType: number;
  /** `AppStatus`: `RM_APP_STATUS` flags. */
  appStatus: number;
  /** `TSSessionId`: the Remote Desktop session the process runs in. */
  tsSessionId: number;
  /** `bRestartable`: whether the Restart Manager can restart it. */
  restartable: boolean;
}

/** One record from `RmGetFilterList`; which optional field is set depends on `trigger`. */
export interface RmFilterRow {
  /** `FilterAction`: an `RM_FILTER_ACTION` value. */
  action: number;
  /** `FilterTrigger`: an {@linkcode RmFilterTrigger} value. */
  trigger: number;
  /** `strFilename`, for `RmFilterTriggerFile`. */
  fileName?: string;
  /** `Process`, for `RmFilterTriggerProcess`. */
  process?: UniqueProcess;
  /** `strServiceShortName`, for `RmFilterTriggerService`. */
  serviceShortName?: string;
}

const MAX_DWORD = 0xffff_ffff;
const MAX_QWORD = 0xffff_ffff_ffff_ffffn;

/**
 * Encodes an `RM_UNIQUE_PROCESS[]` for `RmRegisterResources`' `rgApplications`.
 *
 * @example
 * ```ts
 * import { encodeUniqueProcesses } from "./rm_structs.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeUniqueProcesses([{ pid: 4242, startTime: 133_000_000_000_000_000n }]);
 * assert.equal(bytes.byteLength, 12);
 * ```
 *
 * @param list The processes.
 * @returns The array's bytes.
 * @throws {RangeError} If a pid is not a DWORD or a start time not an unsigned 64-bit value.
 */
export function encodeUniqueProcesses(list: readonly UniqueProcess[]): Uint8Array<ArrayBuffer> {
  const { size, offsets } = RM_UNIQUE_PROCESS;
  const bytes = new Uint8Array(list.length * size);
  const view = new DataView(bytes.buffer);
  list.forEach(({ pid, startTime }, i) => {
    if (!Number.isInteger(pid) || pid < 0 || pid > MAX_DWORD) {
      throw new RangeError(`Process id ${pid} is not a DWORD`);
    }
    if (startTime < 0n || startTime > MAX_QWORD) {
      throw new RangeError(`Process start time ${startTime} is not a FILETIME`);
    }
    const base = i * size;
    view.setUint32(base + offsets.dwProcessId, pid, true);
    // FILETIME is two DWORDs (low, high), only 4-aligned inside RM_UNIQUE_PROCESS.
    view.setUint32(base + offsets.ProcessStartTime, Number(startTime & 0xffff_ffffn), true);
    view.setUint32(base + offsets.ProcessStartTime + 4, Number(startTime >> 32n), true);
  });
  return bytes;
}

function uniqueProcessAt(view: DataView, byteOffset: number): UniqueProcess {
  const { offsets } = RM_UNIQUE_PROCESS;
  return {
    pid: view.getUint32(byteOffset + offsets.dwProcessId, true),
    startTime: readFileTime(view, byteOffset + offsets.ProcessStartTime),
  };
}

/**
 * Builds one row from the fields of one `RM_PROCESS_INFO`, in struct order: how
 * {@linkcode decodeProcessInfoRows} lets a caller (rm/_list.ts) make its own row type straight
 * from the buffer, one object per row, with no intermediate row and no second pass.
 */
export type RmProcessInfoBuilder<T> = (
  processId: number,
  processStartTime: bigint,
  processStartDate: Date | null,
  appName: string,
  serviceShortName: string,
  applicationType: number,
  appStatus: number,
  tsSessionId: number,
  restartable: boolean,
) => T;

/**
 * Decodes the `RM_PROCESS_INFO[]` that `RmGetList` filled in, one `build` call per entry.
 *
 * @example
 * ```ts
 * import { decodeProcessInfoRows } from "./rm_structs.ts";
 * import { RM_PROCESS_INFO } from "./layouts.ts";
 * import assert from "node:assert/strict";
 *
 * const pids = decodeProcessInfoRows(new Uint8Array(2 * RM_PROCESS_INFO.size), 2, (pid) => pid);
 * assert.deepEqual(pids, [0, 0]);
 * ```
 *
 * @param bytes The buffer passed as `rgAffectedApps`.
 * @param count How many entries `RmGetList` filled (`*pnProcInfo`).
 * @param build Makes the row from one entry's fields.
 * @returns One row per entry.
 * @throws {RangeError} If `bytes` is shorter than `count` entries.
 */
export function decodeProcessInfoRows<T>(
  bytes: Uint8Array,
  count: number,
  build: RmProcessInfoBuilder<T>,
): T[] {
  const { size, offsets } = RM_PROCESS_INFO;
  if (bytes.byteLength < count * size) {
    throw new RangeError(
      `${count} RM_PROCESS_INFO need ${count * size} bytes, got ${bytes.byteLength}`,
    );
  }
  if (count === 0) return [];
  // ONE DataView and ONE Uint16Array over the whole array: no view per row or per string.
  // RM_PROCESS_INFO is 668 bytes and its WCHAR arrays sit at even offsets, so every string is
  // 2-aligned whenever the buffer is; a buffer at an odd address is copied once to align it.
  const source = (bytes.byteOffset & 1) === 0 ? bytes : bytes.slice(0, count * size);
  const view = new DataView(source.buffer, source.byteOffset, count * size);
  const units = new Uint16Array(source.buffer, source.byteOffset, (count * size) >>> 1);
  const { Process, strAppName, strServiceShortName } = offsets;
  const pidAt = Process + RM_UNIQUE_PROCESS.offsets.dwProcessId;
  const startAt = Process + RM_UNIQUE_PROCESS.offsets.ProcessStartTime;
  const { RM_APP_NAME, RM_SERVICE_NAME } = WCHAR_ARRAY_LENGTHS;
  const rows: T[] = new Array(count);
  for (let i = 0, base = 0; i < count; i++, base += size) {
    const service = (base + strServiceShortName) >>> 1;
    const start = base + startAt;
    rows[i] = build(
      view.getUint32(base + pidAt, true),
      readFileTime(view, start),
      // The Date from the FILETIME's two DWORDs with plain numbers (no BigInt division).
      fileTimeDwordsToDate(view.getUint32(start, true), view.getUint32(start + 4, true)),
      decodeWideUnits(units, (base + strAppName) >>> 1, RM_APP_NAME),
      // Most processes are not services: skip the call for an empty name.
      units[service] === 0 ? "" : decodeWideUnits(units, service, RM_SERVICE_NAME),
      view.getUint32(base + offsets.ApplicationType, true),
      view.getUint32(base + offsets.AppStatus, true),
      view.getUint32(base + offsets.TSSessionId, true),
      view.getInt32(base + offsets.bRestartable, true) !== 0,
    );
  }
  return rows;
}

const rawRow: RmProcessInfoBuilder<RmProcessInfoRow> = (
  processId,
  processStartTime,
  processStartDate,
  appName,
  serviceShortName,
  applicationType,
  appStatus,
  tsSessionId,
  restartable,
) => ({
  processId,
  processStartTime,
  processStartDate,
  appName,
  serviceShortName,
  applicationType,
  appStatus,
  tsSessionId,
  restartable,
});

/**
 * Decodes the `RM_PROCESS_INFO[]` that `RmGetList` filled in, field by field as the struct
 * names them ({@linkcode decodeProcessInfoRows} with a plain row).
 *
 * @example
 * ```ts
 * import { decodeProcessInfo } from "./rm_structs.ts";
 * import { RM_PROCESS_INFO } from "./layouts.ts";
 * import assert from "node:assert/strict";
 *
 * const rows = decodeProcessInfo(new Uint8Array(2 * RM_PROCESS_INFO.size), 2);
 * assert.equal(rows.length, 2);
 * ```
 *
 * @param bytes The buffer passed as `rgAffectedApps`.
 * @param count How many entries `RmGetList` filled (`*pnProcInfo`).
 * @returns One object per entry.
 * @throws {RangeError} If `bytes` is shorter than `count` entries.
 */
export function decodeProcessInfo(bytes: Uint8Array, count: number): RmProcessInfoRow[] {
  return decodeProcessInfoRows(bytes, count, rawRow);
}

/**
 * Decodes the packed `RM_FILTER_INFO` records `RmGetFilterList` wrote into `buffer`, following
 * each record's `cbNextOffset` (the byte distance from that record to the next; 0 ends the
 * list). The records' string pointers point into `buffer` itself, so strings are decoded from
 * it, bounded by `usedBytes`; a pointer outside it is read as a native string instead.
 *
 * @example
 * ```ts
 * import { decodeFilterList } from "./rm_structs.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(decodeFilterList(new Uint8Array(64), 0), []);
 * ```
 *
 * @param buffer The buffer passed as `pbFilterBuf`.
 * @param usedBytes The size `RmGetFilterList` reported (`*cbFilterBufNeeded`).
 * @returns One object per filter.
 * @throws {RangeError} If the records run past `usedBytes` or the offsets do not advance.
 */
export function decodeFilterList(buffer: Uint8Array, usedBytes: number): RmFilterRow[] {
  const { size, offsets } = RM_FILTER_INFO;
  if (usedBytes > buffer.byteLength) {
    throw new RangeError(`Filter list of ${usedBytes} bytes in a ${buffer.byteLength}-byte buffer`);
  }
  const rows: RmFilterRow[] = [];
  if (usedBytes === 0) return rows;
  const view = new DataView(buffer.buffer, buffer.byteOffset, usedBytes);
  const base = Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer));
  const stringAt = (byteOffset: number): string => {
    const address = view.getBigUint64(byteOffset, true);
    if (address === 0n) return "";
    const inside = address - base;
    if (inside >= 0n && inside < BigInt(usedBytes)) {
      return decodeWide(buffer.subarray(0, usedBytes), Number(inside));
    }
    return readWide(Deno.UnsafePointer.create(address));
  };
  for (let record = 0;;) {
    if (record + size > usedBytes) {
      throw new RangeError(`RM_FILTER_INFO at byte ${record} runs past ${usedBytes} bytes`);
    }
    const action = view.getUint32(record + offsets.FilterAction, true);
    const trigger = view.getUint32(record + offsets.FilterTrigger, true);
    const row: RmFilterRow = { action, trigger };
    if (trigger === RmFilterTrigger.File) row.fileName = stringAt(record + offsets.strFilename);
    else if (trigger === RmFilterTrigger.Process) {
      row.process = uniqueProcessAt(view, record + offsets.Process);
    } else if (trigger === RmFilterTrigger.Service) {
      row.serviceShortName = stringAt(record + offsets.strServiceShortName);
    }
    rows.push(row);
    const next = view.getUint32(record + offsets.cbNextOffset, true);
    if (next === 0) return rows;
    if (next < size) {
      throw new RangeError(`RM_FILTER_INFO at byte ${record} has cbNextOffset ${next}`);
    }
    record += next;
  }
}
