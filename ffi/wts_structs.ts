/**
 * Decoders for the structs wtsapi32.dll returns, from the layouts in `layouts.ts`.
 *
 * Arrays (`WTSEnumerate*`) are decoded from ONE `UnsafePointerView.getArrayBuffer` over the
 * whole block plus a `DataView`, never one native view per row or field; the strings they point
 * to are read a column at a time with `readWideColumn` (one copy of the packed string area
 * when Windows packed the strings after the array, as it does; else one `readWide` each). The caller frees the
 * block (`WTSFreeMemory`/`WTSFreeMemoryExW`) after decoding: nothing returned here refers to it.
 *
 * The process arrays are decoded in `wts_process_rows.ts`. Fixed-size structs
 * (`WTSQuerySessionInformationW` classes) are decoded from bytes the caller
 * already copied out of the returned buffer. Client addresses are decoded in
 * `client_address.ts`, lock state in `wts_lock.ts`.
 *
 * @module
 */

import {
  WCHAR_ARRAY_LENGTHS,
  WTS_SERVER_INFOW,
  WTS_SESSION_INFO_1W,
  WTS_SESSION_INFOW,
  WTSCLIENTW,
  WTSINFOW,
} from "./layouts.ts";
import { AF_INET, AF_INET6, formatIpv6 } from "./client_address.ts";
import { fileTimeDwordsToDate, fileTimeDwordsToUnixMs } from "./filetime.ts";
import { decodeWide, decodeWideUnits } from "./utf16.ts";
import { readWideColumn } from "./wide_column.ts";

/** One `WTS_SESSION_INFOW`. */
export interface SessionInfoRow {
  /** `SessionId`. */
  sessionId: number;
  /** `pWinStationName`, such as `"Console"` or `"RDP-Tcp#3"`. */
  winStationName: string;
  /** `State`: a `WTS_CONNECTSTATE_CLASS` value. */
  state: number;
}

/** One `WTS_SESSION_INFO_1W`. */
export interface SessionInfo1Row {
  /** `ExecEnvId`. */
  execEnvId: number;
  /** `State`: a `WTS_CONNECTSTATE_CLASS` value. */
  state: number;
  /** `SessionId`. */
  sessionId: number;
  /** `pSessionName`. */
  sessionName: string;
  /** `pHostName`. */
  hostName: string;
  /** `pUserName`. */
  userName: string;
  /** `pDomainName`. */
  domainName: string;
  /** `pFarmName`. */
  farmName: string;
}

/** One `WTS_SERVER_INFOW`. */
export interface ServerInfoRow {
  /** `pServerName`. */
  serverName: string;
}

/** `WTSINFOW`, the `WTSSessionInfo` class. */
export interface WtsInfo {
  /** `State`: a `WTS_CONNECTSTATE_CLASS` value. */
  state: number;
  /** `SessionId`. */
  sessionId: number;
  /** `IncomingBytes`. */
  incomingBytes: number;
  /** `OutgoingBytes`. */
  outgoingBytes: number;
  /** `IncomingFrames`. */
  incomingFrames: number;
  /** `OutgoingFrames`. */
  outgoingFrames: number;
  /** `IncomingCompressedBytes`. */
  incomingCompressedBytes: number;
  /** `OutgoingCompressedBytes`. */
  outgoingCompressedBytes: number;
  /** `WinStationName`. */
  winStationName: string;
  /** `Domain`. */
  domain: string;
  /** `UserName`. */
  userName: string;
  /** `ConnectTime`, or `null` if never. */
  connectTime: Date | null;
  /** `DisconnectTime`, or `null` if never. */
  disconnectTime: Date | null;
  /** `LastInputTime`, or `null` if none. */
  lastInputTime: Date | null;
  /** `LogonTime`, or `null` if nobody is logged on. */
  logonTime: Date | null;
  /** `CurrentTime`: the server's clock when it answered, in ms since 1970 (only subtracted:
   * no `Date` made). */
  currentTimeMs: number | null;
}

