/**
 * Restart Manager filters (`RmAddFilter`, `RmRemoveFilter`, `RmGetFilterList`): keep a module
 * file, a process or a service from being shut down or restarted. The types are public;
 * `RestartManagerSession`'s filter methods call the functions here with their handle.
 *
 * @example
 * ```ts ignore
 * import { RestartManagerSession } from "./session.ts";
 *
 * using rm = RestartManagerSession.start();
 * rm.addFilter({ service: "Spooler", action: "noShutdown" });
 * ```
 *
 * @module
 */

import { ERROR_INSUFFICIENT_BUFFER, ERROR_MORE_DATA, ERROR_SUCCESS } from "../ffi/errors.ts";
import { rstrtmgr } from "../ffi/load.ts";
import {
  decodeFilterList,
  encodeUniqueProcesses,
  type RmFilterRow,
  RmFilterTrigger,
} from "../ffi/rm_structs.ts";
import { encodeWide } from "../ffi/utf16.ts";
import { check, LIST_ATTEMPTS, toFileTime } from "./_common.ts";
import type { RmUniqueProcess } from "./types.ts";

/** What a filter does: keep the Restart Manager from restarting, or from shutting down. */
export type RmFilterAction = "noRestart" | "noShutdown";

/** What a filter applies to: exactly one of a module file, a process or a service. */
export type RmFilterTarget =
  | { file: string; process?: undefined; service?: undefined }
  | { process: RmUniqueProcess; file?: undefined; service?: undefined }
  | { service: string; file?: undefined; process?: undefined };

/** A filter, as `RestartManagerSession.addFilter` takes it and `filters()` returns it. */
export type RmFilter = RmFilterTarget & { action: RmFilterAction };

const FILTER_ACTIONS: Readonly<Record<RmFilterAction, number>> = { noRestart: 1, noShutdown: 2 };

function toFilter(record: RmFilterRow): RmFilter {
  const action: RmFilterAction = record.action === 2 ? "noShutdown" : "noRestart";
  if (record.trigger === RmFilterTrigger.Process && record.process) {
    return { action, process: { pid: record.process.pid, startTime: record.process.startTime } };
  }
  if (record.trigger === RmFilterTrigger.Service) {
    return { action, service: record.serviceShortName ?? "" };
  }
  return { action, file: record.fileName ?? "" };
}

function filterArguments(target: RmFilterTarget): {
  file: Uint8Array | null;
  process: Uint8Array | null;
  service: Uint8Array | null;
} {
  const given = [target.file, target.process, target.service].filter((v) => v !== undefined);
  if (given.length !== 1) {
    throw new TypeError("a filter names exactly one of file, process or service");
  }
  if (target.file !== undefined) {
    return { file: encodeWide(target.file, "file"), process: null, service: null };
  }
  if (target.service !== undefined) {
    return { file: null, process: null, service: encodeWide(target.service, "service name") };
  }
  const process = target.process!;
  return {
    file: null,
    process: encodeUniqueProcesses([{
      pid: process.pid,
      startTime: toFileTime(process.startTime),
    }]),
    service: null,
  };
}

/** `RmAddFilter` for the session behind `handle`; see `RestartManagerSession.addFilter`. */
export function addFilter(handle: number, filter: RmFilter): void {
  const action = FILTER_ACTIONS[filter.action];
  if (action === undefined) {
    throw new TypeError(
      `a filter action is "noRestart" or "noShutdown", got ${JSON.stringify(filter.action)}`,
    );
  }
  const { file, process, service } = filterArguments(filter);
  check("RmAddFilter", rstrtmgr().RmAddFilter(handle, file, process, service, action));
}

/** `RmRemoveFilter` for the session behind `handle`; see `RestartManagerSession.removeFilter`. */
export function removeFilter(handle: number, target: RmFilterTarget): void {
  const { file, process, service } = filterArguments(target);
  check("RmRemoveFilter", rstrtmgr().RmRemoveFilter(handle, file, process, service));
}

/** `RmGetFilterList` with its buffer-size protocol; see `RestartManagerSession.filters`. */
export function listFilters(handle: number): RmFilter[] {
  const rm = rstrtmgr();
  const needed = new Uint32Array(1);
  let code = rm.RmGetFilterList(handle, null, 0, needed);
  if (code === ERROR_SUCCESS) return [];
  for (let attempt = 0; attempt < LIST_ATTEMPTS; attempt++) {
    if (code !== ERROR_MORE_DATA && code !== ERROR_INSUFFICIENT_BUFFER) break;
    // Eight-byte aligned storage: the records hold pointers.
    const size = needed[0]! + 64;
    const buffer = new Uint8Array(new BigUint64Array(Math.ceil(size / 8)).buffer, 0, size);
    code = rm.RmGetFilterList(handle, buffer, size, needed);
    if (code === ERROR_SUCCESS) {
      return decodeFilterList(buffer, needed[0]!).map(toFilter);
    }
  }
  check("RmGetFilterList", code);
  return [];
}
