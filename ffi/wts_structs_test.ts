import assert from "node:assert/strict";
import { dateToFileTime, FILETIME_UNIX_EPOCH } from "./filetime.ts";
import {
  WTS_SERVER_INFOW,
  WTS_SESSION_INFO_1W,
  WTS_SESSION_INFOW,
  WTSCLIENTW,
  WTSINFOW,
} from "./layouts.ts";
import { useDoubles } from "../tests/doubles.ts";
import { Block, pointerTo } from "./_test_block.ts";
import { encodeWide, readWide, SHORT_STRING_UNITS } from "./utf16.ts";
import { readWideColumn } from "./wide_column.ts";
import { AF_INET, AF_INET6, AF_UNSPEC } from "./client_address.ts";
import {
  decodeServerInfoW,
  decodeSessionInfo1W,
  decodeSessionInfoW,
  decodeWtsClientW,
  decodeWtsInfoW,
} from "./wts_structs.ts";

// readWide measures strings with kernel32's lstrlenW, here the test double's.
useDoubles();

Deno.test("readWide() reads strings through lstrlenW, surrogate pairs included", () => {
  for (const text of ["", "Console", "RDP-Tcp#12", "naïve 😀 漢字", "x".repeat(5000)]) {
    const bytes = encodeWide(text);
    assert.equal(readWide(pointerTo(bytes)), text);
  }
  assert.equal(readWide(null), "");
});

Deno.test("readWide() decodes a lone surrogate as U+FFFD", () => {
  const lone = new Uint16Array([0x41, 0xd800, 0x42, 0]);
  assert.equal(readWide(pointerTo(new Uint8Array(lone.buffer))), "A\ufffdB");
});

Deno.test("readWide() gives the same text below, at and above the short-string cut-off", () => {
  const decoder = new TextDecoder("utf-16le");
  for (const length of [1, 12, SHORT_STRING_UNITS - 1, SHORT_STRING_UNITS, 257, 4096]) {
    for (const fill of ["a", "漢", "😀", "\udc00"]) {
      const units = new Uint16Array(length + 1);
      for (let i = 0; i < length; i++) units[i] = fill.charCodeAt(i % fill.length);
      const expected = decoder.decode(units.subarray(0, length));
      const text = readWide(pointerTo(new Uint8Array(units.buffer)));
      assert.equal(text, expected, `${length} × ${JSON.stringify(fill)}`);
    }
  }
  // Reused scratch space: a shorter string after a longer one keeps nothing of it.
  assert.equal(readWide(pointerTo(encodeWide("abcdef"))), "abcdef");
  assert.equal(readWide(pointerTo(encodeWide("xy"))), "xy");
  assert.equal(readWide(pointerTo(encodeWide("abcdef"))), "abcdef");
});

/** A column of `texts` (null: a NULL pointer) with the strings placed at `at(i)` in a heap. */
function column(texts: (string | null)[], at: (i: number) => number, heapBytes = 65536) {
  const table = new DataView(new ArrayBuffer(texts.length * 16));
  const heap = new Uint8Array(heapBytes);
  const base = Deno.UnsafePointer.value(pointerTo(heap));
  texts.forEach((text, i) => {
    if (text === null) return;
    heap.set(encodeWide(text), at(i));
    table.setBigUint64(i * 16 + 8, base + BigInt(at(i)), true);
  });
  return readWideColumn(table, 8, 16, texts.length);
}

Deno.test("readWideColumn() gives the same strings whatever the layout", () => {
  const texts = ["Console", null, "RDP-Tcp#1", "", "naïve 😀", null, "x".repeat(300), "A\ud800B"];
  const expected = texts.map((text) => text === null ? "" : text.replace("\ud800", "\ufffd"));
  // Packed back to back (the fast path: one copy), with 8-byte alignment between strings.
  let next = 0;
  const packed: number[] = texts.map((text) => {
    const at = next;
    next += (((text?.length ?? 0) + 1) * 2 + 7) & ~7;
    return at;
  });
  assert.deepEqual(column(texts, (i) => packed[i]!), expected);
  // Descending addresses, gaps over a page, and an odd distance: one read per string instead.
  assert.deepEqual(column(texts, (i) => (texts.length - i) * 1024), expected);
  assert.deepEqual(column(texts, (i) => i * 5000), expected);
  assert.deepEqual(column(texts, (i) => packed[i]! + (i === 4 ? 1 : 0)), expected);
  // Every row pointing at one string, all NULL, a single row, no rows.
  assert.deepEqual(column(["same", "same"], () => 64), ["same", "same"]);
  assert.deepEqual(column([null, null], () => 0), ["", ""]);
  assert.deepEqual(column(["one"], () => 0), ["one"]);
  assert.deepEqual(column([], () => 0), []);
});

