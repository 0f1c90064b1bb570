/**
 * The re-check before a destructive call: what the caller expects its target to be (what it
 * showed in a confirmation) against the target re-read just before the call, so a session id
 * now used by another user, or a process id now used by another program, is never acted on.
 *
 * Between a confirmation and the act there can be an hour (a prompt left open); session ids and
 * process ids are both reused once their session or process is gone. For processes, Windows' own
 * answer is the pair (pid, creation time): RM_UNIQUE_PROCESS "uniquely identifies a process by
 * its PID and the time the process began", the time being GetProcessTimes' lpCreationTime
 * (https://learn.microsoft.com/windows/win32/api/restartmanager/ns-restartmanager-rm_unique_process).
 * For sessions no such key is documented; a reused id carries another logon, so the user,
 * domain and logon time together stand in for it. The re-read costs one query (one enumeration
 * for a process); the call it guards cannot be undone. What remains is the window between the
 * re-read and the call itself, one round trip, which Windows offers no way to close.
 *
 * @module
 */

import {
  clearLastError,
  ERROR_CTX_WINSTATION_NOT_FOUND,
  type TargetChange,
  TargetChangedError,
  WindowsError,
} from "../ffi/errors.ts";
import { fileTimeToDate } from "../ffi/filetime.ts";
import { WCHAR_ARRAY_LENGTHS } from "../ffi/layouts.ts";
import { kernel32 } from "../ffi/load.ts";
import { decodeWtsInfoW } from "../ffi/wts_structs.ts";
import { type CallContext, queryRequired, WTSInfoClass } from "./_context.ts";
import type { ProcessInfo } from "./processes.ts";

/**
 * What a session must still be for {@linkcode disconnectSession} or {@linkcode logoffSession}
 * to act on it; omitted fields are not compared. Pass what the user confirmed.
 */
export interface SessionExpectation {
  /** The user (`""` for a session without one); compared case-insensitively, as Windows does. */
  user?: string;
  /** The user's domain; compared case-insensitively. */
  domain?: string;
  /** When the user logged on (`null` for none): a reused id has a new logon time. */
  logonTime?: Date | null;
}

/**
 * What a process must still be for {@linkcode terminateProcess} to end it; omitted fields are
 * not compared. Pass what the user confirmed.
 */
export interface ProcessExpectation {
  /** The image name, such as `"notepad.exe"`; compared case-insensitively. */
  name?: string;
  /** The session it runs in. */
  sessionId?: number;
  /** The user's SID as text, or `null` for none. */
  userSid?: string | null;
  /**
   * When it started, from {@linkcode localProcessStartTime}: the one field that tells a reused
   * pid of the same program apart. Local server only (Windows gives no start time remotely).
   */
  startTime?: Date;
}

const where = (context: CallContext) => context.server === "" ? "" : ` on ${context.server}`;
const text = (value: string | null) => value === null ? "none" : value === "" ? '""' : value;
const time = (value: Date | null) => value === null ? "none" : value.toISOString();

/**
 * Names from WTSINFOW's fixed arrays (UserName holds 20 characters, Domain 16) are cut there,
 * while a caller may expect the full name from WTSEnumerateSessionsExW: a cut name that is the
 * start of the expected one is the same name. Windows account names are case-insensitive.
 */
function sameName(expected: string, actual: string, capacity: number): boolean {
  const e = expected.toLowerCase();
  const a = actual.toLowerCase();
  return e === a || (a.length === capacity - 1 && e.startsWith(a));
}

/**
 * Re-reads session `id` (WTSSessionInfo, one query) and throws a {@linkcode TargetChangedError}
 * when it differs from `expect` or is gone; any other failure of the query is thrown as is.
 */
