/**
 * How one session is read: its enumeration row (WTSEnumerateSessionsExW, or WTSEnumerateSessionsW
 * where Ex fails), the four per-session queries that add its user, client and times, and the
 * {@linkcode Session} built from both. `sessions.ts` decides which sessions and in which call
 * context; this file decodes.
 *
 * @module
 */

import { decodeWtsClientAddress } from "../ffi/client_address.ts";
import { callBool, decodeThenFree, freeBlock, OutBlock, tryBool } from "../ffi/call.ts";
import { wtsapi32 } from "../ffi/load.ts";
import { decodeWide } from "../ffi/utf16.ts";
import { WTSInfoClass, WTSTypeClass } from "../ffi/wtsapi32.ts";
import {
  decodeSessionInfo1W,
  decodeSessionInfoW,
  decodeWtsInfoW,
  type WtsInfo,
} from "../ffi/wts_structs.ts";
import type { CallContext } from "./_context.ts";
import { queryBlocking, queryOptional } from "./_query.ts";
import type { Session, SessionProtocol, SessionState } from "./sessions.ts";

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

export function sessionState(value: number): SessionState {
  return STATES[value] ?? "Unknown";
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

const decodeName = (bytes: Uint8Array) => decodeWide(bytes, 0, bytes.byteLength >>> 1);
const decodeAddress = (bytes: Uint8Array) => decodeWtsClientAddress(bytes).address;
const decodeUshort = (bytes: Uint8Array) => bytes.byteLength >= 2 ? bytes[0]! | bytes[1]! << 8 : 0;

export function detailsBlocking(handle: Deno.PointerValue, id: number): SessionDetails {
  return {
    info: queryBlocking(handle, id, WTSInfoClass.WTSSessionInfo, decodeWtsInfoW),
    clientName: queryBlocking(handle, id, WTSInfoClass.WTSClientName, decodeName),
    clientAddress: queryBlocking(handle, id, WTSInfoClass.WTSClientAddress, decodeAddress),
    protocol: queryBlocking(handle, id, WTSInfoClass.WTSClientProtocolType, decodeUshort),
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
export async function enumerateSessionRows(context: CallContext): Promise<SessionRow[]> {
  const wts = wtsapi32();
  const { handle } = context;
  const levelBytes = new Uint8Array(new Uint32Array([1]).buffer);
  const ex = new OutBlock();
  const freeEx = (block: Deno.PointerObject, count: number) =>
    wts.WTSFreeMemoryExW(WTSTypeClass.WTSTypeSessionInfoLevel1, block, count);
  let exOk: boolean;
  try {
    exOk = await tryBool(context, wts, "WTSEnumerateSessionsExW", [
      handle,
      levelBytes,
      0,
      ex.cellBytes,
      ex.numberBytes,
    ]);
  } catch (error) {
    freeBlock(ex, freeEx); // abandoned after a late success: the block is still ours to free
    throw error;
  }
  if (exOk) {
    return decodeThenFree(
      ex,
      [],
      (block, count) =>
        decodeSessionInfo1W(block, count).map((row) => ({
          id: row.sessionId,
          stationName: row.sessionName,
          state: row.state,
          user: row.userName,
          domain: row.domainName,
        })),
      freeEx,
    );
  }
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
