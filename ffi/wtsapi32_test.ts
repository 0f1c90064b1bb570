// Raw-binding tests of ffi/wtsapi32.ts against the wtsapi32 test double: every symbol (and each
// …Async twin), the documented error paths, and no leaked WTS buffer or server handle.
import assert from "node:assert/strict";

import { kernel32, wtsapi32 } from "./load.ts";
import { assertNoLeaks, ConnectState, doubles, useDoubles } from "../tests/doubles.ts";

const WTS_CURRENT_SESSION = 0xffffffff;
const WTS_ANY_SESSION = 0xfffffffe;
const WTS_EVENT_LOGON = 0x20;
const WTS_EVENT_LOGOFF = 0x40;
const WTS_EVENT_ALL = 0x7fffffff;
const WTS_EVENT_FLUSH = 0x80000000;
const WTSTypeProcessInfoLevel0 = 0;
const WTSTypeProcessInfoLevel1 = 1;
const WTSTypeSessionInfoLevel1 = 2;
const MB_YESNO = 4;
const IDYES = 6;
const IDTIMEOUT = 32000;
const IDASYNC = 32001;

/** Out-params: a pointer slot and a DWORD, as Uint8Array views the binding accepts. */
function outs() {
  const pointer = new BigUint64Array(1);
  const dword = new Uint32Array(1);
  return {
    pointer,
    dword,
    pointerBytes: new Uint8Array(pointer.buffer),
    dwordBytes: new Uint8Array(dword.buffer),
    block: () => Deno.UnsafePointer.create(pointer[0]!),
  };
}

function wide(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array((text.length + 1) * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < text.length; i++) view.setUint16(i * 2, text.charCodeAt(i), true);
  return out;
}

function readWide(pointer: Deno.PointerValue): string | null {
  if (!pointer) return null;
  const length = kernel32().lstrlenW(pointer);
  const bytes = new Uint8Array(length * 2);
  if (length) Deno.UnsafePointerView.copyInto(pointer, bytes);
  return new TextDecoder("utf-16le").decode(bytes);
}

function pointerAt(view: DataView, offset: number): Deno.PointerValue {
  return Deno.UnsafePointer.create(view.getBigUint64(offset, true));
}

function bytesOf(pointer: Deno.PointerObject, size: number): DataView {
  return new DataView(Deno.UnsafePointerView.getArrayBuffer(pointer, size));
}

function sidText(pointer: Deno.PointerValue): string | null {
  if (!pointer) return null;
  const head = new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(pointer, 8));
  const view = bytesOf(pointer, 8 + head[1]! * 4);
  let authority = 0;
  for (let i = 2; i < 8; i++) authority = authority * 256 + head[i]!;
  const subs = Array.from({ length: head[1]! }, (_, i) => view.getUint32(8 + i * 4, true));
  return [`S-${head[0]}-${authority}`, ...subs].join("-");
}

function lastError(): number {
  return kernel32().GetLastError();
}

function seed(): void {
  doubles.addSession({
    id: 0,
    winStation: "Services",
    state: ConnectState.Disconnected,
    protocol: 0,
  });
  doubles.addSession({
    id: 1,
    winStation: "Console",
    state: ConnectState.Active,
    user: "alice",
    domain: "CONTOSO",
    protocol: 0,
  });
  doubles.addSession({
    id: 2,
    winStation: "RDP-Tcp#7",
    state: ConnectState.Active,
    user: "bob",
    domain: "CONTOSO",
    clientName: "LAPTOP-BOB",
    clientAddress: "192.168.0.1",
    clientDirectory: "C:\\Windows\\System32\\mstscax.dll",
    protocol: 2,
    clientBuild: 22621,
    clientProductId: 1,
    clientHardwareId: 77,
    host: "RDSH01",
    farm: "Farm1",
    hres: 1920,
    vres: 1080,
    colorDepth: 24,
    logonTime: new Date("2024-05-01T09:00:00Z"),
    connectTime: new Date("2024-05-01T09:00:01Z"),
    lastInputTime: new Date("2024-05-01T10:00:00Z"),
    currentTime: new Date("2024-05-01T10:30:00Z"),
  });
  doubles.addProcess({ pid: 4, sessionId: 0, name: "System", sid: "S-1-5-18" });
  doubles.addProcess({
    pid: 1200,
    sessionId: 2,
    name: "notepad.exe",
    sid: "S-1-5-21-1004336348-1177238915-682003330-1001",
    threads: 3,
    handles: 120,
    workingSet: 4096 * 100,
    userTime: 5_000_000n,
    kernelTime: 1_000_000n,
  });
  doubles.addProcess({ pid: 1300, sessionId: 1, name: "explorer.exe" });
}

