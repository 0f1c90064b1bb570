/**
 * The Restart Manager (rstrtmgr.dll) as a typed, disposable session: register files, processes
 * and services, ask which processes use them, shut those down and restart them.
 *
 * Every `Rm*` function returns its Win32 error code directly (it does not set the thread's last
 * error), so a failure becomes a {@linkcode WindowsError} built from that code, and the slow
 * calls (`RmShutdown`, `RmRestart`) can run on Deno's FFI thread pool without losing it.
 *
 * A session counts against a per-user limit of 64 open sessions (`ERROR_MAX_SESSIONS_REACHED`),
 * so always end it: `using rm = RestartManagerSession.start()` does, even when the body throws.
 *
 * @example Who is using a file?
 * ```ts ignore
 * import { RestartManagerSession } from "./session.ts";
 *
 * using rm = RestartManagerSession.start();
 * rm.registerFiles(["C:\\app\\app.dll"]);
 * for (const process of rm.list().processes) {
 *   console.log(process.pid, process.appName, process.type);
 * }
 * ```
 *
 * @module
 */

import posixPath from "node:path/posix";
import win32Path from "node:path/win32";
import {
  clearLastError,
  ERROR_CANCELLED,
  ERROR_INSUFFICIENT_BUFFER,
  ERROR_MORE_DATA,
  ERROR_SUCCESS,
  WindowsError,
} from "../ffi/errors.ts";
import { dateToFileTime, readFileTime } from "../ffi/filetime.ts";
import { RM_PROCESS_INFO, RM_UNIQUE_PROCESS, WCHAR_ARRAY_LENGTHS } from "../ffi/layouts.ts";
import { kernel32, rstrtmgr } from "../ffi/load.ts";
import {
  decodeFilterList,
  encodeUniqueProcesses,
  type RmFilterRow,
  RmFilterTrigger,
} from "../ffi/rm_structs.ts";
import { decodeWide, decodeWideUnits, encodeWide, pointerArray } from "../ffi/utf16.ts";

/** `CCH_RM_SESSION_KEY`: a session key is a GUID written as 32 hexadecimal characters. */
const SESSION_KEY_LENGTH = 32;
/** `PROCESS_QUERY_LIMITED_INFORMATION`: enough for GetProcessTimes, granted more often. */
const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;
/** `RM_SHUTDOWN_TYPE` flags. */
const RmForceShutdown = 0x1;
const RmShutdownOnlyRegistered = 0x10;
/** Extra RM_PROCESS_INFO slots allocated beyond what RmGetList said it needs: the list grows. */
const LIST_HEADROOM = 8;
/** How many times {@linkcode RestartManagerSession.list} retries while the list keeps growing. */
const LIST_ATTEMPTS = 8;
/** `strAppName` and `strServiceShortName` lengths in code units, NUL included. */
const RM_APP_NAME_UNITS = WCHAR_ARRAY_LENGTHS.RM_APP_NAME;
const RM_SERVICE_NAME_UNITS = WCHAR_ARRAY_LENGTHS.RM_SERVICE_NAME;
/** `RM_INVALID_TS_SESSION` (-1 as a DWORD). */
const RM_INVALID_TS_SESSION = 0xffffffff;

/** `RM_APP_TYPE`, by name. `Unknown` covers 0 and any value this version does not know. */
export type RmAppType =
  | "Unknown"
  | "MainWindow"
  | "OtherWindow"
  | "Service"
  | "Explorer"
  | "Console"
  | "Critical";

/** `RM_APP_STATUS` flags, by name (without the `RmStatus` prefix). */
export type RmAppStatus =
  | "Running"
  | "Stopped"
  | "StoppedOther"
  | "Restarted"
  | "ErrorOnStop"
  | "ErrorOnRestart"
  | "ShutdownMasked"
  | "RestartMasked";

/** `RM_REBOOT_REASON` flags, by name (without the `RmRebootReason` prefix). */
export type RmRebootReason =
  | "PermissionDenied"
  | "SessionMismatch"
  | "CriticalProcess"
  | "CriticalService"
  | "DetectedSelf";

const APP_TYPES: Readonly<Record<number, RmAppType>> = {
  0: "Unknown",
  1: "MainWindow",
  2: "OtherWindow",
  3: "Service",
  4: "Explorer",
  5: "Console",
  1000: "Critical",
};

