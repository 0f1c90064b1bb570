/**
 * Decoders for the structs wtsapi32.dll returns, from the layouts in `layouts.ts`.
 *
 * Arrays (`WTSEnumerate*`) are decoded from ONE `UnsafePointerView.getArrayBuffer` over the
 * whole block plus a `DataView`, never one native view per row or field; the strings they point
 * to are read a column at a time with `readWideColumn` (one copy of the packed string area
 * when Windows packed the strings after the array, as it does; else one `readWide` each). The caller frees the
 * block (`WTSFreeMemory`/`WTSFreeMemoryExW`) after decoding: nothing returned here refers to it.
 *
 * Fixed-size structs (`WTSQuerySessionInformationW` classes) are decoded from bytes the caller
 * already copied out of the returned buffer.
 *
 * @module
 */

import {
  WCHAR_ARRAY_LENGTHS,
  WTS_CLIENT_ADDRESS,
  WTS_PROCESS_INFO_EXW,
  WTS_PROCESS_INFOW,
  WTS_SERVER_INFOW,
  WTS_SESSION_INFO_1W,
  WTS_SESSION_INFOW,
  WTSCLIENTW,
  WTSINFOW,
} from "./layouts.ts";
import { fileTimeToDate, readFileTime } from "./filetime.ts";
import { SidTextCache } from "./sid.ts";
import { decodeWide, readWideColumn } from "./utf16.ts";

/** `AF_UNSPEC`: no address. */
export const AF_UNSPEC = 0;
/** `AF_INET`: IPv4. */
export const AF_INET = 2;
/** `AF_INET6` on Windows. */
export const AF_INET6 = 23;

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

/** One `WTS_PROCESS_INFOW`. */
export interface ProcessInfoRow {
  /** `SessionId`. */
  sessionId: number;
  /** `ProcessId`. */
  processId: number;
  /** `pProcessName`. */
  processName: string;
  /** `pUserSid` as text, or `null` when Windows reports none. */
  userSid: string | null;
}

