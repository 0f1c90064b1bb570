/**
 * Integration tests against Wine's OWN wtsapi32.dll, rstrtmgr.dll and kernel32.dll (no test
 * doubles), through the raw symbol tables that ffi/load.ts opens: they prove the bindings work
 * with the Microsoft x64 calling convention, the PE loader and DLLs somebody else wrote.
 *
 * The expected values are what Wine 10 answers (see /work/brief/wine_notes.md). Tests that hold
 * on any Windows run on real Windows too; the Wine-specific ones are ignored there. Everything
 * is ignored, with the reason printed, outside Windows/Wine or when WINSESSION_DLL_DIR is set.
 *
 * Run: sudo scripts/wine/run.sh test --allow-ffi --allow-env --allow-read tests/windows/
 *
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath as fromFileUrl } from "node:url";
import { kernel32, rstrtmgr, wtsapi32 } from "../../ffi/load.ts";
import {
  RM_PROCESS_INFO,
  WTS_PROCESS_INFOW,
  WTS_SESSION_INFOW,
  WTSINFOW,
} from "../../ffi/layouts.ts";
import { decodeWide, encodeWide, readWide } from "../../ffi/utf16.ts";
import { ERROR_CALL_NOT_IMPLEMENTED, WindowsError } from "../../ffi/errors.ts";
import {
  activeConsoleSessionId,
  currentSessionId,
  findLockingProcesses,
  getSession,
  listProcesses,
  listSessions,
  openServer,
  RestartManagerSession,
  type Session,
} from "../../mod.ts";
import { announceSkip, windowsSkipReason, wineSkipReason } from "./wine.ts";
import { forgetOsVersions, localOsVersion, remoteOsVersion } from "../../wts/_os_version.ts";

const onWindows = !announceSkip("tests/windows (any Windows)", windowsSkipReason());
const onWine = !announceSkip("tests/windows (Wine)", wineSkipReason());

const WTS_CURRENT_SERVER_HANDLE = null;
const WTS_CURRENT_SESSION = 0xffff_ffff;
const WTSActive = 0;
const WTSUserName = 5;
const WTSDomainName = 7;
const WTSConnectState = 8;
const WTSClientProtocolType = 16;
const WTSSessionInfo = 24;
const FORMAT_MESSAGE_ALLOCATE_BUFFER = 0x100;
const FORMAT_MESSAGE_IGNORE_INSERTS = 0x200;
const FORMAT_MESSAGE_FROM_SYSTEM = 0x1000;
const CCH_RM_SESSION_KEY = 32;

interface SessionRow {
  sessionId: number;
  winStationName: string;
  state: number;
}

interface ProcessRow {
  sessionId: number;
  processId: number;
  processName: string;
  hasSid: boolean;
}

/** Reads the pointer a WTS out-parameter received. */
function outPointer(cell: BigUint64Array): Deno.PointerValue {
  return Deno.UnsafePointer.create(cell[0]!);
}

function enumerateSessions(): SessionRow[] {
  const wts = wtsapi32();
  const list = new BigUint64Array(1);
  const count = new Uint32Array(1);
  const ok = wts.WTSEnumerateSessionsW(WTS_CURRENT_SERVER_HANDLE, 0, 1, list, count);
  if (!ok) throw WindowsError.fromLastError("WTSEnumerateSessionsW");
  const pointer = outPointer(list);
  try {
    return decodeSessions(pointer, count[0]!);
  } finally {
    wts.WTSFreeMemory(pointer);
  }
}

