/**
 * How one session is read: its enumeration row (WTSEnumerateSessionsExW, or WTSEnumerateSessionsW
 * where Ex fails), the four per-session queries that add its user, client and times, and the
 * {@linkcode Session} built from both. `sessions.ts` decides which sessions and in which call
 * context; this file decodes.
 *
 * @module
 */

import { decodeClientAddress, decodeWtsClientAddress } from "../ffi/client_address.ts";
import { WTS_CLIENT_ADDRESS } from "../ffi/layouts.ts";
import { callBool, decodeThenFree, OutBlock } from "../ffi/call.ts";
import { wtsapi32 } from "../ffi/load.ts";
import { decodeWideUnits } from "../ffi/utf16.ts";
import { WTSInfoClass, WTSTypeClass } from "../ffi/wtsapi32.ts";
import {
  decodeSessionInfo1W,
  decodeSessionInfoW,
  decodeWtsInfoW,
  type WtsInfo,
} from "../ffi/wts_structs.ts";
import type { CallContext } from "./_context.ts";
import { enumerateLevel1, queryOptional, SessionQueries } from "./_query.ts";
import type { Session, SessionProtocol, SessionState } from "./sessions.ts";

/**
 * The `WTS_CONNECTSTATE_CLASS` names, indexed by value (wtsapi32.h): the one list, used to
 * decode a session's state here and to parse a `--state` filter in `targets.ts`.
 */
export const SESSION_STATES: readonly SessionState[] = [
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

/** The name of a `WTS_CONNECTSTATE_CLASS` value; `"Unknown"` for one this list lacks. */
export function sessionState(value: number): SessionState {
  return SESSION_STATES[value] ?? "Unknown";
}

/** What an enumeration row tells about a session before the per-session queries. */
export interface SessionRow {
  id: number;
  stationName: string;
  state: number;
  /** From WTSEnumerateSessionsExW (full length); undefined on the fallback path. */
  user?: string;
  domain?: string;
}

/** What the per-session queries add; each field stays empty when its query fails. */
export interface SessionDetails {
  info: WtsInfo | undefined;
  clientName: string | undefined;
  clientAddress: string | null | undefined;
  protocol: number | undefined;
}

// Decoders of the scratch a query result is copied into (see ScratchDecoder in _query.ts):
// they read the reused views, so a query allocates nothing beyond the value it returns.
const decodeName = (bytes: Uint8Array, _view: DataView, units: Uint16Array) =>
  decodeWideUnits(units, 0, bytes.byteLength >>> 1);
/** `Address` of the scratch's WTS_CLIENT_ADDRESS, made again only when the scratch grows. */
let addressField: Uint8Array | undefined;
/**
 * The WTSClientAddress result as text, by the one decode of its bytes (ffi/client_address.ts,
 * with the KB951422 evidence on where the address starts): the family from the reused view
 * and `Address` from a reused subarray, not a fresh view, subarray and object per session.
 */
function decodeAddress(bytes: Uint8Array, view: DataView): string | null {
  const { size, offsets } = WTS_CLIENT_ADDRESS;
  if (bytes.byteLength < size) return decodeWtsClientAddress(bytes).address; // its RangeError
  if (
    addressField?.buffer !== bytes.buffer ||
    addressField.byteOffset !== bytes.byteOffset + offsets.Address
  ) {
    addressField = new Uint8Array(
      bytes.buffer,
      bytes.byteOffset + offsets.Address,
      size - offsets.Address,
    );
  }
  return decodeClientAddress(view.getUint32(offsets.AddressFamily, true), addressField);
}
/** WTSINFOW without its three names, for rows that carry them (see `decodeWtsInfoW`). */
const decodeTimesW = (bytes: Uint8Array, view: DataView, units: Uint16Array) =>
  decodeWtsInfoW(bytes, view, units, false);
const decodeUshort = (bytes: Uint8Array) => bytes.byteLength >= 2 ? bytes[0]! | bytes[1]! << 8 : 0;

/** The queries of the listing under way, reused while the handle and the symbols stay the same. */
let queries: { handle: Deno.PointerValue; symbols: object; queries: SessionQueries } | undefined;

function sessionQueries(handle: Deno.PointerValue): SessionQueries {
  const symbols = wtsapi32();
  if (queries === undefined || queries.handle !== handle || queries.symbols !== symbols) {
    queries = { handle, symbols, queries: new SessionQueries(handle) };
  }
  return queries.queries;
}

/**
 * The four queries of session `id` on the main thread, the same four the C loop makes
 * (bench/c/sessions_baseline.c): WTSINFOW, client name, client address, protocol.
 */
export function detailsBlocking(
  handle: Deno.PointerValue,
  id: number,
  names = true,
): SessionDetails {
  const query = sessionQueries(handle);
  return {
    info: query.query(id, WTSInfoClass.WTSSessionInfo, names ? decodeWtsInfoW : decodeTimesW),
    clientName: query.query(id, WTSInfoClass.WTSClientName, decodeName),
    clientAddress: query.query(id, WTSInfoClass.WTSClientAddress, decodeAddress),
    protocol: query.query(id, WTSInfoClass.WTSClientProtocolType, decodeUshort),
  };
}

export async function detailsNonblocking(
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

export function toSession(server: string, row: SessionRow, details: SessionDetails): Session {
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
  const now = info?.currentTimeMs ?? null;
  if (info === undefined || now === null) return null;
  const since = info.lastInputTime ??
    (state === WTS_DISCONNECTED ? info.disconnectTime : null);
  return since === null ? null : Math.max(0, now - since.getTime());
}

/**
 * The sessions' rows: WTSEnumerateSessionsExW at level 1 (full-length user and domain names),
 * or WTSEnumerateSessionsW when Ex fails (Wine 10 does not implement it; some older servers
 * refuse it), in which case user and domain come from the per-session WTSSessionInfo query.
 */
export async function enumerateSessionRows(context: CallContext): Promise<SessionRow[]> {
  const wts = wtsapi32();
  const { handle } = context;
  const exRows = await enumerateLevel1(
    context,
    "WTSEnumerateSessionsExW",
    0, // Filter: reserved, must be 0
    WTSTypeClass.WTSTypeSessionInfoLevel1,
    (block, count) =>
      decodeSessionInfo1W(block, count).map((row) => ({
        id: row.sessionId,
        stationName: row.sessionName,
        state: row.state,
        user: row.userName,
        domain: row.domainName,
      })),
  );
  if (exRows !== undefined) return exRows;
  const plain = new OutBlock();
  await callBool(context, wts, "WTSEnumerateSessionsW", [
    handle,
    0,
    1,
    plain.cellBytes,
    plain.numberBytes,
  ]);
  return decodeThenFree(
    plain,
    [],
    (block, count) =>
      decodeSessionInfoW(block, count).map((row) => ({
        id: row.sessionId,
        stationName: row.winStationName,
        state: row.state,
      })),
    wts.WTSFreeMemory,
  );
}