/** `WTSCLIENTW`, the `WTSClientInfo` class. */
export interface WtsClient {
  /** `ClientName`: the client computer's NetBIOS name. */
  clientName: string;
  /** `Domain`. */
  domain: string;
  /** `UserName`. */
  userName: string;
  /** `WorkDirectory`. */
  workDirectory: string;
  /** `InitialProgram`. */
  initialProgram: string;
  /** `EncryptionLevel`. */
  encryptionLevel: number;
  /** `ClientAddressFamily`: `AF_INET`, `AF_INET6`, `AF_UNSPEC`, … */
  clientAddressFamily: number;
  /** `ClientAddress` as text, or `null` when the family is unspecified or unknown. */
  clientAddress: string | null;
  /** `HRes`. */
  hRes: number;
  /** `VRes`. */
  vRes: number;
  /** `ColorDepth`. */
  colorDepth: number;
  /** `ClientDirectory`. */
  clientDirectory: string;
  /** `ClientBuildNumber`. */
  clientBuildNumber: number;
  /** `ClientHardwareId` (reserved). */
  hardwareId: number;
  /** `ClientProductId` (reserved). */
  productId: number;
  /** `OutBufCountHost`. */
  outBufCountHost: number;
  /** `OutBufCountClient`. */
  outBufCountClient: number;
  /** `OutBufLength`. */
  outBufLength: number;
  /** `DeviceId`. */
  deviceId: string;
}

/** One `getArrayBuffer` over `count` structs of `size` bytes at `block`. */
function arrayView(block: Deno.PointerObject, count: number, size: number): DataView {
  return new DataView(Deno.UnsafePointerView.getArrayBuffer(block, count * size));
}

/** Throws unless `bytes` can hold the struct; a short buffer means a wrong class or a bug. */
function structView(bytes: Uint8Array, size: number, name: string): DataView {
  if (bytes.byteLength < size) {
    throw new RangeError(`${name} needs ${size} bytes, got ${bytes.byteLength}`);
  }
  return new DataView(bytes.buffer, bytes.byteOffset, size);
}

/**
 * Decodes the `WTS_SESSION_INFOW[]` block from `WTSEnumerateSessionsW`.
 *
 * @example
 * ```ts ignore
 * import { decodeSessionInfoW } from "./wts_structs.ts";
 *
 * declare const block: Deno.PointerObject, count: number;
 * for (const row of decodeSessionInfoW(block, count)) console.log(row.sessionId, row.winStationName);
 * ```
 *
 * @param block The block's address (`*ppSessionInfo`).
 * @param count The number of rows (`*pCount`).
 * @returns One object per row.
 */
export function decodeSessionInfoW(block: Deno.PointerObject, count: number): SessionInfoRow[] {
  if (count === 0) return [];
  const { size, offsets } = WTS_SESSION_INFOW;
  const view = arrayView(block, count, size);
  const names = readWideColumn(view, offsets.pWinStationName, size, count);
  const rows: SessionInfoRow[] = new Array(count);
  for (let i = 0, base = 0; i < count; i++, base += size) {
    rows[i] = {
      sessionId: view.getUint32(base + offsets.SessionId, true),
      winStationName: names[i]!,
      state: view.getUint32(base + offsets.State, true),
    };
  }
  return rows;
}

/**
 * Decodes the `WTS_SESSION_INFO_1W[]` block from `WTSEnumerateSessionsExW` at level 1.
 *
 * @example
 * ```ts ignore
 * import { decodeSessionInfo1W } from "./wts_structs.ts";
 *
 * declare const block: Deno.PointerObject, count: number;
 * const rows = decodeSessionInfo1W(block, count); // then WTSFreeMemoryExW(WTSTypeSessionInfoLevel1, …)
 * ```
 *
 * @param block The block's address.
 * @param count The number of rows.
 * @returns One object per row.
 */
export function decodeSessionInfo1W(block: Deno.PointerObject, count: number): SessionInfo1Row[] {
  if (count === 0) return [];
  const { size, offsets } = WTS_SESSION_INFO_1W;
  const view = arrayView(block, count, size);
  const column = (offset: number) => readWideColumn(view, offset, size, count);
  const sessionNames = column(offsets.pSessionName);
  const hostNames = column(offsets.pHostName);
  const userNames = column(offsets.pUserName);
  const domainNames = column(offsets.pDomainName);
  const farmNames = column(offsets.pFarmName);
  const rows: SessionInfo1Row[] = new Array(count);
  for (let i = 0, base = 0; i < count; i++, base += size) {
    rows[i] = {
      execEnvId: view.getUint32(base + offsets.ExecEnvId, true),
      state: view.getUint32(base + offsets.State, true),
      sessionId: view.getUint32(base + offsets.SessionId, true),
      sessionName: sessionNames[i]!,
      hostName: hostNames[i]!,
      userName: userNames[i]!,
      domainName: domainNames[i]!,
      farmName: farmNames[i]!,
    };
  }
  return rows;
}