function decodeSessions(pointer: Deno.PointerValue, count: number): SessionRow[] {
  if (pointer === null || count === 0) return [];
  const size = WTS_SESSION_INFOW.size;
  const view = new DataView(Deno.UnsafePointerView.getArrayBuffer(pointer, count * size));
  const rows: SessionRow[] = [];
  for (let i = 0; i < count; i++) {
    const base = i * size;
    const name = view.getBigUint64(base + WTS_SESSION_INFOW.offsets.pWinStationName, true);
    rows.push({
      sessionId: view.getUint32(base + WTS_SESSION_INFOW.offsets.SessionId, true),
      winStationName: readWide(Deno.UnsafePointer.create(name)),
      state: view.getUint32(base + WTS_SESSION_INFOW.offsets.State, true),
    });
  }
  return rows;
}

function enumerateProcesses(): ProcessRow[] {
  const wts = wtsapi32();
  const list = new BigUint64Array(1);
  const count = new Uint32Array(1);
  const ok = wts.WTSEnumerateProcessesW(WTS_CURRENT_SERVER_HANDLE, 0, 1, list, count);
  if (!ok) throw WindowsError.fromLastError("WTSEnumerateProcessesW");
  const pointer = outPointer(list);
  try {
    const size = WTS_PROCESS_INFOW.size;
    const n = count[0]!;
    if (pointer === null || n === 0) return [];
    const view = new DataView(Deno.UnsafePointerView.getArrayBuffer(pointer, n * size));
    const rows: ProcessRow[] = [];
    for (let i = 0; i < n; i++) {
      const base = i * size;
      const name = view.getBigUint64(base + WTS_PROCESS_INFOW.offsets.pProcessName, true);
      rows.push({
        sessionId: view.getUint32(base + WTS_PROCESS_INFOW.offsets.SessionId, true),
        processId: view.getUint32(base + WTS_PROCESS_INFOW.offsets.ProcessId, true),
        processName: readWide(Deno.UnsafePointer.create(name)),
        hasSid: view.getBigUint64(base + WTS_PROCESS_INFOW.offsets.pUserSid, true) !== 0n,
      });
    }
    return rows;
  } finally {
    wts.WTSFreeMemory(pointer);
  }
}

/** WTSQuerySessionInformationW: the returned bytes, or the WindowsError it failed with. */
function querySession(sessionId: number, infoClass: number): Uint8Array | WindowsError {
  const wts = wtsapi32();
  const buffer = new BigUint64Array(1);
  const bytes = new Uint32Array(1);
  const ok = wts.WTSQuerySessionInformationW(
    WTS_CURRENT_SERVER_HANDLE,
    sessionId,
    infoClass,
    buffer,
    bytes,
  );
  if (!ok) return WindowsError.fromLastError("WTSQuerySessionInformationW");
  const pointer = outPointer(buffer);
  try {
    if (pointer === null || bytes[0] === 0) return new Uint8Array(0);
    return new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(pointer, bytes[0]!)).slice();
  } finally {
    wts.WTSFreeMemory(pointer);
  }
}

function queryString(sessionId: number, infoClass: number): string {
  const bytes = querySession(sessionId, infoClass);
  if (bytes instanceof WindowsError) throw bytes;
  return decodeWide(bytes);
}

/** FormatMessageW(FROM_SYSTEM | ALLOCATE_BUFFER) for `code`, freeing the buffer with LocalFree. */
function formatMessage(code: number): string {
  const k32 = kernel32();
  const out = new BigUint64Array(1);
  const flags = FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
    FORMAT_MESSAGE_IGNORE_INSERTS;
  const length = k32.FormatMessageW(flags, null, code, 0, new Uint8Array(out.buffer), 0, null);
  const pointer = outPointer(out);
  try {
    return length === 0 ? "" : readWide(pointer).trim();
  } finally {
    if (pointer !== null) assert.equal(k32.LocalFree(pointer), null, "LocalFree failed");
  }
}

