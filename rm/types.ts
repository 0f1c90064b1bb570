/**
 * The Restart Manager's vocabulary, decoded: application types, status flags and reboot
 * reasons by name (`RM_APP_TYPE`, `RM_APP_STATUS`, `RM_REBOOT_REASON` from restartmanager.h),
 * and the records `RestartManagerSession` hands out.
 *
 * @example
 * ```ts
 * import { appStatusNames } from "./types.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(appStatusNames(0x2), ["Stopped"]);
 * ```
 *
 * @module
 */

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
 * import { appTypeName } from "./types.ts";
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
 * import { appStatusNames } from "./types.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(appStatusNames(0x1 | 0x40), ["Running", "ShutdownMasked"]);
 * ```
 *
 * @param flags The `AppStatus` field of an `RM_PROCESS_INFO`.
 * @returns The flag names, in bit order: one frozen array per flags value, shared by every
 * process with those flags (copy it to change it).
 */
export function appStatusNames(flags: number): readonly RmAppStatus[] {
  let names = statusNamesByFlags.get(flags);
  if (names === undefined) {
    names = Object.freeze(
      APP_STATUS_FLAGS.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name),
    );
    if (statusNamesByFlags.size < 256) statusNamesByFlags.set(flags, names);
  }
  return names;
}

/**
 * Decoded status flags by value, shared and frozen: a list repeats a handful of values a
 * thousand times, and a fresh array per row was measurable in `RestartManagerSession.list()`
 * (bench/rm_bench.ts). At most 256 values are kept (the flags are 8 bits wide, so all of them).
 */
const statusNamesByFlags = new Map<number, readonly RmAppStatus[]>();

/**
 * The names of the `RM_REBOOT_REASON` flags set in `flags` (an empty list for
 * `RmRebootReasonNone`).
 *
 * @example
 * ```ts
 * import { rebootReasonNames } from "./types.ts";
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
  /** The `RM_APP_STATUS` flags set, by name: frozen, and shared by every process with the same
   * flags (copy it to change it). */
  status: readonly RmAppStatus[];
  /** The raw `RM_APP_STATUS` flags. */
  statusFlags: number;
  /** The Remote Desktop session the process runs in (null for `RM_INVALID_TS_SESSION`). */
  sessionId: number | null;
  /** Whether the Restart Manager can restart it after a shutdown. */
  restartable: boolean;
}

/** What `RestartManagerSession.list` returns. */
export interface RmList {
  /** The processes using the session's resources. */
  processes: RmProcess[];
  /** Why a reboot would be needed to replace the resources, by name; empty when none. */
  rebootReasons: RmRebootReason[];
  /** The raw `RM_REBOOT_REASON` flags. */
  rebootReasonFlags: number;
}

/** Options of `RestartManagerSession.shutdown`. */
export interface RmShutdownOptions {
  /** `RmForceShutdown`: close applications that refuse, after their timeout. */
  force?: boolean;
  /** `RmShutdownOnlyRegistered`: only shut down if every affected app was registered for restart. */
  onlyRegistered?: boolean;
  /** Receives the percentage complete (0–100) from the status callback. */
  onProgress?: (percent: number) => void;
  /** Aborting cancels the shutdown (`RmCancelCurrentTask`); it then rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * Cancel the shutdown when it takes longer than this many milliseconds; it then rejects with
   * a `ShutdownTimeoutError` (what closed before stays closed: list to see it).
   */
  timeoutMs?: number;
}

/** Options of `RestartManagerSession.restart`. */
export interface RmRestartOptions {
  /** Receives the percentage complete (0–100) from the status callback. */
  onProgress?: (percent: number) => void;
  /** Aborting cancels the restart (`RmCancelCurrentTask`); it then rejects with `signal.reason`. */
  signal?: AbortSignal;
}