/**
 * Decodes the `WTS_SERVER_INFOW[]` block from `WTSEnumerateServersW`.
 *
 * @example
 * ```ts ignore
 * import { decodeServerInfoW } from "./wts_structs.ts";
 *
 * declare const block: Deno.PointerObject, count: number;
 * const names = decodeServerInfoW(block, count).map((row) => row.serverName);
 * ```
 *
 * @param block The block's address.
 * @param count The number of rows.
 * @returns One object per row.
 */
export function decodeServerInfoW(block: Deno.PointerObject, count: number): ServerInfoRow[] {
  if (count === 0) return [];
  const { size, offsets } = WTS_SERVER_INFOW;
  const view = arrayView(block, count, size);
  return readWideColumn(view, offsets.pServerName, size, count).map((serverName) => ({
    serverName,
  }));
}

/**
 * Decodes a `WTSINFOW` (the `WTSSessionInfo` class). Times that are zero decode to `null`.
 *
 * @example
 * ```ts
 * import { decodeWtsInfoW } from "./wts_structs.ts";
 * import { WTSINFOW } from "./layouts.ts";
 * import assert from "node:assert/strict";
 *
 * const info = decodeWtsInfoW(new Uint8Array(WTSINFOW.size));
 * assert.equal(info.logonTime, null);
 * ```
 *
 * @param bytes The struct's bytes (at least `WTSINFOW.size`).
 * @param view A `DataView` starting at `bytes`' first byte, at least as long: passed by a
 *   caller that decodes many results from one reused buffer (wts/_query.ts), so that no view
 *   is made per call. Made here when omitted.
 * @param units A `Uint16Array` starting at `bytes`' first byte, at least half as long (with
 *   `view`). Made here when omitted and `bytes` is 2-aligned.
 * @param names Whether to decode the three names; `false` leaves them `""`, for a listing that
 *   has them from WTSEnumerateSessionsExW already (three strings fewer per session: about 6% of
 *   a 1,000-session listing's profile).
 * @returns The decoded fields.
 * @throws {RangeError} If `bytes` is too short.
 */
export function decodeWtsInfoW(
  bytes: Uint8Array,
  view?: DataView,
  units?: Uint16Array,
  names = true,
): WtsInfo {
  const { size, offsets } = WTSINFOW;
  if (bytes.byteLength < size) {
    throw new RangeError(`WTSINFOW needs ${size} bytes, got ${bytes.byteLength}`);
  }
  view ??= new DataView(bytes.buffer, bytes.byteOffset, size);
  if (units === undefined && (bytes.byteOffset & 1) === 0) {
    units = new Uint16Array(bytes.buffer, bytes.byteOffset, size >>> 1);
  }
  const lengths = WCHAR_ARRAY_LENGTHS;
  // Measured (a CPU profile of listSessions, 1,000 sessions on the doubles): the five times as
  // BigInt → Date and a view per string were a sixth of the per-session cost. Times are read as
  // two DWORDs each (fileTimeDwordsToDate: exact with plain numbers), and the three strings
  // from one Uint16Array over the struct when it is 2-aligned (a scratch buffer always is).
  const v = view;
  const time = (offset: number) =>
    fileTimeDwordsToDate(v.getUint32(offset, true), v.getUint32(offset + 4, true));
  let winStationName = "", domain = "", userName = "";
  if (!names) {
    // The caller has the names already.
  } else if (units !== undefined) {
    winStationName = decodeWideUnits(
      units,
      offsets.WinStationName >>> 1,
      lengths.WINSTATIONNAME_LENGTH,
    );
    domain = decodeWideUnits(units, offsets.Domain >>> 1, lengths.WTSINFO_DOMAIN);
    userName = decodeWideUnits(units, offsets.UserName >>> 1, lengths.WTSINFO_USERNAME);
  } else {
    winStationName = decodeWide(bytes, offsets.WinStationName, lengths.WINSTATIONNAME_LENGTH);
    domain = decodeWide(bytes, offsets.Domain, lengths.WTSINFO_DOMAIN);
    userName = decodeWide(bytes, offsets.UserName, lengths.WTSINFO_USERNAME);
  }
  return {
    state: view.getUint32(offsets.State, true),
    sessionId: view.getUint32(offsets.SessionId, true),
    incomingBytes: view.getUint32(offsets.IncomingBytes, true),
    outgoingBytes: view.getUint32(offsets.OutgoingBytes, true),
    incomingFrames: view.getUint32(offsets.IncomingFrames, true),
    outgoingFrames: view.getUint32(offsets.OutgoingFrames, true),
    incomingCompressedBytes: view.getUint32(offsets.IncomingCompressedBytes, true),
    outgoingCompressedBytes: view.getUint32(offsets.OutgoingCompressedBytes, true),
    winStationName,
    domain,
    userName,
    connectTime: time(offsets.ConnectTime),
    disconnectTime: time(offsets.DisconnectTime),
    lastInputTime: time(offsets.LastInputTime),
    logonTime: time(offsets.LogonTime),
    currentTimeMs: fileTimeDwordsToUnixMs(
      v.getUint32(offsets.CurrentTime, true),
      v.getUint32(offsets.CurrentTime + 4, true),
    ),
  };
}