Deno.test({
  name: "kernel32: ProcessIdToSessionId(our pid) matches our row in WTSEnumerateProcessesW",
  ignore: !onWindows,
  fn() {
    const k32 = kernel32();
    const pid = k32.GetCurrentProcessId();
    assert.equal(pid, Deno.pid);
    const session = new Uint32Array(1);
    assert.equal(k32.ProcessIdToSessionId(pid, session), 1);
    const ours = enumerateProcesses().find((row) => row.processId === pid);
    assert.ok(ours, `pid ${pid} is not in WTSEnumerateProcessesW`);
    assert.equal(ours.sessionId, session[0]);
    assert.match(ours.processName, /^deno(\.exe)?$/i);
  },
});

Deno.test({
  name: "wine: WTSEnumerateSessionsW lists one session: 1, Console, Active",
  ignore: !onWine,
  fn() {
    assert.deepEqual(enumerateSessions(), [
      { sessionId: 1, winStationName: "Console", state: WTSActive },
    ]);
  },
});

Deno.test({
  name: "wine: the nonblocking WTSEnumerateSessionsWAsync gives the same list",
  ignore: !onWine,
  async fn() {
    const wts = wtsapi32();
    const list = new BigUint64Array(1);
    const count = new Uint32Array(1);
    const ok = await wts.WTSEnumerateSessionsWAsync(
      WTS_CURRENT_SERVER_HANDLE,
      0,
      1,
      list,
      count,
    );
    assert.equal(ok, 1);
    const pointer = outPointer(list);
    try {
      assert.deepEqual(decodeSessions(pointer, count[0]!), enumerateSessions());
    } finally {
      wts.WTSFreeMemory(pointer);
    }
  },
});

Deno.test({
  name: "wine: kernel32 puts us in session 1, the active console session",
  ignore: !onWine,
  fn() {
    const k32 = kernel32();
    const session = new Uint32Array([0xdead]);
    assert.equal(k32.ProcessIdToSessionId(k32.GetCurrentProcessId(), session), 1);
    assert.equal(session[0], 1);
    assert.equal(k32.WTSGetActiveConsoleSessionId(), 1);
  },
});

Deno.test({
  name: "wine: WTSEnumerateProcessesW lists deno.exe with our pid in session 1",
  ignore: !onWine,
  fn() {
    const rows = enumerateProcesses();
    const pid = kernel32().GetCurrentProcessId();
    const ours = rows.find((row) => row.processId === pid);
    assert.ok(ours, `pid ${pid} missing from ${JSON.stringify(rows)}`);
    assert.equal(ours.sessionId, 1);
    assert.equal(ours.processName.toLowerCase(), "deno.exe");
    // Wine's own services run beside us (services.exe, winedevice.exe, ...).
    assert.ok(rows.length > 1, `only ${rows.length} process listed`);
  },
});

Deno.test({
  name: "wine: WTSQuerySessionInformationW answers user, domain, state and protocol",
  ignore: !onWine,
  fn() {
    const user = queryString(WTS_CURRENT_SESSION, WTSUserName);
    const domain = queryString(WTS_CURRENT_SESSION, WTSDomainName);
    assert.notEqual(user, "");
    assert.notEqual(domain, "");
    // Wine answers the Unix user and the host name, which it also puts in the environment.
    assert.equal(user, Deno.env.get("USERNAME"));
    assert.equal(domain.toUpperCase(), Deno.env.get("COMPUTERNAME")?.toUpperCase());

    const state = querySession(1, WTSConnectState);
    assert.ok(state instanceof Uint8Array);
    assert.equal(state.byteLength, 4);
    assert.equal(new DataView(state.buffer).getUint32(0, true), WTSActive);

    const protocol = querySession(1, WTSClientProtocolType);
    assert.ok(protocol instanceof Uint8Array);
    assert.equal(protocol.byteLength, 2); // USHORT
    assert.equal(new DataView(protocol.buffer).getUint16(0, true), 0); // 0 = console
  },
});