/** One `WTS_PROCESS_INFO_EXW`. */
export interface ProcessInfoExRow extends ProcessInfoRow {
  /** `NumberOfThreads`. */
  numberOfThreads: number;
  /** `HandleCount`. */
  handleCount: number;
  /** `PagefileUsage` in bytes (a DWORD: saturates at 4 GiB). */
  pagefileUsage: number;
  /** `PeakPagefileUsage` in bytes. */
  peakPagefileUsage: number;
  /** `WorkingSetSize` in bytes. */
  workingSetSize: number;
  /** `PeakWorkingSetSize` in bytes. */
  peakWorkingSetSize: number;
  /**
   * `UserTime`: CPU time in user mode, in 100 ns units (the NT process counter; the doc page's
   * "milliseconds" is wrong: see `wts/processes.ts` where it is converted).
   */
  userTime: bigint;
  /** `KernelTime`: CPU time in kernel mode, in 100 ns units (as `userTime`). */
  kernelTime: bigint;
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
  /** `CurrentTime`: the server's clock when it answered. */
  currentTime: Date | null;
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

function sidAt(sids: SidTextCache, view: DataView, byteOffset: number): string | null {
  const address = view.getBigUint64(byteOffset, true);
  return address === 0n ? null : sids.read(address);
}

/**
 * Decodes the `WTS_PROCESS_INFOW[]` block from `WTSEnumerateProcessesW` (or
 * `WTSEnumerateProcessesExW` at level 0).
 *
 * @example
 * ```ts ignore
 * import { decodeProcessInfoW } from "./wts_structs.ts";
 *
 * declare const block: Deno.PointerObject, count: number;
 * const rows = decodeProcessInfoW(block, count); // [{ processId: 4, processName: "System", … }]
 * ```
 *
 * @param block The block's address.
 * @param count The number of rows.
 * @returns One object per row.
 */
export function decodeProcessInfoW(block: Deno.PointerObject, count: number): ProcessInfoRow[] {
  if (count === 0) return [];
  const { size, offsets } = WTS_PROCESS_INFOW;
  const view = arrayView(block, count, size);
  const names = readWideColumn(view, offsets.pProcessName, size, count);
  const sids = new SidTextCache();
  const rows: ProcessInfoRow[] = new Array(count);
  for (let i = 0, base = 0; i < count; i++, base += size) {
    rows[i] = {
      sessionId: view.getUint32(base + offsets.SessionId, true),
      processId: view.getUint32(base + offsets.ProcessId, true),
      processName: names[i]!,
      userSid: sidAt(sids, view, base + offsets.pUserSid),
    };
  }
  return rows;
}

/**
 * Decodes the `WTS_PROCESS_INFO_EXW[]` block from `WTSEnumerateProcessesExW` at level 1.
 *
 * @example
 * ```ts ignore
 * import { decodeProcessInfoExW } from "./wts_structs.ts";
 *
 * declare const block: Deno.PointerObject, count: number;
 * for (const row of decodeProcessInfoExW(block, count)) console.log(row.processName, row.workingSetSize);
 * ```
 *
 * @param block The block's address.
 * @param count The number of rows.
 * @returns One object per row.
 */
export function decodeProcessInfoExW(
  block: Deno.PointerObject,
  count: number,
): ProcessInfoExRow[] {
  if (count === 0) return [];
  const { size, offsets } = WTS_PROCESS_INFO_EXW;
  const view = arrayView(block, count, size);
  const names = readWideColumn(view, offsets.pProcessName, size, count);
  const sids = new SidTextCache();
  const rows: ProcessInfoExRow[] = new Array(count);
  for (let i = 0, base = 0; i < count; i++, base += size) {
    rows[i] = {
      sessionId: view.getUint32(base + offsets.SessionId, true),
      processId: view.getUint32(base + offsets.ProcessId, true),
      processName: names[i]!,
      userSid: sidAt(sids, view, base + offsets.pUserSid),
      numberOfThreads: view.getUint32(base + offsets.NumberOfThreads, true),
      handleCount: view.getUint32(base + offsets.HandleCount, true),
      pagefileUsage: view.getUint32(base + offsets.PagefileUsage, true),
      peakPagefileUsage: view.getUint32(base + offsets.PeakPagefileUsage, true),
      workingSetSize: view.getUint32(base + offsets.WorkingSetSize, true),
      peakWorkingSetSize: view.getUint32(base + offsets.PeakWorkingSetSize, true),
      userTime: view.getBigInt64(base + offsets.UserTime, true),
      kernelTime: view.getBigInt64(base + offsets.KernelTime, true),
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
 * @returns The decoded fields.
 * @throws {RangeError} If `bytes` is too short.
 */
export function decodeWtsInfoW(bytes: Uint8Array): WtsInfo {
  const { size, offsets } = WTSINFOW;
  const view = structView(bytes, size, "WTSINFOW");
  const time = (offset: number) => fileTimeToDate(readFileTime(view, offset));
  return {
    state: view.getUint32(offsets.State, true),
    sessionId: view.getUint32(offsets.SessionId, true),
    incomingBytes: view.getUint32(offsets.IncomingBytes, true),
    outgoingBytes: view.getUint32(offsets.OutgoingBytes, true),
    incomingFrames: view.getUint32(offsets.IncomingFrames, true),
    outgoingFrames: view.getUint32(offsets.OutgoingFrames, true),
    incomingCompressedBytes: view.getUint32(offsets.IncomingCompressedBytes, true),
    outgoingCompressedBytes: view.getUint32(offsets.OutgoingCompressedBytes, true),
    winStationName: decodeWide(
      bytes,
      offsets.WinStationName,
      WCHAR_ARRAY_LENGTHS.WINSTATIONNAME_LENGTH,
    ),
    domain: decodeWide(bytes, offsets.Domain, WCHAR_ARRAY_LENGTHS.WTSINFO_DOMAIN),
    userName: decodeWide(bytes, offsets.UserName, WCHAR_ARRAY_LENGTHS.WTSINFO_USERNAME),
    connectTime: time(offsets.ConnectTime),
    disconnectTime: time(offsets.DisconnectTime),
    lastInputTime: time(offsets.LastInputTime),
    logonTime: time(offsets.LogonTime),
    currentTime: time(offsets.CurrentTime),
  };
}

/** Formats 16 bytes as canonical IPv6 text (RFC 5952): lowercase, longest zero run as `::`. */
function ipv6ToString(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // IPv4-mapped addresses (::ffff:a.b.c.d) keep the dotted form, as RFC 5952 §5 recommends.
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  let bestStart = -1;
  let bestLength = 1; // a single zero group is never shortened
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(":");
  const head = hex.slice(0, bestStart).join(":");
  const tail = hex.slice(bestStart + bestLength).join(":");
  return `${head}::${tail}`;
}

/** Where the address starts inside `WTS_CLIENT_ADDRESS.Address`, for IPv4 and IPv6 alike. */
const CLIENT_ADDRESS_OFFSET = 2;

/**
 * Formats the `Address` bytes of a `WTS_CLIENT_ADDRESS` as text.
 *
 * Both families start two bytes in: the IPv4 bytes sit at `Address[2..5]` (Microsoft documents
 * 192.168.0.1 as `00 00 C0 A8 00 01`, MicrosoftDocs/sdk-api PR #1183) and the 16 IPv6 bytes at
 * `Address[2..17]`. The WTS_CLIENT_ADDRESS page's wording suggests IPv6 starts at offset 0,
 * but real Windows answers otherwise: KB951422 shows a Windows Server 2008 host returning
 * `00 00 FE 80 …` for a `fe80::…` client, pywin32 issue #664 shows `(0, 0, 254, 128, 0, …)`
 * for `fe80::b33f` (Server 2008, pywin32 fixed it in 212974c), and Cassia (issue #39) copies
 * the 16 bytes from index 2. Unpatched Windows Vista/7/2008/2008 R2 hosts also compress
 * zero runs ambiguously (KB951422); nothing can undo that here, so such an address decodes as
 * the bytes say. `AF_UNSPEC` and other families give `null`.
 *
 * @example
 * ```ts
 * import { AF_INET, AF_INET6, decodeClientAddress } from "./wts_structs.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(decodeClientAddress(AF_INET, new Uint8Array([0, 0, 192, 168, 0, 1])), "192.168.0.1");
 * const v6 = new Uint8Array(20);
 * v6.set([0x20, 0x01, 0x0d, 0xb8], 2);
 * v6[17] = 1;
 * assert.equal(decodeClientAddress(AF_INET6, v6), "2001:db8::1");
 * ```
 *
 * @param family `AddressFamily`.
 * @param addressBytes The `Address` member (20 bytes; at least 6 for IPv4, 18 for IPv6).
 * @returns The address, or `null`.
 */
export function decodeClientAddress(family: number, addressBytes: Uint8Array): string | null {
  const at = CLIENT_ADDRESS_OFFSET;
  if (family === AF_INET && addressBytes.byteLength >= at + 4) {
    return `${addressBytes[at]}.${addressBytes[at + 1]}.${addressBytes[at + 2]}.${
      addressBytes[at + 3]
    }`;
  }
  if (family === AF_INET6 && addressBytes.byteLength >= at + 16) {
    return ipv6ToString(addressBytes.subarray(at, at + 16));
  }
  return null;
}

/**
 * Decodes a `WTS_CLIENT_ADDRESS` (the `WTSClientAddress` class).
 *
 * @example
 * ```ts
 * import { decodeWtsClientAddress } from "./wts_structs.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = new Uint8Array(24);
 * bytes[0] = 2; // AF_INET
 * bytes.set([10, 0, 0, 7], 4 + 2);
 * assert.deepEqual(decodeWtsClientAddress(bytes), { addressFamily: 2, address: "10.0.0.7" });
 * ```
 *
 * @param bytes The struct's bytes (at least `WTS_CLIENT_ADDRESS.size`).
 * @returns The family and the address as text (`null` if unspecified or unknown).
 * @throws {RangeError} If `bytes` is too short.
 */
export function decodeWtsClientAddress(
  bytes: Uint8Array,
): { addressFamily: number; address: string | null } {
  const { size, offsets } = WTS_CLIENT_ADDRESS;
  const view = structView(bytes, size, "WTS_CLIENT_ADDRESS");
  const addressFamily = view.getUint32(offsets.AddressFamily, true);
  const address = bytes.subarray(offsets.Address, size);
  return { addressFamily, address: decodeClientAddress(addressFamily, address) };
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
    clientAddress = ipv6ToString(bytes.subarray(offsets.ClientAddress, offsets.ClientAddress + 16));
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