Deno.test("decodeSessionInfoW() decodes every row of one block", () => {
  const { size, offsets } = WTS_SESSION_INFOW;
  const sessions = [
    { sessionId: 0, winStationName: "Services", state: 4 },
    { sessionId: 1, winStationName: "Console", state: 0 },
    { sessionId: 65536, winStationName: "RDP-Tcp", state: 6 },
    { sessionId: 3, winStationName: "RDP-Tcp#7 😀", state: 0 },
  ];
  const block = new Block(size * sessions.length);
  sessions.forEach((session, i) => {
    block.view.setUint32(i * size + offsets.SessionId, session.sessionId, true);
    block.string(i * size + offsets.pWinStationName, session.winStationName);
    block.view.setUint32(i * size + offsets.State, session.state, true);
  });
  assert.deepEqual(decodeSessionInfoW(block.pointer, sessions.length), sessions);
  assert.deepEqual(decodeSessionInfoW(block.pointer, 0), []);
});

Deno.test("decodeSessionInfoW() maps a NULL name to an empty string", () => {
  const block = new Block(WTS_SESSION_INFOW.size);
  block.string(WTS_SESSION_INFOW.offsets.pWinStationName, null);
  assert.equal(decodeSessionInfoW(block.pointer, 1)[0]!.winStationName, "");
});

Deno.test("decodeSessionInfo1W() decodes all eight fields", () => {
  const { size, offsets } = WTS_SESSION_INFO_1W;
  const rows = [
    {
      execEnvId: 0,
      state: 4,
      sessionId: 0,
      sessionName: "Services",
      hostName: "",
      userName: "",
      domainName: "",
      farmName: "",
    },
    {
      execEnvId: 2,
      state: 0,
      sessionId: 2,
      sessionName: "RDP-Tcp#0",
      hostName: "RDS01",
      userName: "Ärger",
      domainName: "CONTOSO",
      farmName: "Farm A",
    },
  ];
  const block = new Block(size * rows.length);
  rows.forEach((row, i) => {
    const at = i * size;
    block.view.setUint32(at + offsets.ExecEnvId, row.execEnvId, true);
    block.view.setUint32(at + offsets.State, row.state, true);
    block.view.setUint32(at + offsets.SessionId, row.sessionId, true);
    block.string(at + offsets.pSessionName, row.sessionName);
    block.string(at + offsets.pHostName, row.hostName || null);
    block.string(at + offsets.pUserName, row.userName || null);
    block.string(at + offsets.pDomainName, row.domainName);
    block.string(at + offsets.pFarmName, row.farmName || null);
  });
  assert.deepEqual(decodeSessionInfo1W(block.pointer, rows.length), rows);
});

Deno.test("decodeServerInfoW() decodes server names", () => {
  const { size, offsets } = WTS_SERVER_INFOW;
  const names = ["RDS01", "rds02.contoso.com", "SRV-ß"];
  const block = new Block(size * names.length);
  names.forEach((name, i) => block.string(i * size + offsets.pServerName, name));
  assert.deepEqual(
    decodeServerInfoW(block.pointer, names.length),
    names.map((serverName) => ({
      serverName,
    })),
  );
});

Deno.test("decodeWtsInfoW() decodes counters, fixed strings and times", () => {
  const { size, offsets } = WTSINFOW;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(offsets.State, 0, true);
  view.setUint32(offsets.SessionId, 3, true);
  view.setUint32(offsets.IncomingBytes, 1, true);
  view.setUint32(offsets.OutgoingBytes, 2, true);
  view.setUint32(offsets.IncomingFrames, 3, true);
  view.setUint32(offsets.OutgoingFrames, 4, true);
  view.setUint32(offsets.IncomingCompressedBytes, 5, true);
  view.setUint32(offsets.OutgoingCompressedBytes, 0xffffffff, true);
  bytes.set(encodeWide("RDP-Tcp#3"), offsets.WinStationName);
  bytes.set(encodeWide("CONTOSO"), offsets.Domain);
  // A 20-character user name fills UserName[21] up to its final NUL.
  bytes.set(encodeWide("abcdefghijklmnopqrst"), offsets.UserName);
  const logon = new Date("2024-05-06T07:08:09.123Z");
  view.setBigInt64(offsets.ConnectTime, dateToFileTime(logon), true);
  view.setBigInt64(offsets.LogonTime, dateToFileTime(logon), true);
  view.setBigInt64(offsets.CurrentTime, FILETIME_UNIX_EPOCH, true);
  // DisconnectTime and LastInputTime stay 0: "never".
  assert.deepEqual(decodeWtsInfoW(bytes), {
    state: 0,
    sessionId: 3,
    incomingBytes: 1,
    outgoingBytes: 2,
    incomingFrames: 3,
    outgoingFrames: 4,
    incomingCompressedBytes: 5,
    outgoingCompressedBytes: 0xffffffff,
    winStationName: "RDP-Tcp#3",
    domain: "CONTOSO",
    userName: "abcdefghijklmnopqrst",
    connectTime: logon,
    disconnectTime: null,
    lastInputTime: null,
    logonTime: logon,
    currentTimeMs: 0,
  });
});

