/**
 * Remote Desktop sessions, like `qwinsta`/`quser`, `tsdiscon` and `logoff`: list them with
 * their users, clients and times, look one up, find the current and console sessions, and
 * disconnect or log them off, on this server or a named one.
 *
 * Calls to the local server run on the main thread (they are fast, and their Win32 error is
 * exact). Calls to a named server run on Deno's FFI thread pool so a slow server never freezes
 * the event loop; see `_context.ts` for how their error codes are still reported honestly.
 *
 * @example Who is idle for more than an hour?
 * ```ts ignore
 * import { listSessions } from "../mod.ts";
 *
 * for (const session of await listSessions()) {
 *   if (session.user && (session.idleMs ?? 0) > 3_600_000) {
 *     console.log(session.id, session.user, session.state);
 *   }
 * }
 * ```
 *
 * @module
 */

import { callBoolBlocking, tryBool } from "../ffi/call.ts";
import { kernel32, wtsapi32 } from "../ffi/load.ts";
import { WTSInfoClass } from "../ffi/wtsapi32.ts";
import { decodeWtsInfoW } from "../ffi/wts_structs.ts";
import { type CallContext, checkDword, mapConcurrently, withContext } from "./_context.ts";
import { queryRequired } from "./_query.ts";
import {
  detailsBlocking,
  detailsNonblocking,
  enumerateSessionRows,
  type SessionDetails,
  type SessionRow,
  toSession,
} from "./_session_details.ts";
import { readLockState } from "./_lock_state.ts";
import { recheckSession, type SessionExpectation } from "./_recheck.ts";

export type { SessionExpectation } from "./_recheck.ts";

/** A session's connection state (`WTS_CONNECTSTATE_CLASS` 0 … 9), or `"Unknown"` beyond. */
export type SessionState =
  | "Active"
  | "Connected"
  | "ConnectQuery"
  | "Shadow"
  | "Disconnected"
  | "Idle"
  | "Listen"
  | "Reset"
  | "Down"
  | "Init"
  | "Unknown";

/** How the session's client connects (`WTSClientProtocolType` 0, 1, 2), or `"unknown"`. */
export type SessionProtocol = "console" | "ica" | "rdp" | "unknown";

/** One session on a Remote Desktop Session Host (or a workstation). */
export interface Session {
  /** `""` for the local server, else the server name given. */
  server: string;
  /** The session ID. */
  id: number;
  /** The WinStation name: `"Console"`, `"RDP-Tcp#3"`, `"Services"`, or `""`. */
  stationName: string;
  /** The connection state. */
  state: SessionState;
  /** The logged-on user, `""` when none. */
  user: string;
  /** The user's domain, `""` when none. */
  domain: string;
  /** The client computer's name, `""` when none or unknown. */
  clientName: string;
  /** The client's IPv4 or IPv6 address as text, or `null` when none or unknown. */
  clientAddress: string | null;
  /** The client's protocol. */
  protocol: SessionProtocol;
  /** When the client last connected. */
  connectTime: Date | null;
  /** When the client last disconnected. */
  disconnectTime: Date | null;
  /** When the user last gave input. */
  lastInputTime: Date | null;
  /** When the user logged on. */
  logonTime: Date | null;
  /**
   * Milliseconds without input: the server's current time minus `lastInputTime`, or, for a
   * disconnected session (Windows then reports no last input), minus `disconnectTime`, as
   * quser shows it. `null` when Windows reports neither.
   */
  idleMs: number | null;
  /**
   * Whether the session's desktop is locked (WTSSessionInfoEx), read by
   * {@linkcode getSession} and by `listSessions({ lockState: true })`; `null` when unknown or
   * not read, with the reason in `lockedReason`.
   */
  locked: boolean | null;
  /** Why `locked` is `null`; `null` when it is known. */
  lockedReason: string | null;
}

/** Which server to ask: omitted, undefined or `""` means this one. */
export interface ServerOption {
  /** The server's name (NetBIOS, DNS or IP address). */
  server?: string;
}

/** Options of {@linkcode disconnectSession} and {@linkcode logoffSession}. */
export interface SessionActionOptions extends ServerOption {
  /** Return only once the operation has completed (`bWait`); default false. */
  wait?: boolean;
  /**
   * What the session must still be: it is re-read just before the call, and a
   * {@linkcode TargetChangedError} is thrown (nothing done) when it differs or is gone.
   */
  expect?: SessionExpectation;
}