Deno.test({
  name: "wine: WTSSessionInfo is a 216-byte WTSINFOW for session 1",
  ignore: !onWine,
  fn() {
    const bytes = querySession(WTS_CURRENT_SESSION, WTSSessionInfo);
    assert.ok(bytes instanceof Uint8Array, String(bytes));
    assert.equal(bytes.byteLength, WTSINFOW.size);
    const view = new DataView(bytes.buffer);
    assert.equal(view.getUint32(WTSINFOW.offsets.State, true), WTSActive);
    assert.equal(view.getUint32(WTSINFOW.offsets.SessionId, true), 1);
    const user = decodeWide(bytes, WTSINFOW.offsets.UserName, 21);
    assert.equal(user, queryString(WTS_CURRENT_SESSION, WTSUserName).slice(0, 20));
  },
});

Deno.test({
  name: "wine: WTSOpenServerW fails with ERROR_CALL_NOT_IMPLEMENTED (120) and its system text",
  ignore: !onWine,
  fn() {
    const wts = wtsapi32();
    const handle = wts.WTSOpenServerW(encodeWide("winsession-no-such-server"));
    const error = handle === null ? WindowsError.fromLastError("WTSOpenServerW") : undefined;
    if (handle !== null) wts.WTSCloseServer(handle);
    assert.equal(handle, null);
    assert.ok(error instanceof WindowsError);
    assert.equal(error.code, ERROR_CALL_NOT_IMPLEMENTED);
    assert.equal(error.errorName, "ERROR_CALL_NOT_IMPLEMENTED");
    assert.equal(error.functionName, "WTSOpenServerW");
    const text = formatMessage(120);
    assert.notEqual(text, "", "FormatMessageW has no text for 120");
    assert.equal(error.systemMessage, text);
    assert.equal(
      error.message,
      `WTSOpenServerW failed: ERROR_CALL_NOT_IMPLEMENTED (120): ${text}`,
    );
  },
});

Deno.test({
  name: "wine: the Restart Manager round-trips start, register, list, shutdown and end",
  ignore: !onWine,
  fn() {
    // Wine's RmStartSession writes the handle (0xDEADBEEF) but never the key, and RmGetList never
    // writes lpdwRebootReasons: callers must zero both buffers first (as done here). Wine's
    // RmJoinSession, RmCancelCurrentTask and RmGetFilterList are unimplemented entry points that
    // abort the whole process when called, so they are not called here.
    const rm = rstrtmgr();
    const handle = new Uint32Array([0xffff_ffff]);
    const key = new Uint8Array((CCH_RM_SESSION_KEY + 1) * 2);
    assert.equal(rm.RmStartSession(handle, 0, key), 0);
    try {
      assert.equal(handle[0], 0xdead_beef);
      assert.equal(decodeWide(key, 0, CCH_RM_SESSION_KEY + 1), "");

      const file = encodeWide("Z:\\repo\\deno.json");
      const files = new BigUint64Array([Deno.UnsafePointer.value(Deno.UnsafePointer.of(file))]);
      assert.equal(rm.RmRegisterResources(handle[0]!, 1, files, 0, null, 0, null), 0);

      const needed = new Uint32Array([0xdead]);
      const capacity = 4;
      const count = new Uint32Array([capacity]);
      const apps = new Uint8Array(capacity * RM_PROCESS_INFO.size);
      const reasons = new Uint32Array([0]);
      assert.equal(rm.RmGetList(handle[0]!, needed, count, apps, reasons), 0);
      assert.deepEqual([needed[0], count[0], reasons[0]], [0, 0, 0]);

      assert.equal(rm.RmShutdown(handle[0]!, 0, null), 0);
      assert.equal(rm.RmRestart(handle[0]!, 0, null), 0);
    } finally {
      assert.equal(rm.RmEndSession(handle[0]!), 0);
    }
  },
});