Deno.test("decodeWtsInfoW() rejects a short buffer", () => {
  assert.throws(() => decodeWtsInfoW(new Uint8Array(WTSINFOW.size - 1)), RangeError);
});

Deno.test("decodeWtsInfoW() stops a full fixed array at its length", () => {
  const { size, offsets } = WTSINFOW;
  const bytes = new Uint8Array(size);
  // Fill WinStationName[32] completely with 'A' and no NUL: must not run into Domain.
  bytes.set(encodeWide("A".repeat(32)).subarray(0, 64), offsets.WinStationName);
  bytes.set(encodeWide("DOM"), offsets.Domain);
  assert.equal(decodeWtsInfoW(bytes).winStationName, "A".repeat(32));
});

function clientBytes(): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(WTSCLIENTW.size);
  return { bytes, view: new DataView(bytes.buffer) };
}

Deno.test("decodeWtsClientW() decodes every field of an IPv4 client", () => {
  const { offsets } = WTSCLIENTW;
  const { bytes, view } = clientBytes();
  bytes.set(encodeWide("LAPTOP-42"), offsets.ClientName);
  bytes.set(encodeWide("CONTOSO"), offsets.Domain);
  bytes.set(encodeWide("alice"), offsets.UserName);
  bytes.set(encodeWide("C:\\work"), offsets.WorkDirectory);
  bytes.set(encodeWide("C:\\app\\start.exe"), offsets.InitialProgram);
  view.setUint8(offsets.EncryptionLevel, 3);
  view.setUint32(offsets.ClientAddressFamily, AF_INET, true);
  bytes.set(encodeWide("192.168.0.1"), offsets.ClientAddress);
  view.setUint16(offsets.HRes, 1920, true);
  view.setUint16(offsets.VRes, 1080, true);
  view.setUint16(offsets.ColorDepth, 24, true);
  bytes.set(encodeWide("C:\\Windows\\System32\\mstscax.dll"), offsets.ClientDirectory);
  view.setUint32(offsets.ClientBuildNumber, 22631, true);
  view.setUint32(offsets.HardwareId, 7, true);
  view.setUint16(offsets.ProductId, 1, true);
  view.setUint16(offsets.OutBufCountHost, 10, true);
  view.setUint16(offsets.OutBufCountClient, 11, true);
  view.setUint16(offsets.OutBufLength, 530, true);
  bytes.set(encodeWide("\\Device\\Net0"), offsets.DeviceId);
  assert.deepEqual(decodeWtsClientW(bytes), {
    clientName: "LAPTOP-42",
    domain: "CONTOSO",
    userName: "alice",
    workDirectory: "C:\\work",
    initialProgram: "C:\\app\\start.exe",
    encryptionLevel: 3,
    clientAddressFamily: AF_INET,
    clientAddress: "192.168.0.1",
    hRes: 1920,
    vRes: 1080,
    colorDepth: 24,
    clientDirectory: "C:\\Windows\\System32\\mstscax.dll",
    clientBuildNumber: 22631,
    hardwareId: 7,
    productId: 1,
    outBufCountHost: 10,
    outBufCountClient: 11,
    outBufLength: 530,
    deviceId: "\\Device\\Net0",
  });
});

Deno.test("decodeWtsClientW() decodes a binary IPv6 address and no address", () => {
  const { offsets } = WTSCLIENTW;
  const { bytes, view } = clientBytes();
  view.setUint32(offsets.ClientAddressFamily, AF_INET6, true);
  bytes.set([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], offsets.ClientAddress);
  assert.equal(decodeWtsClientW(bytes).clientAddress, "2001:db8::1");
  view.setUint32(offsets.ClientAddressFamily, AF_UNSPEC, true);
  assert.equal(decodeWtsClientW(bytes).clientAddress, null);
  assert.throws(() => decodeWtsClientW(new Uint8Array(100)), RangeError);
});
