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

import { clearLastError, WindowsError } from "../ffi/errors.ts";
import { kernel32, wtsapi32 } from "../ffi/load.ts";
import { decodeWide } from "../ffi/utf16.ts";
import {
  decodeSessionInfo1W,
  decodeSessionInfoW,
  decodeWtsInfoW,
  type WtsInfo,
} from "../ffi/wts_structs.ts";
import {
  type CallContext,
  callIdempotent,
  callOnce,
  checkDword,
  mapConcurrently,
  OutBlock,
  queryBlocking,
  queryOptional,
  queryRequired,
  withContext,
  WTSInfoClass,
  WTSTypeSessionInfoLevel1,
} from "./_context.ts";
import { recheckSession, type SessionExpectation } from "./_recheck.ts";

import { decodeWtsClientAddress } from "../ffi/client_address.ts";
import { readLockState } from "./_lock_state.ts";

export { NonblockingCallError } from "./_context.ts";
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

const STATES: readonly SessionState[] = [
  "Active",
  "Connected",
  "ConnectQuery",
  "Shadow",
  "Disconnected",
  "Idle",
  "Listen",
  "Reset",
  "Down",
  "Init",
];

const PROTOCOLS: readonly SessionProtocol[] = ["console", "ica", "rdp"];

/** `WTSDisconnected`. */
const WTS_DISCONNECTED = 4;

/** How many per-session queries one server gets at once on the nonblocking path. */
const QUERY_CONCURRENCY = 8;

function sessionState(value: number): SessionState {
  return STATES[value] ?? "Unknown";
}

/** What an enumeration row tells about a session before the per-session queries. */
interface SessionRow {
  id: number;
  stationName: string;
  state: number;
  /** From WTSEnumerateSessionsExW (full length); undefined on the fallback path. */
  user?: string;
  domain?: string;
}

/** What the per-session queries add; each field stays empty when its query fails. */
interface SessionDetails {
  info: WtsInfo | undefined;
  clientName: string | undefined;
  clientAddress: string | null | undefined;
  protocol: number | undefined;
}

const decodeName = (bytes: Uint8Array) => decodeWide(bytes, 0, bytes.byteLength >>> 1);
const decodeAddress = (bytes: Uint8Array) => decodeWtsClientAddress(bytes).address;
const decodeUshort = (bytes: Uint8Array) => bytes.byteLength >= 2 ? bytes[0]! | bytes[1]! << 8 : 0;

function detailsBlocking(handle: Deno.PointerValue, id: number): SessionDetails {
  return {
    info: queryBlocking(handle, id, WTSInfoClass.WTSSessionInfo, decodeWtsInfoW),
    clientName: queryBlocking(handle, id, WTSInfoClass.WTSClientName, decodeName),
    clientAddress: queryBlocking(handle, id, WTSInfoClass.WTSClientAddress, decodeAddress),
    protocol: queryBlocking(handle, id, WTSInfoClass.WTSClientProtocolType, decodeUshort),
  };
}

async function detailsNonblocking(
  context: CallContext,
  id: number,
  knownInfo?: WtsInfo,
): Promise<SessionDetails> {
  const [info, clientName, clientAddress, protocol] = await Promise.all([
    knownInfo ?? queryOptional(context, id, WTSInfoClass.WTSSessionInfo, decodeWtsInfoW),
    queryOptional(context, id, WTSInfoClass.WTSClientName, decodeName),
    queryOptional(context, id, WTSInfoClass.WTSClientAddress, decodeAddress),
    queryOptional(context, id, WTSInfoClass.WTSClientProtocolType, decodeUshort),
  ].map((query) => Promise.resolve(query).catch((error: unknown) => error)));
  // Settle all four before rethrowing (an abandoned chain still frees every block).
  for (const value of [info, clientName, clientAddress, protocol]) {
    if (value instanceof Error) throw value;
  }
  return { info, clientName, clientAddress, protocol } as SessionDetails;
}

function toSession(server: string, row: SessionRow, details: SessionDetails): Session {
  const info = details.info;
  return {
    server,
    id: row.id,
    stationName: row.stationName,
    state: sessionState(row.state),
    user: row.user ?? info?.userName ?? "",
    domain: row.domain ?? info?.domain ?? "",
    clientName: details.clientName ?? "",
    clientAddress: details.clientAddress ?? null,
    protocol: PROTOCOLS[details.protocol ?? -1] ?? "unknown",
    connectTime: info?.connectTime ?? null,
    disconnectTime: info?.disconnectTime ?? null,
    lastInputTime: info?.lastInputTime ?? null,
    logonTime: info?.logonTime ?? null,
    idleMs: idleMilliseconds(row.state, info),
    locked: null,
    lockedReason: "not read: pass lockState: true to listSessions, or use getSession",
  };
}