const fileTime = (iso: string) => BigInt(Date.parse(iso)) * 10_000n + 116_444_736_000_000_000n;

Deno.test("WTSOpenServerW/ExW open any name; WTSCloseServer uncounts; unknown server is 1722", () => {
  useDoubles();
  const w = wtsapi32();
  const h = w.WTSOpenServerW(wide("nowhere"));
  const hx = w.WTSOpenServerExW(wide("nowhere-either"));
  assert.notEqual(h, null);
  assert.notEqual(hx, null);
  assert.equal(doubles.counters().serverHandles, 2);
  const o = outs();
  assert.equal(w.WTSEnumerateSessionsW(h, 0, 1, o.pointerBytes, o.dwordBytes), 0);
  assert.equal(lastError(), 1722); // RPC_S_SERVER_UNAVAILABLE
  w.WTSCloseServer(h);
  w.WTSCloseServer(hx);
  assert.equal(doubles.calls("WTSCloseServer"), 2);
  assertNoLeaks();
});

Deno.test("a pointer that is not a server handle fails with ERROR_INVALID_HANDLE", () => {
  useDoubles();
  const w = wtsapi32();
  const foreign = Deno.UnsafePointer.of(new Uint8Array(8));
  const o = outs();
  assert.equal(w.WTSEnumerateSessionsW(foreign, 0, 1, o.pointerBytes, o.dwordBytes), 0);
  assert.equal(lastError(), 6);
  // A closed handle is no longer valid either.
  const h = w.WTSOpenServerW(wide("srv"));
  w.WTSCloseServer(h);
  assert.equal(w.WTSDisconnectSession(h, 1, 0), 0);
  assert.equal(lastError(), 6);
  assertNoLeaks();
});

Deno.test("remote servers answer through their handles, after their delay", async () => {
  useDoubles();
  const w = wtsapi32();
  doubles.addServer("RDSH02", 20);
  doubles.addSession({ server: "rdsh02", id: 5, winStation: "RDP-Tcp#1", state: 0 });
  const h = w.WTSOpenServerW(wide("RDSH02"));
  try {
    const o = outs();
    assert.equal(await w.WTSEnumerateSessionsWAsync(h, 0, 1, o.pointerBytes, o.dwordBytes), 1);
    try {
      assert.equal(o.dword[0], 1);
      assert.equal(bytesOf(o.block()!, 24).getUint32(0, true), 5);
    } finally {
      w.WTSFreeMemory(o.block());
    }
  } finally {
    w.WTSCloseServer(h);
  }
  assertNoLeaks();
});

Deno.test("WTSEnumerateServersW lists a domain's servers; 1355 unknown domain; 87 bad version", async () => {
  useDoubles();
  const w = wtsapi32();
  doubles.addDomainServer("CONTOSO", "RDSH01");
  doubles.addDomainServer("CONTOSO", "RDSH02");
  const o = outs();
  assert.equal(w.WTSEnumerateServersW(wide("CONTOSO"), 0, 1, o.pointerBytes, o.dwordBytes), 1);
  try {
    const view = bytesOf(o.block()!, o.dword[0]! * 8);
    const names = [0, 1].map((i) => readWide(pointerAt(view, i * 8)));
    assert.deepEqual(names, ["RDSH01", "RDSH02"]);
  } finally {
    w.WTSFreeMemory(o.block());
  }
  assert.equal(w.WTSEnumerateServersW(wide("FABRIKAM"), 0, 1, o.pointerBytes, o.dwordBytes), 0);
  assert.equal(lastError(), 1355);
  assert.equal(w.WTSEnumerateServersW(wide("CONTOSO"), 0, 2, o.pointerBytes, o.dwordBytes), 0);
  assert.equal(lastError(), 87);
  assert.equal(w.WTSEnumerateServersW(wide("CONTOSO"), 1, 1, o.pointerBytes, o.dwordBytes), 0);
  assert.equal(lastError(), 87);
  const a = outs();
  assert.equal(
    await w.WTSEnumerateServersWAsync(wide("contoso"), 0, 1, a.pointerBytes, a.dwordBytes),
    1,
  );
  assert.equal(a.dword[0], 2);
  w.WTSFreeMemory(a.block());
  assertNoLeaks();
});