/** `RM_APP_STATUS` bits in flag order (restartmanager.h). */
const APP_STATUS_FLAGS: readonly (readonly [number, RmAppStatus])[] = [
  [0x1, "Running"],
  [0x2, "Stopped"],
  [0x4, "StoppedOther"],
  [0x8, "Restarted"],
  [0x10, "ErrorOnStop"],
  [0x20, "ErrorOnRestart"],
  [0x40, "ShutdownMasked"],
  [0x80, "RestartMasked"],
];

/** `RM_REBOOT_REASON` bits in flag order (restartmanager.h). */
const REBOOT_REASON_FLAGS: readonly (readonly [number, RmRebootReason])[] = [
  [0x1, "PermissionDenied"],
  [0x2, "SessionMismatch"],
  [0x4, "CriticalProcess"],
  [0x8, "CriticalService"],
  [0x10, "DetectedSelf"],
];

/**
 * The name of an `RM_APP_TYPE` value.
 *
 * @example
 * ```ts
 * import { appTypeName } from "./session.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(appTypeName(3), "Service");
 * assert.equal(appTypeName(1000), "Critical");
 * assert.equal(appTypeName(42), "Unknown");
 * ```
 *
 * @param code The `ApplicationType` field of an `RM_PROCESS_INFO`.
 * @returns Its name, `"Unknown"` for 0 and for values this version does not know.
 */
export function appTypeName(code: number): RmAppType {
  return APP_TYPES[code] ?? "Unknown";
}

/**
 * The names of the `RM_APP_STATUS` flags set in `flags` (an empty list for `RmStatusUnknown`).
 *
 * @example
 * ```ts
 * import { appStatusNames } from "./session.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(appStatusNames(0x1 | 0x40), ["Running", "ShutdownMasked"]);
 * ```
 *
 * @param flags The `AppStatus` field of an `RM_PROCESS_INFO`.
 * @returns The flag names, in bit order.
 */
export function appStatusNames(flags: number): RmAppStatus[] {
  let names = statusNamesByFlags.get(flags);
  if (names === undefined) {
    names = APP_STATUS_FLAGS.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
    if (statusNamesByFlags.size < 256) statusNamesByFlags.set(flags, names);
  }
  // A copy: callers own what they get.
  return names.slice();
}

/** Decoded status flags by value: a list repeats a handful of values a thousand times. */
const statusNamesByFlags = new Map<number, RmAppStatus[]>();

/**
 * The names of the `RM_REBOOT_REASON` flags set in `flags` (an empty list for
 * `RmRebootReasonNone`).
 *
 * @example
 * ```ts
 * import { rebootReasonNames } from "./session.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(rebootReasonNames(0x1 | 0x8), ["PermissionDenied", "CriticalService"]);
 * assert.deepEqual(rebootReasonNames(0), []);
 * ```
 *
 * @param flags The `lpdwRebootReasons` value RmGetList wrote.
 * @returns The reason names, in bit order.
 */
export function rebootReasonNames(flags: number): RmRebootReason[] {
  return REBOOT_REASON_FLAGS.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
}

/**
 * A process identified the way the Restart Manager needs it (`RM_UNIQUE_PROCESS`): pids are
 * reused, so the start time tells this process from a later one with the same pid.
 */
export interface RmUniqueProcess {
  /** The process id. */
  pid: number;
  /**
   * When the process started: a `Date` (millisecond precision) or the exact FILETIME as a
   * bigint (100 ns ticks since 1601, as {@linkcode RmProcess.startFileTime} gives it). Windows
   * compares the full FILETIME, so pass the bigint when you have it.
   */
  startTime: Date | bigint;
}

/** One process the Restart Manager reports (`RM_PROCESS_INFO`), decoded. */
export interface RmProcess {
  /** The process id. */
  pid: number;
  /** When the process started (`null` if Windows reported no start time). */
  startTime: Date | null;
  /** The exact start time, FILETIME ticks: pass it back to identify this very process. */
  startFileTime: bigint;
  /** The application's friendly name (`strAppName`), e.g. `"Notepad"`. */
  appName: string;
  /** The service's short name (`strServiceShortName`) when the process is a service, else null. */
  serviceName: string | null;
  /** What kind of application it is. */
  type: RmAppType;
  /** The raw `RM_APP_TYPE` value. */
  typeCode: number;
  /** The `RM_APP_STATUS` flags set, by name. */
  status: RmAppStatus[];
  /** The raw `RM_APP_STATUS` flags. */
  statusFlags: number;
  /** The Remote Desktop session the process runs in (null for `RM_INVALID_TS_SESSION`). */
  sessionId: number | null;
  /** Whether the Restart Manager can restart it after a shutdown. */
  restartable: boolean;
}