/**
 * Decodes a `WTSCLIENTW` (the `WTSClientInfo` class). Per Microsoft's documentation of
 * `WTSCLIENT`, an `AF_INET` `ClientAddress` is returned as a string ("127.0.0.1") and an
 * `AF_INET6` one in binary form (16 raw bytes), so the two are decoded differently.
 *
 * @example
 * ```ts
 * import { decodeWtsClientW } from "./wts_structs.ts";
 * import { WTSCLIENTW } from "./layouts.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(decodeWtsClientW(new Uint8Array(WTSCLIENTW.size)).clientAddress, null);
 * ```
 *
 * @param bytes The struct's bytes (at least `WTSCLIENTW.size`).
 * @returns The decoded fields.
 * @throws {RangeError} If `bytes` is too short.
 */
export function decodeWtsClientW(bytes: Uint8Array): WtsClient {
  const { size, offsets } = WTSCLIENTW;
  const view = structView(bytes, size, "WTSCLIENTW");
  const lengths = WCHAR_ARRAY_LENGTHS;
  const family = view.getUint32(offsets.ClientAddressFamily, true);
  let clientAddress: string | null = null;
  if (family === AF_INET) {
    const text = decodeWide(bytes, offsets.ClientAddress, lengths.CLIENTADDRESS_LENGTH_PLUS_1);
    clientAddress = text === "" ? null : text;
  } else if (family === AF_INET6) {
    // The WTSCLIENT page says "binary form"; unlike WTS_CLIENT_ADDRESS (KB951422), no public
    // evidence shows where the 16 bytes start here, so offset 0 is kept as documented.
    clientAddress = formatIpv6(bytes.subarray(offsets.ClientAddress, offsets.ClientAddress + 16));
  }
  return {
    clientName: decodeWide(bytes, offsets.ClientName, lengths.WTSCLIENT_CLIENTNAME),
    domain: decodeWide(bytes, offsets.Domain, lengths.WTSCLIENT_DOMAIN),
    userName: decodeWide(bytes, offsets.UserName, lengths.WTSCLIENT_USERNAME),
    workDirectory: decodeWide(bytes, offsets.WorkDirectory, lengths.MAX_PATH_PLUS_1),
    initialProgram: decodeWide(bytes, offsets.InitialProgram, lengths.MAX_PATH_PLUS_1),
    encryptionLevel: view.getUint8(offsets.EncryptionLevel),
    clientAddressFamily: family,
    clientAddress,
    hRes: view.getUint16(offsets.HRes, true),
    vRes: view.getUint16(offsets.VRes, true),
    colorDepth: view.getUint16(offsets.ColorDepth, true),
    clientDirectory: decodeWide(bytes, offsets.ClientDirectory, lengths.MAX_PATH_PLUS_1),
    clientBuildNumber: view.getUint32(offsets.ClientBuildNumber, true),
    hardwareId: view.getUint32(offsets.HardwareId, true),
    productId: view.getUint16(offsets.ProductId, true),
    outBufCountHost: view.getUint16(offsets.OutBufCountHost, true),
    outBufCountClient: view.getUint16(offsets.OutBufCountClient, true),
    outBufLength: view.getUint16(offsets.OutBufLength, true),
    deviceId: decodeWide(bytes, offsets.DeviceId, lengths.MAX_PATH_PLUS_1),
  };
}