Deno.test("WTSEnumerateSessionsW: one block of WTS_SESSION_INFOW rows and names", async () => {
  useDoubles();
  seed();
  const w = wtsapi32();
  for (const call of [w.WTSEnumerateSessionsW, w.WTSEnumerateSessionsWAsync]) {
    const o = outs();
    assert.equal(await call(null, 0, 1, o.pointerBytes, o.dwordBytes), 1);
    try {
      const count = o.dword[0]!;
      assert.equal(count, 3);
      const view = bytesOf(o.block()!, count * 24);
      const rows = Array.from({ length: count }, (_, i) => ({
        id: view.getUint32(i * 24, true),
        name: readWide(pointerAt(view, i * 24 + 8)),
        state: view.getInt32(i * 24 + 16, true),
      }));
      assert.deepEqual(rows, [
        { id: 0, name: "Services", state: 4 },
        { id: 1, name: "Console", state: 0 },
        { id: 2, name: "RDP-Tcp#7", state: 0 },
      ]);
    } finally {
      w.WTSFreeMemory(o.block());
    }
  }
  const o = outs();
  assert.equal(w.WTSEnumerateSessionsW(null, 0, 2, o.pointerBytes, o.dwordBytes), 0);
  assert.equal(lastError(), 87);
  assert.equal(w.WTSEnumerateSessionsW(null, 1, 1, o.pointerBytes, o.dwordBytes), 0);
  assert.equal(lastError(), 87);
  assertNoLeaks();
});

Deno.test("WTSEnumerateSessionsExW level 1, freed by WTSFreeMemoryExW(WTSTypeSessionInfoLevel1)", async () => {
  useDoubles();
  seed();
  const w = wtsapi32();
  for (const call of [w.WTSEnumerateSessionsExW, w.WTSEnumerateSessionsExWAsync]) {
    const level = new Uint32Array([1]);
    const o = outs();
    assert.equal(
      await call(null, new Uint8Array(level.buffer), 0, o.pointerBytes, o.dwordBytes),
      1,
    );
    const count = o.dword[0]!;
    try {
      assert.equal(level[0], 1);
      assert.equal(count, 3);
      const view = bytesOf(o.block()!, count * 56);
      const row = 2 * 56;
      assert.equal(view.getUint32(row + 4, true), 0); // State
      assert.equal(view.getUint32(row + 8, true), 2); // SessionId
      assert.equal(readWide(pointerAt(view, row + 16)), "RDP-Tcp#7");
      assert.equal(readWide(pointerAt(view, row + 24)), "RDSH01");
      assert.equal(readWide(pointerAt(view, row + 32)), "bob");
      assert.equal(readWide(pointerAt(view, row + 40)), "CONTOSO");
      assert.equal(readWide(pointerAt(view, row + 48)), "Farm1");
      assert.equal(pointerAt(view, 0 + 32), null); // session 0 has no user
    } finally {
      assert.equal(w.WTSFreeMemoryExW(WTSTypeSessionInfoLevel1, o.block(), count), 1);
    }
  }
  const level = new Uint32Array([2]);
  const o = outs();
  assert.equal(
    w.WTSEnumerateSessionsExW(null, new Uint8Array(level.buffer), 0, o.pointerBytes, o.dwordBytes),
    0,
  );
  assert.equal(lastError(), 87);
  level[0] = 1;
  assert.equal(
    w.WTSEnumerateSessionsExW(null, new Uint8Array(level.buffer), 1, o.pointerBytes, o.dwordBytes),
    0,
  );
  assert.equal(lastError(), 87);
  assertNoLeaks();
});

