/**
 * The lock state of a session: decodes `WTSINFOEXW` (the `WTSSessionInfoEx` class of
 * WTSQuerySessionInformationW, level 1: lock flags and protocol counters) and turns its `SessionFlags` into locked/unlocked,
 * with the Windows 7 / Server 2008 R2 reversal handled by the server's OS version.
 *
 * @module
 */

import { WTSINFOEXW } from "./layouts.ts";

/** `WTS_SESSIONSTATE_LOCK`. */
export const WTS_SESSIONSTATE_LOCK = 0;
/** `WTS_SESSIONSTATE_UNLOCK`. */
export const WTS_SESSIONSTATE_UNLOCK = 1;
/** `WTS_SESSIONSTATE_UNKNOWN` (0xFFFFFFFF; `SessionFlags` is a LONG, so -1 as read). */
export const WTS_SESSIONSTATE_UNKNOWN = 0xffff_ffff;

/** The fields of `WTSINFOEX_LEVEL1_W` winsession reads. */
export interface WtsInfoExLevel1 {
  /** `Level`: 1 on every Windows that has the class. */
  level: number;
  /** `SessionId`. */
  sessionId: number;
  /** `SessionState`: a `WTS_CONNECTSTATE_CLASS` value. */
  sessionState: number;
  /** `SessionFlags` as an unsigned DWORD (`WTS_SESSIONSTATE_*`). */
  sessionFlags: number;
  /** `IncomingBytes`: bytes received from the client (DWORD: wraps at 4 GiB). */
  incomingBytes: number;
  /** `OutgoingBytes`: bytes sent to the client (DWORD: wraps at 4 GiB). */
  outgoingBytes: number;
  /** `IncomingFrames`. */
  incomingFrames: number;
  /** `OutgoingFrames`. */
  outgoingFrames: number;
  /** `IncomingCompressedBytes`. */
  incomingCompressedBytes: number;
  /** `OutgoingCompressedBytes`. */
  outgoingCompressedBytes: number;
}

/** A Windows version as RtlGetVersion (or NetServerGetInfo) reports it. */
export interface OsVersion {
  /** `dwMajorVersion`. */
  major: number;
  /** `dwMinorVersion`. */
  minor: number;
}

/** What winsession knows about a session's lock state, and why when it does not. */
export interface LockState {
  /** `true` locked, `false` unlocked, `null` unknown. */
  locked: boolean | null;
  /** Why `locked` is `null`; `null` when it is known. */
  reason: string | null;
}

/**
 * Decodes a `WTSINFOEXW` at level 1.
 *
 * @example
 * ```ts
 * import { decodeWtsInfoExW } from "./wts_lock.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = new Uint8Array(232);
 * new DataView(bytes.buffer).setUint32(0, 1, true);
 * assert.equal(decodeWtsInfoExW(bytes).level, 1);
 * ```
 *
 * @param bytes The struct's bytes (at least `WTSINFOEXW.size`).
 * @returns The decoded fields.
 * @throws {RangeError} If `bytes` is too short.
 */
export function decodeWtsInfoExW(bytes: Uint8Array): WtsInfoExLevel1 {
  const { size, offsets } = WTSINFOEXW;
  if (bytes.byteLength < size) {
    throw new RangeError(`WTSINFOEXW needs ${size} bytes, got ${bytes.byteLength}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  return {
    level: view.getUint32(offsets.Level, true),
    sessionId: view.getUint32(offsets.SessionId, true),
    sessionState: view.getUint32(offsets.SessionState, true),
    sessionFlags: view.getUint32(offsets.SessionFlags, true),
    incomingBytes: view.getUint32(offsets.IncomingBytes, true),
    outgoingBytes: view.getUint32(offsets.OutgoingBytes, true),
    incomingFrames: view.getUint32(offsets.IncomingFrames, true),
    outgoingFrames: view.getUint32(offsets.OutgoingFrames, true),
    incomingCompressedBytes: view.getUint32(offsets.IncomingCompressedBytes, true),
    outgoingCompressedBytes: view.getUint32(offsets.OutgoingCompressedBytes, true),
  };
}

/** Whether `version` is Windows 7 / Server 2008 R2 (NT 6.1), whose lock flags are reversed. */
function reversesLockFlags(version: OsVersion): boolean {
  return version.major === 6 && version.minor === 1;
}

/**
 * The lock state `SessionFlags` means on a server running `version`.
 *
 * Microsoft's WTSINFOEX_LEVEL1 page documents LOCK 0, UNLOCK 1, UNKNOWN 0xFFFFFFFF and adds:
 * "Windows Server 2008 R2 and Windows 7: Due to a code defect, the usage of the
 * WTS_SESSIONSTATE_LOCK and WTS_SESSIONSTATE_UNLOCK flags is reversed"
 * (https://learn.microsoft.com/windows/win32/api/wtsapi32/ns-wtsapi32-wtsinfoex_level1_w).
 * So 0/1 can only be read once the SERVER's version is known (the caller's does not matter for
 * a remote server); without it the answer is `null` with the reason.
 *
 * @example
 * ```ts
 * import { lockStateFromFlags } from "./wts_lock.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(lockStateFromFlags(0, { major: 10, minor: 0 }).locked, true);
 * assert.equal(lockStateFromFlags(0, { major: 6, minor: 1 }).locked, false); // Windows 7
 * assert.equal(lockStateFromFlags(0, null).locked, null);
 * ```
 *
 * @param sessionFlags `SessionFlags` as an unsigned DWORD.
 * @param version The server's Windows version, or `null` when it could not be learned.
 * @param unknownVersionReason What to say when `version` is `null`.
 * @returns The lock state.
 */
export function lockStateFromFlags(
  sessionFlags: number,
  version: OsVersion | null,
  unknownVersionReason = "the server's Windows version is unknown",
): LockState {
  if (sessionFlags === WTS_SESSIONSTATE_UNKNOWN) {
    return { locked: null, reason: "Windows reports the lock state as unknown" };
  }
  if (sessionFlags !== WTS_SESSIONSTATE_LOCK && sessionFlags !== WTS_SESSIONSTATE_UNLOCK) {
    return { locked: null, reason: `Windows reported SessionFlags ${sessionFlags}` };
  }
  if (version === null) {
    return {
      locked: null,
      reason: `${unknownVersionReason}, and Windows 7 / Server 2008 R2 report it reversed`,
    };
  }
  const lockFlag = reversesLockFlags(version) ? WTS_SESSIONSTATE_UNLOCK : WTS_SESSIONSTATE_LOCK;
  return { locked: sessionFlags === lockFlag, reason: null };
}