/** How many per-session queries one server gets at once on the nonblocking path. */
const QUERY_CONCURRENCY = 8;

async function listSessionsIn(context: CallContext, lockState: boolean): Promise<Session[]> {
  const rows = await enumerateSessionRows(context);
  const { handle, server } = context;
  let sessions: Session[];
  if (!context.nonblocking) {
    sessions = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      // Rows from WTSEnumerateSessionsExW carry user and domain: WTSINFOW's names are not read.
      sessions[i] = toSession(server, row, detailsBlocking(handle, row.id, row.user === undefined));
    }
  } else {
    const details = await mapConcurrently(
      rows,
      QUERY_CONCURRENCY / 4,
      (row) => detailsNonblocking(context, row.id),
    );
    sessions = rows.map((row, i) => toSession(server, row, details[i]!));
  }
  if (lockState) {
    const locks = await mapConcurrently(
      sessions,
      QUERY_CONCURRENCY,
      (session) => readLockState(context, session.id),
    );
    sessions.forEach((session, i) => {
      session.locked = locks[i]!.locked;
      session.lockedReason = locks[i]!.reason;
    });
  }
  return sessions;
}

/** Options of {@linkcode listSessions}. */
export interface ListSessionsOptions extends ServerOption {
  /**
   * Also read every session's lock state (one more WTSQuerySessionInformationW per session:
   * measured against the doubles, 1,000 local sessions took 31 ms instead of 20 ms, and on a
   * remote server it is one more round trip per session); default false, which leaves
   * `locked` `null` with the reason.
   */
  lockState?: boolean;
}

/**
 * Every session on the server, with its user, client and times.
 *
 * One enumeration (WTSEnumerateSessionsExW, falling back to WTSEnumerateSessionsW), then four
 * WTSQuerySessionInformationW calls per session (WTSSessionInfo for the times, WTSClientName,
 * WTSClientAddress, WTSClientProtocolType). A query that fails for one session (listener
 * sessions answer ERROR_NOT_SUPPORTED for some) leaves its fields empty or `null` instead of
 * failing the list. Every buffer is freed before the promise settles.
 *
 * @example Sessions of this server
 * ```ts ignore
 * import { listSessions } from "../mod.ts";
 *
 * for (const s of await listSessions()) console.log(s.id, s.stationName, s.state, s.user);
 * ```
 *
 * @example Sessions of another server
 * ```ts ignore
 * import { listSessions } from "../mod.ts";
 *
 * const sessions = await listSessions({ server: "rdsh01" });
 * console.log(sessions.filter((s) => s.state === "Disconnected").length, "disconnected");
 * ```
 *
 * @param options The server (omit for this one), and `lockState` to read every lock state.
 * @returns The sessions, in the server's order.
 * @throws {WindowsError} When the server cannot be reached or refuses (RPC_S_SERVER_UNAVAILABLE,
 * ERROR_ACCESS_DENIED).
 */
export function listSessions(options?: ListSessionsOptions): Promise<Session[]> {
  return withContext(options, (context) => listSessionsIn(context, options?.lockState ?? false));
}

async function getSessionIn(context: CallContext, id: number): Promise<Session> {
  checkDword(id, "session id");
  const info = await queryRequired(context, id, WTSInfoClass.WTSSessionInfo, decodeWtsInfoW);
  const row: SessionRow = {
    id: info.sessionId,
    stationName: info.winStationName,
    state: info.state,
  };
  let details: SessionDetails;
  if (!context.nonblocking) {
    details = detailsBlocking(context.handle, id);
    details.info = info;
  } else {
    details = await detailsNonblocking(context, id, info);
  }
  const session = toSession(context.server, row, details);
  const lock = await readLockState(context, id);
  session.locked = lock.locked;
  session.lockedReason = lock.reason;
  return session;
}

/**
 * One session, by ID.
 *
 * @example
 * ```ts ignore
 * import { currentSessionId, getSession } from "../mod.ts";
 *
 * const me = await getSession(currentSessionId());
 * console.log(me.user, me.clientName, me.clientAddress);
 * ```
 *
 * @param id The session ID.
 * @param options The server; omit for this one.
 * @returns The session.
 * @throws {WindowsError} ERROR_CTX_WINSTATION_NOT_FOUND (7022) for an unknown ID.
 */