Deno.test("freeing an Ex block the wrong way fails (or leaks visibly with WTSFreeMemory)", () => {
  useDoubles();
  seed();
  const w = wtsapi32();
  const level = new Uint32Array([1]);
  const o = outs();
  assert.equal(
    w.WTSEnumerateSessionsExW(null, new Uint8Array(level.buffer), 0, o.pointerBytes, o.dwordBytes),
    1,
  );
  const block = o.block();
  const count = o.dword[0]!;
  assert.equal(w.WTSFreeMemoryExW(WTSTypeProcessInfoLevel0, block, count), 0);
  assert.equal(lastError(), 87);
  assert.equal(w.WTSFreeMemoryExW(WTSTypeSessionInfoLevel1, block, count + 1), 0);
  assert.equal(lastError(), 87);
  w.WTSFreeMemory(block); // the wrong function: the block stays allocated
  assert.throws(() => assertNoLeaks(), /wtsAllocations=1/);
  assert.equal(w.WTSFreeMemoryExW(WTSTypeSessionInfoLevel1, block, count), 1);
  // A plain block cannot go through WTSFreeMemoryExW either.
  assert.equal(w.WTSEnumerateSessionsW(null, 0, 1, o.pointerBytes, o.dwordBytes), 1);
  assert.equal(w.WTSFreeMemoryExW(WTSTypeSessionInfoLevel1, o.block(), o.dword[0]!), 0);
  assert.equal(lastError(), 87);
  w.WTSFreeMemory(o.block());
  assertNoLeaks();
});

/** WTSQuerySessionInformationW, returning the bytes (and freeing the block). */
async function query(session: number, infoClass: number, async = false): Promise<Uint8Array> {
  const w = wtsapi32();
  const o = outs();
  const call = async ? w.WTSQuerySessionInformationWAsync : w.WTSQuerySessionInformationW;
  const ok = await call(null, session, infoClass, o.pointerBytes, o.dwordBytes);
  assert.equal(ok, 1, `class ${infoClass} failed with ${async ? "?" : lastError()}`);
  try {
    return new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(o.block()!, o.dword[0]!).slice(0));
  } finally {
    w.WTSFreeMemory(o.block());
  }
}

function wideBytes(bytes: Uint8Array): string {
  assert.equal(bytes.length % 2, 0);
  assert.equal(bytes[bytes.length - 1], 0, "strings count their NUL");
  return new TextDecoder("utf-16le").decode(bytes.subarray(0, bytes.length - 2));
}

Deno.test("WTSQuerySessionInformationW: strings count the NUL; numbers have their C sizes", async () => {
  useDoubles();
  seed();
  assert.equal(wideBytes(await query(2, 5)), "bob"); // WTSUserName
  assert.equal((await query(2, 5)).length, 8);
  assert.equal(wideBytes(await query(2, 6, true)), "RDP-Tcp#7"); // WTSWinStationName
  assert.equal(wideBytes(await query(2, 7)), "CONTOSO"); // WTSDomainName
  assert.equal(wideBytes(await query(2, 10)), "LAPTOP-BOB"); // WTSClientName
  assert.equal(wideBytes(await query(2, 11)), "C:\\Windows\\System32\\mstscax.dll");
  assert.equal(wideBytes(await query(2, 0)), ""); // WTSInitialProgram: none
  const u32 = (b: Uint8Array) => new DataView(b.buffer).getUint32(0, true);
  const u16 = (b: Uint8Array) => new DataView(b.buffer).getUint16(0, true);
  const sessionId = await query(2, 4);
  assert.equal(sessionId.length, 4);
  assert.equal(u32(sessionId), 2);
  assert.equal(u32(await query(2, 8)), 0); // WTSConnectState: WTSActive
  assert.equal(u32(await query(2, 9)), 22621); // WTSClientBuildNumber
  const product = await query(2, 12);
  assert.equal(product.length, 2);
  assert.equal(u16(product), 1);
  assert.equal(u32(await query(2, 13)), 77); // WTSClientHardwareId
  const protocol = await query(2, 16);
  assert.equal(protocol.length, 2);
  assert.equal(u16(protocol), 2); // RDP
  assert.equal(u16(await query(1, 16)), 0); // console
  const display = new DataView((await query(2, 15)).buffer);
  assert.deepEqual([0, 4, 8].map((o) => display.getUint32(o, true)), [1920, 1080, 24]);
  assert.deepEqual(await query(2, 29), new Uint8Array([1])); // WTSIsRemoteSession
  assert.deepEqual(await query(1, 29), new Uint8Array([0]));
  assertNoLeaks();
});