/**
 * Milliseconds without input: CurrentTime − LastInputTime; for a disconnected session, whose
 * LastInputTime Windows reports as 0, CurrentTime − DisconnectTime. That is what quser's IDLE
 * TIME shows for a disconnected session, and what Cassia changed its IdleTime to (issue #7,
 * "report time disconnected as well"). Both times come from the server's one WTSINFO answer,
 * so clock skew between the caller and the server does not enter.
 */
function idleMilliseconds(state: number, info: WtsInfo | undefined): number | null {
  const now = info?.currentTime ?? null;
  if (info === undefined || now === null) return null;
  const since = info.lastInputTime ??
    (state === WTS_DISCONNECTED ? info.disconnectTime : null);
  return since === null ? null : Math.max(0, now.getTime() - since.getTime());
}

/**
 * The sessions' rows: WTSEnumerateSessionsExW at level 1 (full-length user and domain names),
 * or WTSEnumerateSessionsW when Ex fails (Wine 10 does not implement it; some older servers
 * refuse it), in which case user and domain come from the per-session WTSSessionInfo query.
 */
async function enumerateSessionRows(context: CallContext): Promise<SessionRow[]> {
  const wts = wtsapi32();
  const { handle } = context;
  const level = new Uint32Array([1]);
  const levelBytes = new Uint8Array(level.buffer);
  const ex = new OutBlock();
  const exOk = await callOnce(
    context,
    () => wts.WTSEnumerateSessionsExW(handle, levelBytes, 0, ex.cellBytes, ex.numberBytes),
    () => wts.WTSEnumerateSessionsExWAsync(handle, levelBytes, 0, ex.cellBytes, ex.numberBytes),
  ).catch((error) => {
    // An abandoned chain may still have received a block: free it before giving up.
    freeSessionInfo1(ex);
    throw error;
  });
  if (exOk) {
    const block = ex.pointer();
    if (block === null) return [];
    const count = ex.number[0]!;
    try {
      return decodeSessionInfo1W(block, count).map((row) => ({
        id: row.sessionId,
        stationName: row.sessionName,
        state: row.state,
        user: row.userName,
        domain: row.domainName,
      }));
    } finally {
      wts.WTSFreeMemoryExW(WTSTypeSessionInfoLevel1, block, count);
    }
  }
  const plain = new OutBlock();
  await callIdempotentEnumerate(context, plain);
  const block = plain.pointer();
  if (block === null) return [];
  try {
    return decodeSessionInfoW(block, plain.number[0]!).map((row) => ({
      id: row.sessionId,
      stationName: row.winStationName,
      state: row.state,
    }));
  } finally {
    wts.WTSFreeMemory(block);
  }
}

function freeSessionInfo1(out: OutBlock): void {
  const block = out.pointer();
  if (block !== null) {
    wtsapi32().WTSFreeMemoryExW(WTSTypeSessionInfoLevel1, block, out.number[0]!);
    out.cell[0] = 0n;
  }
}

async function callIdempotentEnumerate(context: CallContext, out: OutBlock): Promise<void> {
  const wts = wtsapi32();
  await callIdempotent(
    context,
    "WTSEnumerateSessionsW",
    () => wts.WTSEnumerateSessionsW(context.handle, 0, 1, out.cellBytes, out.numberBytes),
    () => wts.WTSEnumerateSessionsWAsync(context.handle, 0, 1, out.cellBytes, out.numberBytes),
  );
}

async function listSessionsIn(context: CallContext, lockState: boolean): Promise<Session[]> {
  const rows = await enumerateSessionRows(context);
  const { handle, server } = context;
  let sessions: Session[];
  if (!context.nonblocking) {
    sessions = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      sessions[i] = toSession(server, row, detailsBlocking(handle, row.id));
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
  clearLastError();
  if (k32.ProcessIdToSessionId(k32.GetCurrentProcessId(), new Uint8Array(id.buffer)) === 0) {
    throw WindowsError.fromLastError("ProcessIdToSessionId");
  }
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
  const wait = options?.wait ?? false;
  const wts = wtsapi32();
  const blocking = functionName === "WTSDisconnectSession"
    ? wts.WTSDisconnectSession
    : wts.WTSLogoffSession;
  if (wait) {
    const nonblocking = functionName === "WTSDisconnectSession"
      ? wts.WTSDisconnectSessionAsync
      : wts.WTSLogoffSessionAsync;
    if ((await nonblocking(context.handle, id, 1)) !== 0) return;
  }
  clearLastError();
  if (blocking(context.handle, id, 0) === 0) throw WindowsError.fromLastError(functionName);
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