export async function recheckSession(
  context: CallContext,
  id: number,
  expect: SessionExpectation,
): Promise<void> {
  const target = `session ${id}${where(context)}`;
  let info;
  try {
    info = await queryRequired(context, id, WTSInfoClass.WTSSessionInfo, decodeWtsInfoW);
  } catch (error) {
    if (error instanceof WindowsError && error.code === ERROR_CTX_WINSTATION_NOT_FOUND) {
      throw new TargetChangedError(target, [
        { field: "session", expected: "present", actual: "gone" },
      ]);
    }
    throw error;
  }
  const changes: TargetChange[] = [];
  if (
    expect.user !== undefined &&
    !sameName(expect.user, info.userName, WCHAR_ARRAY_LENGTHS.WTSINFO_USERNAME)
  ) {
    changes.push({ field: "user", expected: text(expect.user), actual: text(info.userName) });
  }
  if (
    expect.domain !== undefined &&
    !sameName(expect.domain, info.domain, WCHAR_ARRAY_LENGTHS.WTSINFO_DOMAIN)
  ) {
    changes.push({ field: "domain", expected: text(expect.domain), actual: text(info.domain) });
  }
  if (
    expect.logonTime !== undefined &&
    (expect.logonTime?.getTime() ?? null) !== (info.logonTime?.getTime() ?? null)
  ) {
    changes.push({
      field: "logonTime",
      expected: time(expect.logonTime),
      actual: time(info.logonTime),
    });
  }
  if (changes.length > 0) throw new TargetChangedError(target, changes);
}

/**
 * Re-reads process `pid` (one enumeration through `list`, plus its start time locally) and
 * throws a {@linkcode TargetChangedError} when it differs from `expect` or is gone.
 */
export async function recheckProcess(
  context: CallContext,
  pid: number,
  expect: ProcessExpectation,
  list: () => Promise<ProcessInfo[]>,
): Promise<void> {
  if (expect.startTime !== undefined && context.server !== "") {
    throw new TypeError(
      "expect.startTime can only be checked on the local server (Windows gives no start time " +
        "of a remote process)",
    );
  }
  const target = `process ${pid}${where(context)}`;
  const found = (await list()).find((process) => process.pid === pid);
  if (found === undefined) {
    throw new TargetChangedError(target, [
      { field: "process", expected: "running", actual: "gone" },
    ]);
  }
  const changes: TargetChange[] = [];
  if (expect.name !== undefined && expect.name.toLowerCase() !== found.name.toLowerCase()) {
    changes.push({ field: "name", expected: expect.name, actual: found.name });
  }
  if (expect.sessionId !== undefined && expect.sessionId !== found.sessionId) {
    changes.push({
      field: "sessionId",
      expected: String(expect.sessionId),
      actual: String(found.sessionId),
    });
  }
  if (expect.userSid !== undefined && expect.userSid !== found.userSid) {
    changes.push({ field: "userSid", expected: text(expect.userSid), actual: text(found.userSid) });
  }
  if (expect.startTime !== undefined) {
    const started = localProcessStartTime(pid);
    if (started?.getTime() !== expect.startTime.getTime()) {
      changes.push({
        field: "startTime",
        expected: time(expect.startTime),
        actual: started === null ? "unreadable" : time(started),
      });
    }
  }
  if (changes.length > 0) throw new TargetChangedError(target, changes);
}

/** `PROCESS_QUERY_LIMITED_INFORMATION`: enough for GetProcessTimes, granted more often. */
const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;

/**
 * When a process of this computer started (OpenProcess + GetProcessTimes' creation time), or
 * `null` when it cannot be opened (gone, or protected: access denied). With the pid, the start
 * time identifies a process: a pid is reused only after its process ended.
 *
 * @example Pass it to terminateProcess so a reused pid is never ended
 * ```ts ignore
 * import { localProcessStartTime, terminateProcess } from "../mod.ts";
 *
 * const startTime = localProcessStartTime(4242);
 * // … ask the user …
 * await terminateProcess(4242, { expect: { name: "notepad.exe", startTime: startTime! } });
 * ```
 *
 * @param pid The process ID.
 * @returns The start time, or `null`.
 */
export function localProcessStartTime(pid: number): Date | null {
  const k32 = kernel32();
  clearLastError();
  const handle = k32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
  if (handle === null) return null;
  try {
    const times = new BigUint64Array(4);
    const ok = k32.GetProcessTimes(
      handle,
      times.subarray(0, 1),
      times.subarray(1, 2),
      times.subarray(2, 3),
      times.subarray(3, 4),
    );
    return ok === 0 ? null : fileTimeToDate(times[0]!);
  } finally {
    k32.CloseHandle(handle);
  }
}