Deno.test("WTSQuerySessionInformationW WTSClientAddress: IPv4 at Address[2..5], IPv6 at [2..17]", async () => {
  useDoubles();
  seed();
  const v4 = await query(2, 14);
  assert.equal(v4.length, 24);
  assert.equal(new DataView(v4.buffer).getUint32(0, true), 2); // AF_INET
  assert.deepEqual([...v4.subarray(4, 10)], [0, 0, 192, 168, 0, 1]);
  doubles.addSession({ id: 3, winStation: "RDP-Tcp#8", state: 0, clientAddress: "ffff::1" });
  const v6 = await query(3, 14);
  assert.equal(new DataView(v6.buffer).getUint32(0, true), 23); // AF_INET6
  // KB951422 / pywin32 #664: two zero bytes, then the 16 address bytes.
  assert.deepEqual([...v6.subarray(4, 22)], [
    0,
    0,
    0xff,
    0xff,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    1,
  ]);
  assert.equal(new DataView((await query(1, 14)).buffer).getUint32(0, true), 0); // AF_UNSPEC
  assertNoLeaks();
});

Deno.test("WTSQuerySessionInformationW WTSSessionInfo (WTSINFOW) and WTSClientInfo (WTSCLIENTW)", async () => {
  useDoubles();
  seed();
  const info = await query(2, 24);
  assert.equal(info.length, 216);
  const view = new DataView(info.buffer);
  assert.equal(view.getInt32(0, true), 0);
  assert.equal(view.getUint32(4, true), 2);
  const fixed = (offset: number, units: number) =>
    new TextDecoder("utf-16le").decode(info.subarray(offset, offset + units * 2)).replace(
      /\0.*$/s,
      "",
    );
  assert.equal(fixed(32, 32), "RDP-Tcp#7");
  assert.equal(fixed(96, 17), "CONTOSO");
  assert.equal(fixed(130, 21), "bob");
  assert.equal(view.getBigInt64(176, true), fileTime("2024-05-01T09:00:01Z")); // ConnectTime
  assert.equal(view.getBigInt64(184, true), 0n); // DisconnectTime
  assert.equal(view.getBigInt64(192, true), fileTime("2024-05-01T10:00:00Z")); // LastInputTime
  assert.equal(view.getBigInt64(200, true), fileTime("2024-05-01T09:00:00Z")); // LogonTime
  assert.equal(view.getBigInt64(208, true), fileTime("2024-05-01T10:30:00Z")); // CurrentTime

  const client = await query(2, 23);
  assert.equal(client.length, 2304);
  const cv = new DataView(client.buffer);
  const clientText = (offset: number, units: number) =>
    new TextDecoder("utf-16le").decode(client.subarray(offset, offset + units * 2)).replace(
      /\0.*$/s,
      "",
    );
  assert.equal(clientText(0, 21), "LAPTOP-BOB");
  assert.equal(clientText(42, 18), "CONTOSO");
  assert.equal(clientText(78, 21), "bob");
  assert.equal(cv.getUint32(1168, true), 2); // ClientAddressFamily
  assert.equal(cv.getUint16(1234, true), 1920); // HRes
  assert.equal(cv.getUint32(1764, true), 22621); // ClientBuildNumber
  assertNoLeaks();
});

Deno.test("WTSQuerySessionInformationW errors: 7022 unknown session, 50 WTSIdleTime, current session", async () => {
  useDoubles();
  seed();
  const w = wtsapi32();
  const o = outs();
  assert.equal(w.WTSQuerySessionInformationW(null, 99, 5, o.pointerBytes, o.dwordBytes), 0);
  assert.equal(lastError(), 7022);
  for (const infoClass of [17, 18, 19, 20, 21, 22]) {
    assert.equal(
      w.WTSQuerySessionInformationW(null, 2, infoClass, o.pointerBytes, o.dwordBytes),
      0,
    );
    assert.equal(lastError(), 50, `class ${infoClass}`);
  }
  assert.equal(w.WTSQuerySessionInformationW(null, 2, 1000, o.pointerBytes, o.dwordBytes), 0);
  assert.equal(lastError(), 87);
  doubles.setCurrentSession(2);
  assert.equal(wideBytes(await query(WTS_CURRENT_SESSION, 5)), "bob");
  assertNoLeaks();
});