Deno.test({
  name: "wine: stubs fail without setting the last error (callers must not trust a stale code)",
  ignore: !onWine,
  fn() {
    // Wine's WTSQuerySessionInformationW (classes it lacks), WTSEnumerateSessionsExW,
    // WTSEnumerateServersW, WTSTerminateProcess and WTSSendMessageW return FALSE and leave the
    // thread's last error as it was. The library must not turn that into a misleading error.
    const setLastError = Deno.dlopen(
      "kernel32.dll",
      {
        SetLastError: { parameters: ["u32"], result: "void" },
      } as const,
    );
    try {
      const wts = wtsapi32();
      const k32 = kernel32();
      const marker = 0xbeef;
      setLastError.symbols.SetLastError(marker);
      const out = new BigUint64Array(1);
      const bytes = new Uint32Array(1);
      const WTSClientName = 10;
      assert.equal(
        wts.WTSQuerySessionInformationW(null, WTS_CURRENT_SESSION, WTSClientName, out, bytes),
        0,
      );
      assert.equal(k32.GetLastError(), marker);
      assert.equal(out[0], 0n);

      setLastError.symbols.SetLastError(marker);
      const level = new Uint32Array([1]);
      const count = new Uint32Array(1);
      assert.equal(wts.WTSEnumerateSessionsExW(null, level, 0, out, count), 0);
      assert.equal(k32.GetLastError(), marker);

      // These two do set it.
      setLastError.symbols.SetLastError(marker);
      assert.equal(wts.WTSLogoffSession(null, 1, 0), 0);
      assert.equal(k32.GetLastError(), ERROR_CALL_NOT_IMPLEMENTED);
      assert.equal(wts.WTSDisconnectSession(null, 1, 0), 1); // a stub that claims success
    } finally {
      setLastError.close();
    }
  },
});

// ---- the typed library (mod.ts) against Wine's DLLs -------------------------------------------

/** The one session Wine has, as the typed library decodes it. */
function wineConsoleSession(lockedReason: string): Session {
  return {
    server: "",
    id: 1,
    stationName: "Console",
    state: "Active",
    // Wine answers the Unix user and the host name, which it also puts in the environment.
    user: Deno.env.get("USERNAME") ?? "",
    domain: Deno.env.get("COMPUTERNAME") ?? "",
    clientName: "",
    clientAddress: null,
    protocol: "console",
    // Wine's WTSINFOW carries no times (all zero), and WTSSessionInfoEx is not answered.
    connectTime: null,
    disconnectTime: null,
    lastInputTime: null,
    logonTime: null,
    idleMs: null,
    locked: null,
    lockedReason,
  };
}

Deno.test({
  name: "wine, mod.ts: listSessions falls back from WTSEnumerateSessionsExW to one Console session",
  ignore: !onWine,
  async fn() {
    // WTSEnumerateSessionsExW fails without setting the last error under Wine; the library
    // clears it first, so the fallback to WTSEnumerateSessionsW is taken instead of a bogus error.
    const sessions = await listSessions();
    assert.deepEqual(sessions, [
      wineConsoleSession("not read: pass lockState: true to listSessions, or use getSession"),
    ]);
    assert.notEqual(sessions[0]!.user, "");
  },
});

Deno.test({
  name: "wine, mod.ts: getSession(1) is the Console session",
  ignore: !onWine,
  async fn() {
    assert.deepEqual(
      await getSession(1),
      wineConsoleSession("the server does not answer WTSSessionInfoEx"),
    );
  },
});

Deno.test({
  name: "wine, mod.ts: currentSessionId and activeConsoleSessionId are 1",
  ignore: !onWine,
  fn() {
    assert.equal(currentSessionId(), 1);
    assert.equal(activeConsoleSessionId(), 1);
  },
});

Deno.test({
  name: "wine, mod.ts: listProcesses has deno.exe with our pid in session 1, with a SID",
  ignore: !onWine,
  async fn() {
    const processes = await listProcesses();
    const ours = processes.find((process) => process.pid === Deno.pid);
    assert.ok(ours, `pid ${Deno.pid} missing from ${JSON.stringify(processes)}`);
    assert.equal(ours.server, "");
    assert.equal(ours.name.toLowerCase(), "deno.exe");
    assert.equal(ours.sessionId, 1);
    assert.match(ours.userSid ?? "", /^S-1-5-21-/);
    assert.ok(processes.every((process) => process.sessionId === 1));
    assert.ok(processes.length > 1, `only ${processes.length} process listed`);
  },
});