/** What {@linkcode RestartManagerSession.list} returns. */
export interface RmList {
  /** The processes using the session's resources. */
  processes: RmProcess[];
  /** Why a reboot would be needed to replace the resources, by name; empty when none. */
  rebootReasons: RmRebootReason[];
  /** The raw `RM_REBOOT_REASON` flags. */
  rebootReasonFlags: number;
}

/** Options of {@linkcode RestartManagerSession.shutdown}. */
export interface RmShutdownOptions {
  /** `RmForceShutdown`: close applications that refuse, after their timeout. */
  force?: boolean;
  /** `RmShutdownOnlyRegistered`: only shut down if every affected app was registered for restart. */
  onlyRegistered?: boolean;
  /** Receives the percentage complete (0–100) from the status callback. */
  onProgress?: (percent: number) => void;
  /** Aborting calls {@linkcode RestartManagerSession.cancel}; the call then rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** Options of {@linkcode RestartManagerSession.restart}. */
export interface RmRestartOptions {
  /** Receives the percentage complete (0–100) from the status callback. */
  onProgress?: (percent: number) => void;
  /** Aborting calls {@linkcode RestartManagerSession.cancel}; the call then rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** What a filter does: keep the Restart Manager from restarting, or from shutting down. */
export type RmFilterAction = "noRestart" | "noShutdown";

/** What a filter applies to: exactly one of a module file, a process or a service. */
export type RmFilterTarget =
  | { file: string; process?: undefined; service?: undefined }
  | { process: RmUniqueProcess; file?: undefined; service?: undefined }
  | { service: string; file?: undefined; process?: undefined };

/** A filter, as {@linkcode RestartManagerSession.addFilter} takes it and `filters()` returns it. */
export type RmFilter = RmFilterTarget & { action: RmFilterAction };

/**
 * Resolves `path` against `cwd` into the full path the Restart Manager needs: Windows' rules on
 * Windows, POSIX rules elsewhere (where only the test doubles run).
 *
 * @example
 * ```ts
 * import { resolveFullPath } from "./session.ts";
 * import assert from "node:assert/strict";
 *
 * if (Deno.build.os !== "windows") {
 *   assert.equal(resolveFullPath("logs/app.log", "/srv"), "/srv/logs/app.log");
 * }
 * assert.throws(() => resolveFullPath("a\0b"), TypeError);
 * ```
 *
 * @param path An absolute or relative path.
 * @param cwd What a relative path is relative to (default: the working directory).
 * @returns The absolute path.
 * @throws {TypeError} When `path` contains a NUL character (the message names the path).
 */
export function resolveFullPath(path: string, cwd: string = Deno.cwd()): string {
  if (path.includes("\0")) {
    throw new TypeError(`path contains a NUL character: ${JSON.stringify(path)}`);
  }
  return Deno.build.os === "windows" ? win32Path.resolve(cwd, path) : posixPath.resolve(cwd, path);
}

/** RmGetList's output buffer, reused: decoding copies everything out, and a 1,000-process
 * list is 668 kB that would otherwise be allocated and zeroed on every call. */
let listScratch = new Uint8Array(0);

function listBuffer(bytes: number): Uint8Array {
  if (listScratch.byteLength < bytes) listScratch = new Uint8Array(bytes);
  return listScratch.subarray(0, bytes);
}

function check(functionName: string, code: number): void {
  if (code !== ERROR_SUCCESS) throw WindowsError.fromCode(functionName, code);
}

function toFileTime(startTime: Date | bigint): bigint {
  return typeof startTime === "bigint" ? startTime : dateToFileTime(startTime);
}

/** Milliseconds between 1601-01-01 and 1970-01-01 (FILETIME epoch to Unix epoch). */
const FILETIME_EPOCH_TO_UNIX_MS = 11_644_473_600_000;
/** 2^32 = 429,496 × 10,000 + 7,296: splits a FILETIME's high DWORD into whole milliseconds. */
const HIGH_DWORD_MS = 429_496;
const HIGH_DWORD_REST_TICKS = 7_296;

/**
 * The `Date` of the FILETIME whose DWORDs are `low` and `high`, exactly what `fileTimeToDate`
 * gives for it (null for 0 and for the sign bit set), with plain numbers: every term stays far
 * below 2^53, so the floor is exact, and no BigInt is divided per process.
 */
function fileTimeDwordsToDate(low: number, high: number): Date | null {
  if ((low === 0 && high === 0) || high >= 0x8000_0000) return null;
  const ms = high * HIGH_DWORD_MS + Math.floor((high * HIGH_DWORD_REST_TICKS + low) / 10_000);
  return new Date(ms - FILETIME_EPOCH_TO_UNIX_MS);
}

/**
 * Decodes the `RM_PROCESS_INFO[]` RmGetList filled straight into {@linkcode RmProcess} objects:
 * the fields `decodeProcessInfo` (ffi/rm_structs.ts) reads, from ONE DataView and ONE
 * Uint16Array over the buffer, without an intermediate row object per process and with the
 * start time's Date computed from its two DWORDs.
 */
function decodeRmProcesses(buffer: Uint8Array, count: number): RmProcess[] {
  if (count === 0) return [];
  const { size, offsets } = RM_PROCESS_INFO;
  const { dwProcessId, ProcessStartTime } = RM_UNIQUE_PROCESS.offsets;
  const pid = offsets.Process + dwProcessId;
  const start = offsets.Process + ProcessStartTime;
  // listBuffer's scratch starts at byte 0 of its ArrayBuffer: every WCHAR array is 2-aligned.
  const view = new DataView(buffer.buffer, buffer.byteOffset, count * size);
  const units = new Uint16Array(buffer.buffer, buffer.byteOffset, (count * size) >>> 1);
  const processes: RmProcess[] = new Array(count);
  for (let i = 0, base = 0; i < count; i++, base += size) {
    const typeCode = view.getUint32(base + offsets.ApplicationType, true);
    const statusFlags = view.getUint32(base + offsets.AppStatus, true);
    const session = view.getUint32(base + offsets.TSSessionId, true);
    const service = (base + offsets.strServiceShortName) >>> 1;
    processes[i] = {
      pid: view.getUint32(base + pid, true),
      startTime: fileTimeDwordsToDate(
        view.getUint32(base + start, true),
        view.getUint32(base + start + 4, true),
      ),
      startFileTime: readFileTime(view, base + start),
      appName: decodeWideUnits(units, (base + offsets.strAppName) >>> 1, RM_APP_NAME_UNITS),
      serviceName: units[service] === 0
        ? null
        : decodeWideUnits(units, service, RM_SERVICE_NAME_UNITS),
      type: appTypeName(typeCode),
      typeCode,
      status: appStatusNames(statusFlags),
      statusFlags,
      sessionId: session === RM_INVALID_TS_SESSION ? null : session,
      restartable: view.getInt32(base + offsets.bRestartable, true) !== 0,
    };
  }
  return processes;
}

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

/**
 * Reads a process's start time (FILETIME ticks) with OpenProcess + GetProcessTimes; the handle
 * is closed whatever happens. A pid that is not running fails with the code OpenProcess sets.
 */
function processStartTime(pid: number): bigint {
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

/**
 * One Restart Manager session. Start one with {@linkcode RestartManagerSession.start}, or join
 * another installer's with {@linkcode RestartManagerSession.join}; end it with
 * {@linkcode RestartManagerSession.end} or, better, `using`.
 *
 * @example Shut down what uses a file, then restart it
 * ```ts ignore
 * import { RestartManagerSession } from "./session.ts";
 *
 * using rm = RestartManagerSession.start();
 * rm.registerFiles(["C:\\app\\app.dll"]);
 * await rm.shutdown({ onProgress: (percent) => console.log(`${percent}%`) });
 * // … replace the file …
 * await rm.restart();
 * ```
 */
export class RestartManagerSession implements Disposable {
  readonly #handle: number;
  readonly #key: string;
  #ended = false;

  private constructor(handle: number, key: string) {
    this.#handle = handle;
    this.#key = key;
  }

  /**
   * Starts a new session (`RmStartSession`).
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * console.log(rm.key); // 32 hexadecimal characters, to share with a secondary installer
   * ```
   *
   * @returns The session; end it (or let `using` end it).
   * @throws {WindowsError} `ERROR_MAX_SESSIONS_REACHED` (353) when 64 sessions are open.
   */
  static start(): RestartManagerSession {
    const handle = new Uint32Array(1);
    const key = new Uint8Array((SESSION_KEY_LENGTH + 1) * 2);
    check("RmStartSession", rstrtmgr().RmStartSession(handle, 0, key));
    return new RestartManagerSession(handle[0]!, decodeWide(key, 0, SESSION_KEY_LENGTH + 1));
  }

  /**
   * Joins a session another process started (`RmJoinSession`), by its key.
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using primary = RestartManagerSession.start();
   * using secondary = RestartManagerSession.join(primary.key);
   * ```
   *
   * @param key The primary session's 32-character hexadecimal key.
   * @returns The joined session; end it (or let `using` end it).
   * @throws {TypeError} When `key` is not 32 hexadecimal characters.
   * @throws {WindowsError} When Windows refuses to join.
   */
  static join(key: string): RestartManagerSession {
    if (typeof key !== "string" || !/^[0-9a-fA-F]{32}$/.test(key)) {
      throw new TypeError(
        `a Restart Manager session key is 32 hexadecimal characters, got ${JSON.stringify(key)}`,
      );
    }
    const handle = new Uint32Array(1);
    check("RmJoinSession", rstrtmgr().RmJoinSession(handle, encodeWide(key, "session key")));
    return new RestartManagerSession(handle[0]!, key);
  }

  /** The session key: 32 hexadecimal characters another installer can join with. */
  get key(): string {
    return this.#key;
  }

  /** The session handle (a DWORD; 0 is a valid handle). */
  get handle(): number {
    return this.#handle;
  }

  /** Whether {@linkcode RestartManagerSession.end} has been called. */
  get ended(): boolean {
    return this.#ended;
  }

  #open(): number {
    if (this.#ended) {
      throw new Error(`this Restart Manager session (handle ${this.#handle}) has already ended`);
    }
    return this.#handle;
  }

  /**
   * Ends the session (`RmEndSession`). Calling it again does nothing.
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * const rm = RestartManagerSession.start();
   * try {
   *   rm.registerFiles(["C:\\app\\app.dll"]);
   * } finally {
   *   rm.end();
   * }
   * ```
   *
   * @throws {WindowsError} When Windows fails to end it (the handle is given up all the same).
   */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    check("RmEndSession", rstrtmgr().RmEndSession(this.#handle));
  }

  /** Ends the session; what `using` calls. */
  [Symbol.dispose](): void {
    this.end();
  }

  /**
   * Registers files (`RmRegisterResources`) in one call. Relative paths are resolved against
   * the working directory, because the Restart Manager needs full paths (Windows' rules on
   * Windows, POSIX rules elsewhere, where only test doubles run).
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * rm.registerFiles(["C:\\app\\app.dll", "app.log"]);
   * ```
   *
   * @param paths The files; an empty list does nothing.
   * @param cwd What relative paths are relative to (default: the working directory).
   * @throws {TypeError} When a path contains a NUL character (the message names the path).
   * @throws {WindowsError} When Windows rejects the registration.
   */
  registerFiles(paths: readonly string[], cwd?: string): void {
    const handle = this.#open();
    if (paths.length === 0) return;
    const base = cwd ?? Deno.cwd();
    const full = paths.map((path) => resolveFullPath(path, base));
    const files = pointerArray(full, "path");
    check(
      "RmRegisterResources",
      rstrtmgr().RmRegisterResources(handle, full.length, files.array, 0, null, 0, null),
    );
    // `files.array` is a view of the one buffer holding the strings it points to, so the
    // argument itself keeps them alive; `files.keep` is touched after the call all the same.
    void files.keep;
  }

  /**
   * Registers processes (`RmRegisterResources`). A bare pid gets its start time from
   * `OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION)` + `GetProcessTimes`.
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * rm.registerProcesses([4242, { pid: 4343, startTime: 133_000_000_000_000_000n }]);
   * ```
   *
   * @param processes Pids, or pids with their start time.
   * @throws {WindowsError} When a bare pid is not a running process (OpenProcess's error), or
   * Windows rejects the registration.
   */
  registerProcesses(processes: readonly (number | RmUniqueProcess)[]): void {
    const handle = this.#open();
    if (processes.length === 0) return;
    const unique = processes.map((process) =>
      typeof process === "number"
        ? { pid: process, startTime: processStartTime(process) }
        : { pid: process.pid, startTime: toFileTime(process.startTime) }
    );
    const array = encodeUniqueProcesses(unique);
    check(
      "RmRegisterResources",
      rstrtmgr().RmRegisterResources(handle, 0, null, unique.length, array, 0, null),
    );
  }

  /**
   * Registers services by short name (`RmRegisterResources`).
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * rm.registerServices(["Spooler"]);
   * ```
   *
   * @param names Service short names (not display names).
   * @throws {TypeError} When a name contains a NUL character.
   * @throws {WindowsError} When Windows rejects the registration.
   */
  registerServices(names: readonly string[]): void {
    const handle = this.#open();
    if (names.length === 0) return;
    const services = pointerArray(names, "service name");
    check(
      "RmRegisterResources",
      rstrtmgr().RmRegisterResources(handle, 0, null, 0, null, names.length, services.array),
    );
    void services.keep;
  }

  /**
   * Lists the processes using the registered resources (`RmGetList`), following its
   * `ERROR_MORE_DATA` protocol: ask how many, allocate that many plus headroom, and ask again
   * while the list keeps growing (a bounded number of times).
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * rm.registerFiles(["C:\\app\\app.dll"]);
   * const { processes, rebootReasons } = rm.list();
   * ```
   *
   * @returns The processes and the reboot reasons.
   * @throws {WindowsError} On any RmGetList failure, including `ERROR_MORE_DATA` when the list
   * kept growing through every retry.
   */
  list(): RmList {
    const handle = this.#open();
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
      if (code === ERROR_SUCCESS) return this.#decodeList(buffer, count[0]!, reasons[0]!);
    }
    check("RmGetList", code);
    return this.#decodeList(new Uint8Array(0), 0, reasons[0]!);
  }

  #decodeList(buffer: Uint8Array, count: number, reasonFlags: number): RmList {
    return {
      processes: decodeRmProcesses(buffer, count),
      rebootReasons: rebootReasonNames(reasonFlags),
      rebootReasonFlags: reasonFlags,
    };
  }