Deno.test("WTSDisconnectSession sets WTSDisconnected; unknown session is 7022", async () => {
  useDoubles();
  seed();
  const w = wtsapi32();
  assert.equal(w.WTSDisconnectSession(null, 2, 1), 1);
  assert.equal(doubles.sessionState(2), ConnectState.Disconnected);
  assert.equal(await w.WTSDisconnectSessionAsync(null, 1, 0), 1);
  assert.equal(doubles.sessionState(1), ConnectState.Disconnected);
  assert.equal(w.WTSDisconnectSession(null, 42, 0), 0);
  assert.equal(lastError(), 7022);
  assertNoLeaks();
});

Deno.test("WTSLogoffSession removes the session and ends its processes; unknown is 7022", async () => {
  useDoubles();
  seed();
  const w = wtsapi32();
  assert.equal(w.WTSLogoffSession(null, 2, 1), 1);
  assert.equal(doubles.sessionState(2), -1);
  assert.equal(doubles.processAlive(1200), false);
  assert.equal(doubles.processAlive(1300), true);
  assert.equal(await w.WTSLogoffSessionAsync(null, 1, 0), 1);
  assert.equal(doubles.processAlive(1300), false);
  assert.equal(w.WTSLogoffSession(null, 2, 0), 0);
  assert.equal(lastError(), 7022);
  assertNoLeaks();
});

function messageArgs(title: string, text: string) {
  return {
    title: wide(title),
    titleBytes: title.length * 2,
    text: wide(text),
    textBytes: text.length * 2,
  };
}

Deno.test("WTSSendMessageW: byte lengths, IDASYNC without bWait, the configured reply with it", async () => {
  useDoubles();
  seed();
  const w = wtsapi32();
  const m = messageArgs("Maintenance", "Save your work: the server restarts at 18:00.");
  const response = new Uint32Array(1);
  const r = new Uint8Array(response.buffer);
  assert.equal(
    w.WTSSendMessageW(null, 2, m.title, m.titleBytes, m.text, m.textBytes, 0, 0, r, 0),
    1,
  );
  assert.equal(response[0], IDASYNC);
  doubles.setMessageResponse(IDYES);
  assert.equal(
    await w.WTSSendMessageWAsync(
      null,
      2,
      m.title,
      m.titleBytes,
      m.text,
      m.textBytes,
      MB_YESNO,
      30,
      r,
      1,
    ),
    1,
  );
  assert.equal(response[0], IDYES);
  assert.deepEqual(doubles.lastMessage(), {
    count: 2,
    title: "Maintenance",
    text: "Save your work: the server restarts at 18:00.",
    style: MB_YESNO,
    timeout: 30,
    wait: true,
  });
  // Lengths in characters, or counting the NUL, are caller bugs.
  assert.equal(w.WTSSendMessageW(null, 2, m.title, 11, m.text, m.textBytes, 0, 0, r, 0), 0);
  assert.equal(lastError(), 87);
  assert.equal(
    w.WTSSendMessageW(null, 2, m.title, m.titleBytes, m.text, m.textBytes + 2, 0, 0, r, 0),
    0,
  );
  assert.equal(lastError(), 87);
  assert.equal(
    w.WTSSendMessageW(null, 9, m.title, m.titleBytes, m.text, m.textBytes, 0, 0, r, 0),
    0,
  );
  assert.equal(lastError(), 7022);
  assertNoLeaks();
});

Deno.test("WTSSendMessageW with bWait returns IDTIMEOUT when Timeout elapses first", async () => {
  useDoubles();
  seed();
  const w = wtsapi32();
  const m = messageArgs("T", "x");
  doubles.setMessageResponse(IDYES, 5000);
  const response = new Uint32Array(1);
  const ok = await w.WTSSendMessageWAsync(
    null,
    2,
    m.title,
    m.titleBytes,
    m.text,
    m.textBytes,
    MB_YESNO,
    1,
    new Uint8Array(response.buffer),
    1,
  );
  assert.equal(ok, 1);
  assert.equal(response[0], IDTIMEOUT);
  assertNoLeaks();
});