export function getSession(id: number, options?: ServerOption): Promise<Session> {
  return withContext(options, (context) => getSessionIn(context, id));
}

/**
 * The ID of the session this process runs in (ProcessIdToSessionId of the current process).
 *
 * @example
 * ```ts ignore
 * import { currentSessionId } from "../mod.ts";
 *
 * console.log(`running in session ${currentSessionId()}`);
 * ```
 *
 * @returns The session ID.
 * @throws {WindowsError} If Windows cannot tell (ProcessIdToSessionId failed).
 */
export function currentSessionId(): number {
  const k32 = kernel32();
  const id = new Uint32Array(1);
  callBoolBlocking(k32, "ProcessIdToSessionId", [
    k32.GetCurrentProcessId(),
    new Uint8Array(id.buffer),
  ]);
  return id[0]!;
}

/**
 * The session attached to the physical console (WTSGetActiveConsoleSessionId), or `null` while
 * none is (during a console session switch).
 *
 * @example
 * ```ts ignore
 * import { activeConsoleSessionId } from "../mod.ts";
 *
 * console.log(activeConsoleSessionId() ?? "no console session");
 * ```
 *
 * @returns The session ID, or `null`.
 */
export function activeConsoleSessionId(): number | null {
  const id = kernel32().WTSGetActiveConsoleSessionId();
  return id === 0xffff_ffff ? null : id;
}

type SessionActionName = "WTSDisconnectSession" | "WTSLogoffSession";

/**
 * Disconnect and logoff. Without `wait`, the request is one quick blocking call whose error is
 * exact. With `wait` it may take long (a logoff waits for applications to close), so it runs on
 * the thread pool; if it fails there, the request is repeated once on the main thread without
 * waiting, which reports the real error (the usual failures, access denied or an unknown
 * session, happen before anything is done, so the repeat fails the same way). If that repeat
 * succeeds, the request has been made and the operation proceeds, so the call succeeds too.
 */
async function sessionAction(
  context: CallContext,
  functionName: SessionActionName,
  id: number,
  options: SessionActionOptions | undefined,
): Promise<void> {
  checkDword(id, "session id");
  if (options?.expect !== undefined) await recheckSession(context, id, options.expect);
  const wts = wtsapi32();
  if (options?.wait) {
    // With `wait` the request always goes to the pool, whatever the context (it may take
    // long); a request once decided on is never skipped as abandoned.
    const waited = { server: context.server, nonblocking: true, abandoned: false };
    if (await tryBool(waited, wts, functionName, [context.handle, id, 1])) return;
  }
  callBoolBlocking(wts, functionName, [context.handle, id, 0]);
}

/**
 * Disconnects a session (WTSDisconnectSession): the user stays logged on and can reconnect.
 *
 * @example
 * ```ts ignore
 * import { disconnectSession } from "../mod.ts";
 *
 * await disconnectSession(3, { server: "rdsh01", wait: true });
 * ```
 *
 * @param id The session ID.
 * @param options `wait` for completion (`bWait`), the server, and what to `expect`.
 * @returns When the request was made (or, with `wait`, completed).
 * @throws {WindowsError} ERROR_CTX_WINSTATION_NOT_FOUND, ERROR_ACCESS_DENIED, …
 * @throws {TargetChangedError} With `expect`, when the session changed or is gone.
 */
export function disconnectSession(id: number, options?: SessionActionOptions): Promise<void> {
  return withContext(
    options,
    (context) => sessionAction(context, "WTSDisconnectSession", id, options),
  );
}

/**
 * Logs a session off (WTSLogoffSession): its applications are closed, unsaved work is lost.
 *
 * @example
 * ```ts ignore
 * import { logoffSession } from "../mod.ts";
 *
 * await logoffSession(7, { wait: true });
 * ```
 *
 * @param id The session ID.
 * @param options `wait` for completion (`bWait`), the server, and what to `expect`.
 * @returns When the request was made (or, with `wait`, completed).
 * @throws {WindowsError} ERROR_CTX_WINSTATION_NOT_FOUND, ERROR_ACCESS_DENIED, …
 * @throws {TargetChangedError} With `expect`, when the session changed or is gone.
 */
export function logoffSession(id: number, options?: SessionActionOptions): Promise<void> {
  return withContext(
    options,
    (context) => sessionAction(context, "WTSLogoffSession", id, options),
  );
}