  /**
   * Shuts down the processes using the registered resources (`RmShutdown`), on Deno's FFI
   * thread pool so the event loop keeps running (progress, timers, an abort).
   *
   * An `onProgress` that throws does not stop the shutdown: its first error is kept and thrown
   * once `RmShutdown` has returned (then a failure code from RmShutdown is its `cause`).
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * rm.registerFiles(["C:\\app\\app.dll"]);
   * await rm.shutdown({ force: true, onProgress: (p) => console.log(`${p}%`) });
   * ```
   *
   * @param options Force, only-registered, progress and cancellation.
   * @throws {WindowsError} `ERROR_FAIL_NOACTION_REBOOT` (a reboot is needed anyway),
   * `ERROR_FAIL_SHUTDOWN` (some application did not close), and others.
   * @throws `signal.reason` when `signal` aborted the shutdown.
   */
  shutdown(options: RmShutdownOptions = {}): Promise<void> {
    const flags = (options.force ? RmForceShutdown : 0) |
      (options.onlyRegistered ? RmShutdownOnlyRegistered : 0);
    return this.#runTask("RmShutdown", flags, options.onProgress, options.signal);
  }

  /**
   * Restarts what {@linkcode RestartManagerSession.shutdown} closed (`RmRestart`), on Deno's FFI
   * thread pool. Progress and errors of `onProgress` work as for `shutdown`.
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * rm.registerFiles(["C:\\app\\app.dll"]);
   * await rm.shutdown();
   * await rm.restart({ onProgress: (p) => console.log(`${p}%`) });
   * ```
   *
   * @param options Progress and cancellation.
   * @throws {WindowsError} `ERROR_REQUEST_OUT_OF_SEQUENCE` before a shutdown, `ERROR_FAIL_RESTART`.
   * @throws `signal.reason` when `signal` aborted the restart.
   */
  restart(options: RmRestartOptions = {}): Promise<void> {
    return this.#runTask("RmRestart", 0, options.onProgress, options.signal);
  }