Deno.test("WTSEnumerateProcessesW: rows, names and binary SIDs in one block", async () => {
  useDoubles();
  seed();
  const w = wtsapi32();
  for (const call of [w.WTSEnumerateProcessesW, w.WTSEnumerateProcessesWAsync]) {
    const o = outs();
    assert.equal(await call(null, 0, 1, o.pointerBytes, o.dwordBytes), 1);
    try {
      const count = o.dword[0]!;
      const view = bytesOf(o.block()!, count * 24);
      const rows = Array.from({ length: count }, (_, i) => ({
        session: view.getUint32(i * 24, true),
        pid: view.getUint32(i * 24 + 4, true),
        name: readWide(pointerAt(view, i * 24 + 8)),
        sid: sidText(pointerAt(view, i * 24 + 16)),
      }));
      assert.deepEqual(rows, [
        { session: 0, pid: 4, name: "System", sid: "S-1-5-18" },
        {
          session: 2,
          pid: 1200,
          name: "notepad.exe",
          sid: "S-1-5-21-1004336348-1177238915-682003330-1001",
        },
        { session: 1, pid: 1300, name: "explorer.exe", sid: null },
      ]);
    } finally {
      w.WTSFreeMemory(o.block());
    }
  }
  const o = outs();
  assert.equal(w.WTSEnumerateProcessesW(null, 0, 2, o.pointerBytes, o.dwordBytes), 0);
  assert.equal(lastError(), 87);
  assertNoLeaks();
});

Deno.test("WTSEnumerateProcessesExW levels 0 and 1, session filter, WTSFreeMemoryExW classes", async () => {
  useDoubles();
  seed();
  const w = wtsapi32();
  const level = new Uint32Array([1]);
  const o = outs();
  assert.equal(
    await w.WTSEnumerateProcessesExWAsync(
      null,
      new Uint8Array(level.buffer),
      2,
      o.pointerBytes,
      o.dwordBytes,
    ),
    1,
  );
  try {
    assert.equal(o.dword[0], 1);
    const view = bytesOf(o.block()!, 64);
    assert.equal(view.getUint32(4, true), 1200);
    assert.equal(readWide(pointerAt(view, 8)), "notepad.exe");
    assert.equal(view.getUint32(24, true), 3); // NumberOfThreads
    assert.equal(view.getUint32(28, true), 120); // HandleCount
    assert.equal(view.getUint32(40, true), 409600); // WorkingSetSize
    assert.equal(view.getBigInt64(48, true), 5_000_000n); // UserTime
    assert.equal(view.getBigInt64(56, true), 1_000_000n); // KernelTime
  } finally {
    assert.equal(w.WTSFreeMemoryExW(WTSTypeProcessInfoLevel0, o.block(), 1), 0); // wrong class
    assert.equal(w.WTSFreeMemoryExW(WTSTypeProcessInfoLevel1, o.block(), 1), 1);
  }
  level[0] = 0;
  assert.equal(
    w.WTSEnumerateProcessesExW(
      null,
      new Uint8Array(level.buffer),
      WTS_ANY_SESSION,
      o.pointerBytes,
      o.dwordBytes,
    ),
    1,
  );
  assert.equal(o.dword[0], 3);
  assert.equal(w.WTSFreeMemoryExW(WTSTypeProcessInfoLevel0, o.block(), 3), 1);
  level[0] = 2;
  assert.equal(
    w.WTSEnumerateProcessesExW(
      null,
      new Uint8Array(level.buffer),
      WTS_ANY_SESSION,
      o.pointerBytes,
      o.dwordBytes,
    ),
    0,
  );
  assert.equal(lastError(), 87);
  assertNoLeaks();
});

Deno.test("WTSTerminateProcess records the exit code; unknown pid is 87, denied is 5", () => {
  useDoubles();
  seed();
  const w = wtsapi32();
  assert.equal(w.WTSTerminateProcess(null, 1200, 0xc0de), 1);
  assert.equal(doubles.processAlive(1200), false);
  assert.equal(doubles.processExitCode(1200), 0xc0de);
  assert.equal(w.WTSTerminateProcess(null, 1200, 1), 0); // already gone
  assert.equal(lastError(), 87);
  assert.equal(w.WTSTerminateProcess(null, 31337, 1), 0);
  assert.equal(lastError(), 87);
  doubles.addProcess({ pid: 88, sessionId: 0, name: "csrss.exe", accessDenied: true });
  assert.equal(w.WTSTerminateProcess(null, 88, 1), 0);
  assert.equal(lastError(), 5);
  assertNoLeaks();
});