Deno.test({
  name: "wine, mod.ts: openServer throws WindowsError 120 with its FormatMessageW text",
  ignore: !onWine,
  fn() {
    const text = formatMessage(ERROR_CALL_NOT_IMPLEMENTED);
    assert.notEqual(text, "");
    let thrown: unknown;
    try {
      openServer("x").close();
    } catch (error) {
      thrown = error;
    }
    assert.ok(thrown instanceof WindowsError, String(thrown));
    assert.equal(thrown.code, ERROR_CALL_NOT_IMPLEMENTED);
    assert.equal(thrown.errorName, "ERROR_CALL_NOT_IMPLEMENTED");
    // WTSOpenServerExW is tried first; its failure falls back to WTSOpenServerW, which is named.
    assert.equal(thrown.functionName, "WTSOpenServerW");
    assert.equal(thrown.systemMessage, text);
    assert.equal(
      thrown.message,
      `WTSOpenServerW failed: ERROR_CALL_NOT_IMPLEMENTED (120): ${text}`,
    );
  },
});

Deno.test({
  name: "wine, mod.ts: a RestartManagerSession starts, registers a file, lists nothing and ends",
  ignore: !onWine,
  fn() {
    // Not called here: RestartManagerSession.join, cancel and filters() (RmJoinSession,
    // RmCancelCurrentTask, RmGetFilterList are unimplemented in Wine and abort the process).
    const rm = RestartManagerSession.start();
    try {
      assert.equal(rm.handle, 0xdead_beef);
      assert.equal(rm.key, ""); // Wine never writes the session key
      rm.registerFiles(["deno.json"], "Z:\\repo");
      assert.deepEqual(rm.list(), { processes: [], rebootReasons: [], rebootReasonFlags: 0 });
    } finally {
      rm.end();
    }
    assert.equal(rm.ended, true);
    rm.end(); // idempotent
  },
});

Deno.test({
  name: "wine, mod.ts: findLockingProcesses reports nothing holding a file",
  ignore: !onWine,
  async fn() {
    const file = fromFileUrl(new URL("../../deno.json", import.meta.url));
    const report = await findLockingProcesses([file]);
    assert.deepEqual(report.processes, []);
    assert.equal(report.fileCount, 1);
    assert.deepEqual(report.rebootReasons, []);
  },
});

// ---- the OS version behind the lock state, against Wine's own ntdll.dll and netapi32.dll ------

Deno.test({
  name: "any Windows: RtlGetVersion (ntdll) answers through winsession's binding",
  ignore: !onWindows,
  fn() {
    forgetOsVersions();
    const version = localOsVersion();
    assert.ok(version !== null, "RtlGetVersion did not answer");
    assert.ok(version.major >= 6, `major ${version.major}`);
    forgetOsVersions();
  },
});

Deno.test({
  name: "wine: NetServerGetInfo level 101 answers this computer's version through the binding",
  ignore: !onWine,
  async fn() {
    forgetOsVersions();
    const computer = Deno.env.get("COMPUTERNAME") ?? "";
    const answer = await remoteOsVersion(computer);
    assert.equal(answer.reason, null);
    // Measured: Wine fills sv101_version_* from the caller's GetVersionExW, which answers 6.2
    // to a process without a compatibility manifest (deno.exe), while RtlGetVersion says 10.0.
    // Neither is 6.1, so the lock flags read the same either way.
    assert.deepEqual(answer.version, { major: 6, minor: 2 });
    assert.deepEqual(localOsVersion(), { major: 10, minor: 0 });
    forgetOsVersions();
  },
});