  async #runTask(
    functionName: "RmShutdown" | "RmRestart",
    flags: number,
    onProgress: ((percent: number) => void) | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const handle = this.#open();
    signal?.throwIfAborted();
    let progressError: { error: unknown } | undefined;
    // Thread-safe: RmShutdown/RmRestart call it from the FFI pool thread the call runs on.
    const callback = Deno.UnsafeCallback.threadSafe(
      { parameters: ["u32"], result: "void" } as const,
      (percent: number) => {
        if (progressError !== undefined || onProgress === undefined) return;
        try {
          onProgress(percent);
        } catch (error) {
          // Throwing into native code would take the process down: keep it for later.
          progressError = { error };
        }
      },
    );
    const abort = () => {
      try {
        this.cancel();
      } catch {
        // The task may have finished meanwhile; the call's own result says what happened.
      }
    };
    signal?.addEventListener("abort", abort, { once: true });
    let code: number;
    try {
      const rm = rstrtmgr();
      code = functionName === "RmShutdown"
        ? await rm.RmShutdownAsync(handle, flags, callback.pointer)
        : await rm.RmRestartAsync(handle, flags, callback.pointer);
    } finally {
      signal?.removeEventListener("abort", abort);
      callback.close();
    }
    const failure = code === ERROR_SUCCESS ? undefined : WindowsError.fromCode(functionName, code);
    if (signal?.aborted && (code === ERROR_CANCELLED || failure !== undefined)) {
      throw signal.reason;
    }
    if (progressError !== undefined) {
      const { error } = progressError;
      if (failure !== undefined && error instanceof Error && error.cause === undefined) {
        Object.defineProperty(error, "cause", { value: failure, configurable: true });
      }
      throw error;
    }
    if (failure !== undefined) throw failure;
  }