Deno.test("WTSWaitSystemEvent returns injected flags matching its mask and clears them", async () => {
  useDoubles();
  const w = wtsapi32();
  const flags = new Uint32Array(1);
  const waiting = w.WTSWaitSystemEvent(
    null,
    WTS_EVENT_LOGON | WTS_EVENT_LOGOFF,
    new Uint8Array(flags.buffer),
  );
  await doubles.waitUntilPending(1);
  doubles.injectEvent(0x8); // WTS_EVENT_CONNECT: not in the mask, stays pending
  doubles.injectEvent(WTS_EVENT_LOGON);
  assert.equal(await waiting, 1);
  assert.equal(flags[0], WTS_EVENT_LOGON);
  // The CONNECT event is still pending for the next waiter that asks for it.
  assert.equal(await w.WTSWaitSystemEvent(null, WTS_EVENT_ALL, new Uint8Array(flags.buffer)), 1);
  assert.equal(flags[0], 0x8);
  assertNoLeaks();
});

Deno.test("WTS_EVENT_FLUSH makes pending waits on that handle return WTS_EVENT_NONE", async () => {
  useDoubles();
  const w = wtsapi32();
  doubles.addServer("RDSH01");
  const h = w.WTSOpenServerW(wide("RDSH01"));
  try {
    const flags = new Uint32Array([0xffff]);
    const waiting = w.WTSWaitSystemEvent(h, WTS_EVENT_ALL, new Uint8Array(flags.buffer));
    await doubles.waitUntilPending(1);
    const flushFlags = new Uint32Array(1);
    assert.equal(
      w.WTSWaitSystemEventFlush(h, WTS_EVENT_FLUSH, new Uint8Array(flushFlags.buffer)),
      1,
    );
    assert.equal(await waiting, 1);
    assert.equal(flags[0], 0); // WTS_EVENT_NONE
    assert.equal(doubles.waitPending(), 0);
  } finally {
    w.WTSCloseServer(h);
  }
  const flags = new Uint32Array(1);
  assert.equal(
    w.WTSWaitSystemEventFlush(
      Deno.UnsafePointer.of(new Uint8Array(8)),
      WTS_EVENT_FLUSH,
      new Uint8Array(flags.buffer),
    ),
    0,
  );
  assert.equal(lastError(), 6);
  assertNoLeaks();
});

Deno.test("injected failures apply to the named function and are counted", () => {
  useDoubles();
  seed();
  const w = wtsapi32();
  doubles.failNext("WTSOpenServerW", 5, 2);
  assert.equal(w.WTSOpenServerW(wide("a")), null);
  assert.equal(lastError(), 5);
  assert.equal(w.WTSOpenServerW(wide("a")), null);
  const h = w.WTSOpenServerW(wide("a"));
  assert.notEqual(h, null);
  w.WTSCloseServer(h);
  assert.equal(doubles.calls("WTSOpenServerW"), 3);
  doubles.failNext("WTSEnumerateSessionsW", 1726, -1);
  const o = outs();
  for (let i = 0; i < 3; i++) {
    assert.equal(w.WTSEnumerateSessionsW(null, 0, 1, o.pointerBytes, o.dwordBytes), 0);
    assert.equal(lastError(), 1726);
  }
  doubles.reset();
  assert.equal(w.WTSEnumerateSessionsW(null, 0, 1, o.pointerBytes, o.dwordBytes), 1);
  w.WTSFreeMemory(o.block());
  assertNoLeaks();
});

Deno.test("generated sessions and processes enumerate in bulk", () => {
  useDoubles();
  const w = wtsapi32();
  assert.equal(doubles.generateSessions(200), 1);
  doubles.generateProcesses(1000);
  const o = outs();
  assert.equal(w.WTSEnumerateSessionsW(null, 0, 1, o.pointerBytes, o.dwordBytes), 1);
  assert.equal(o.dword[0], 200);
  w.WTSFreeMemory(o.block());
  assert.equal(w.WTSEnumerateProcessesW(null, 0, 1, o.pointerBytes, o.dwordBytes), 1);
  assert.equal(o.dword[0], 1000);
  const view = bytesOf(o.block()!, 24);
  assert.equal(readWide(pointerAt(view, 8)), "proc00000.exe");
  assert.equal(sidText(pointerAt(view, 16)), "S-1-5-21-1000-2000-3000-1000");
  w.WTSFreeMemory(o.block());
  assertNoLeaks();
});