  /**
   * Cancels the shutdown or restart running in this session (`RmCancelCurrentTask`); that call
   * then fails with `ERROR_CANCELLED`.
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * rm.registerFiles(["C:\\app\\app.dll"]);
   * const running = rm.shutdown();
   * rm.cancel();
   * await running.catch((error) => console.log(error.message)); // … ERROR_CANCELLED (1223) …
   * ```
   *
   * @throws {WindowsError} When Windows refuses.
   */
  cancel(): void {
    check("RmCancelCurrentTask", rstrtmgr().RmCancelCurrentTask(this.#open()));
  }

  /**
   * Adds a filter (`RmAddFilter`): keep a module file, a process or a service from being shut
   * down (`noShutdown`) or restarted (`noRestart`). Only the session's starter may filter.
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * rm.addFilter({ service: "Spooler", action: "noShutdown" });
   * rm.addFilter({ file: "C:\\Windows\\explorer.exe", action: "noRestart" });
   * ```
   *
   * @param filter The target (exactly one of `file`, `process`, `service`) and the action.
   * @throws {TypeError} When the target or action is missing or ambiguous.
   * @throws {WindowsError} When Windows rejects the filter.
   */
  addFilter(filter: RmFilter): void {
    const handle = this.#open();
    const action = FILTER_ACTIONS[filter.action];
    if (action === undefined) {
      throw new TypeError(
        `a filter action is "noRestart" or "noShutdown", got ${JSON.stringify(filter.action)}`,
      );
    }
    const { file, process, service } = filterArguments(filter);
    check("RmAddFilter", rstrtmgr().RmAddFilter(handle, file, process, service, action));
  }

  /**
   * Removes a filter added with {@linkcode RestartManagerSession.addFilter} (`RmRemoveFilter`).
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * rm.addFilter({ service: "Spooler", action: "noShutdown" });
   * rm.removeFilter({ service: "Spooler" });
   * ```
   *
   * @param target The filter's target (its action is not needed).
   * @throws {WindowsError} `ERROR_FILE_NOT_FOUND` when no such filter exists.
   */
  removeFilter(target: RmFilterTarget): void {
    const handle = this.#open();
    const { file, process, service } = filterArguments(target);
    check("RmRemoveFilter", rstrtmgr().RmRemoveFilter(handle, file, process, service));
  }

  /**
   * The session's filters (`RmGetFilterList`, with its buffer-size protocol).
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * rm.addFilter({ service: "Spooler", action: "noShutdown" });
   * console.log(rm.filters()); // [{ action: "noShutdown", service: "Spooler" }]
   * ```
   *
   * @returns The filters, in the order Windows lists them.
   * @throws {WindowsError} On any RmGetFilterList failure.
   */
  filters(): RmFilter[] {
    const handle = this.#open();
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
