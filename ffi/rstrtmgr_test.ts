/**
 * Raw calls of every rstrtmgr symbol against the Restart Manager test double: return codes,
 * out-parameters and struct layouts exactly as Win32 hands them over, decoded here by hand
 * (the typed library sits on top of this later). Every test ends with its sessions ended and
 * the doubles' RM-session counter back to zero.
 */
import assert from "node:assert/strict";

import { rstrtmgr, setDllDirectory } from "./load.ts";
import { decodeWide, encodeWide, pointerArray } from "./utf16.ts";
import { rmBuildDir, rmDoubles } from "../tests/doubles_rm.ts";

const ERROR_SUCCESS = 0;
const ERROR_FILE_NOT_FOUND = 2;
const ERROR_ACCESS_DENIED = 5;
const ERROR_INVALID_HANDLE = 6;
const ERROR_BAD_ARGUMENTS = 160;
const ERROR_MORE_DATA = 234;
const ERROR_FAIL_NOACTION_REBOOT = 350;
const ERROR_FAIL_SHUTDOWN = 351;
const ERROR_MAX_SESSIONS_REACHED = 353;
const ERROR_REQUEST_OUT_OF_SEQUENCE = 776;
const ERROR_SESSION_CREDENTIAL_CONFLICT = 1219;
const ERROR_CANCELLED = 1223;

const RmStatusRunning = 0x1;
const RmStatusStopped = 0x2;
const RmStatusRestarted = 0x8;
const RmStatusErrorOnStop = 0x10;
const RmStatusShutdownMasked = 0x40;
const RmForceShutdown = 0x1;
const RmShutdownOnlyRegistered = 0x10;
const RmNoRestart = 1;
const RmNoShutdown = 2;
const RmFilterTriggerFile = 1;
const RmFilterTriggerProcess = 2;
const RmFilterTriggerService = 3;

const RM_PROCESS_INFO_SIZE = 668;
const RM_UNIQUE_PROCESS_SIZE = 12;
const RM_FILTER_INFO_SIZE = 32;

setDllDirectory(rmBuildDir());
const rm = rstrtmgr();

/** The doubles' shared core, bound here only for what these raw tests need. */
const core = Deno.dlopen(`${rmBuildDir()}wsdouble.${Deno.build.os === "windows" ? "dll" : "so"}`, {
  dbl_reset: { parameters: [], result: "void" },
  dbl_rm_open_sessions: { parameters: [], result: "i64" },
  dbl_process_add: { parameters: ["buffer", "u32", "u32", "buffer", "buffer"], result: "i32" },
  dbl_process_set_u64: { parameters: ["buffer", "u32", "buffer", "u64"], result: "i32" },
  dbl_process_set_str: { parameters: ["buffer", "u32", "buffer", "buffer"], result: "i32" },
  dbl_process_alive: { parameters: ["buffer", "u32"], result: "i32" },
  dbl_fail_next: { parameters: ["buffer", "u32", "i32"], result: "void" },
}).symbols;

const cstr = (text: string) => new TextEncoder().encode(`${text}\0`);

interface ProcessSpec {
  pid: number;
  name: string;
  startTime: bigint;
  session?: number;
  appName?: string;
  imagePath?: string;
  service?: string;
  appType?: number;
  restartable?: boolean;
  refuseShutdown?: boolean;
}

function addProcess(spec: ProcessSpec): void {
  assert.equal(core.dbl_process_add(null, spec.pid, spec.session ?? 1, cstr(spec.name), null), 0);
  const setU64 = (field: string, value: bigint) =>
    assert.equal(core.dbl_process_set_u64(null, spec.pid, cstr(field), value), 0);
  const setStr = (field: string, value: string) =>
    assert.equal(core.dbl_process_set_str(null, spec.pid, cstr(field), cstr(value)), 0);
  setU64("create_time", spec.startTime);
  setU64("restartable", spec.restartable === false ? 0n : 1n);
  if (spec.refuseShutdown) setU64("refuse_shutdown", 1n);
  if (spec.appType !== undefined) setU64("app_type", BigInt(spec.appType));
  if (spec.appName) setStr("app_name", spec.appName);
  if (spec.imagePath) setStr("image_path", spec.imagePath);
  if (spec.service) setStr("service", spec.service);
}

function alive(pid: number): boolean {
  return core.dbl_process_alive(null, pid) === 1;
}

function freshDoubles(): void {
  core.dbl_reset(); // also resets the RM double (it registers a reset hook)
  assert.equal(core.dbl_rm_open_sessions(), 0n, "an earlier test leaked an RM session");
}

function assertNoSessions(): void {
  assert.equal(core.dbl_rm_open_sessions(), 0n, "RM sessions leaked");
}

function startSession(): { handle: number; key: string } {
  const handle = new Uint32Array(1);
  const key = new Uint8Array((32 + 1) * 2);
  assert.equal(rm.RmStartSession(handle, 0, key), ERROR_SUCCESS);
  return { handle: handle[0]!, key: decodeWide(key) };
}

function endSession(handle: number): void {
  assert.equal(rm.RmEndSession(handle), ERROR_SUCCESS);
}

function uniqueProcesses(list: readonly { pid: number; startTime: bigint }[]) {
  const bytes = new Uint8Array(Math.max(1, list.length) * RM_UNIQUE_PROCESS_SIZE);
  const view = new DataView(bytes.buffer);
  list.forEach(({ pid, startTime }, i) => {
    view.setUint32(i * 12, pid, true);
    view.setUint32(i * 12 + 4, Number(startTime & 0xffff_ffffn), true);
    view.setUint32(i * 12 + 8, Number(startTime >> 32n), true);
  });
  return bytes;
}

function register(
  handle: number,
  resources: {
    files?: string[];
    processes?: { pid: number; startTime: bigint }[];
    services?: string[];
  },
): number {
  const files = pointerArray(resources.files ?? []);
  const services = pointerArray(resources.services ?? []);
  const processes = resources.processes ?? [];
  return rm.RmRegisterResources(
    handle,
    resources.files?.length ?? 0,
    resources.files?.length ? files.array : null,
    processes.length,
    processes.length ? uniqueProcesses(processes) : null,
    resources.services?.length ?? 0,
    resources.services?.length ? services.array : null,
  );
}

interface ProcessInfo {
  pid: number;
  startTime: bigint;
  appName: string;
  serviceShortName: string;
  applicationType: number;
  appStatus: number;
  tsSessionId: number;
  restartable: boolean;
}

function decodeProcessInfos(bytes: Uint8Array, count: number): ProcessInfo[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const infos: ProcessInfo[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * RM_PROCESS_INFO_SIZE;
    infos.push({
      pid: view.getUint32(at, true),
      startTime: (BigInt(view.getUint32(at + 8, true)) << 32n) |
        BigInt(view.getUint32(at + 4, true)),
      appName: decodeWide(bytes, at + 12, 256),
      serviceShortName: decodeWide(bytes, at + 524, 64),
      applicationType: view.getUint32(at + 652, true),
      appStatus: view.getUint32(at + 656, true),
      tsSessionId: view.getUint32(at + 660, true),
      restartable: view.getInt32(at + 664, true) !== 0,
    });
  }
  return infos;
}

interface ListResult {
  code: number;
  needed: number;
  filled: number;
  rebootReasons: number;
  infos: ProcessInfo[];
}

function getList(handle: number, capacity: number): ListResult {
  const needed = new Uint32Array([0xdead]);
  const filled = new Uint32Array([capacity]);
  const reasons = new Uint32Array([0xdead]);
  const buffer = capacity ? new Uint8Array(capacity * RM_PROCESS_INFO_SIZE) : null;
  const code = rm.RmGetList(handle, needed, filled, buffer, reasons);
  return {
    code,
    needed: needed[0]!,
    filled: filled[0]!,
    rebootReasons: reasons[0]!,
    infos: code === ERROR_SUCCESS && buffer ? decodeProcessInfos(buffer, filled[0]!) : [],
  };
}

/** The documented retry loop: ask, size the array to what is needed, ask again. */
function getListRetrying(handle: number): { result: ListResult; calls: number } {
  let capacity = 0;
  for (let calls = 1; calls <= 10; calls++) {
    const result = getList(handle, capacity);
    if (result.code !== ERROR_MORE_DATA) return { result, calls };
    capacity = result.needed;
  }
  throw new Error("RmGetList kept answering ERROR_MORE_DATA");
}

function withPercentCallback<T>(body: (callback: Deno.PointerValue, seen: number[]) => T): T {
  const seen: number[] = [];
  const callback = new Deno.UnsafeCallback(
    { parameters: ["u32"], result: "void" } as const,
    (percent: number) => {
      seen.push(percent);
    },
  );
  try {
    return body(callback.pointer, seen);
  } finally {
    callback.close();
  }
}

const T0 = 133_000_000_000_000_000n; // a FILETIME in 2022

Deno.test("RmStartSession returns a handle and a 32-hex-digit key; RmEndSession ends it once", () => {
  freshDoubles();
  const first = startSession();
  const second = startSession();
  try {
    assert.match(first.key, /^[0-9a-f]{32}$/);
    assert.notEqual(first.key, second.key);
    assert.notEqual(first.handle, second.handle);
    assert.equal(core.dbl_rm_open_sessions(), 2n);
  } finally {
    endSession(first.handle);
    endSession(second.handle);
  }
  assert.equal(rm.RmEndSession(first.handle), ERROR_INVALID_HANDLE);
  assertNoSessions();
});

Deno.test("RmStartSession rejects reserved flags and NULL out-parameters", () => {
  freshDoubles();
  const handle = new Uint32Array(1);
  const key = new Uint8Array(66);
  assert.equal(rm.RmStartSession(handle, 1, key), ERROR_BAD_ARGUMENTS);
  assert.equal(rm.RmStartSession(null, 0, key), ERROR_BAD_ARGUMENTS);
  assert.equal(rm.RmStartSession(handle, 0, null), ERROR_BAD_ARGUMENTS);
  assertNoSessions();
});

Deno.test("the 65th open session fails with ERROR_MAX_SESSIONS_REACHED; joins count too", () => {
  freshDoubles();
  const handles: number[] = [];
  try {
    for (let i = 0; i < 63; i++) handles.push(startSession().handle);
    const last = startSession();
    handles.push(last.handle);
    assert.equal(new Set(handles).size, 64);
    assert.equal(core.dbl_rm_open_sessions(), 64n);
    const joined = new Uint32Array(1);
    const key = encodeWide(last.key);
    assert.equal(rm.RmJoinSession(joined, key), ERROR_MAX_SESSIONS_REACHED);
    const handle = new Uint32Array(1);
    assert.equal(rm.RmStartSession(handle, 0, new Uint8Array(66)), ERROR_MAX_SESSIONS_REACHED);
  } finally {
    for (const handle of handles) endSession(handle);
  }
  assertNoSessions();
});

Deno.test("RmJoinSession shares resources; unknown keys and primary-only calls answer 1219", () => {
  freshDoubles();
  const primary = startSession();
  const joined = new Uint32Array(1);
  try {
    assert.equal(
      rm.RmJoinSession(joined, encodeWide("0123456789abcdef0123456789abcdef")),
      ERROR_SESSION_CREDENTIAL_CONFLICT,
    );
    assert.equal(rm.RmJoinSession(null, encodeWide(primary.key)), ERROR_BAD_ARGUMENTS);
    assert.equal(rm.RmJoinSession(joined, encodeWide(primary.key.toUpperCase())), ERROR_SUCCESS);
    assert.notEqual(joined[0], primary.handle);
    assert.equal(core.dbl_rm_open_sessions(), 2n);
    assert.equal(register(joined[0]!, { files: ["C:\\app\\shared.dll"] }), ERROR_SUCCESS);
    assert.equal(rmDoubles.registered(primary.handle)?.files, 1);
    assert.equal(rm.RmShutdown(joined[0]!, 0, null), ERROR_SESSION_CREDENTIAL_CONFLICT);
    assert.equal(rm.RmRestart(joined[0]!, 0, null), ERROR_SESSION_CREDENTIAL_CONFLICT);
    assert.equal(
      rm.RmAddFilter(joined[0]!, null, null, encodeWide("Spooler"), RmNoRestart),
      ERROR_SESSION_CREDENTIAL_CONFLICT,
    );
    assert.equal(
      rm.RmGetFilterList(joined[0]!, null, 0, new Uint32Array(1)),
      ERROR_SESSION_CREDENTIAL_CONFLICT,
    );
    // The secondary installer may read the list.
    assert.equal(getList(joined[0]!, 0).code, ERROR_SUCCESS);
  } finally {
    endSession(primary.handle);
  }
  // The joined handle outlives the primary one.
  assert.equal(rmDoubles.registered(joined[0]!)?.files, 1);
  endSession(joined[0]!);
  assert.equal(rmDoubles.registered(joined[0]!), null);
  assertNoSessions();
});

Deno.test("every Rm* function answers ERROR_INVALID_HANDLE for an unknown handle", () => {
  freshDoubles();
  const stale = startSession().handle;
  endSession(stale);
  for (const handle of [stale, 63, 64, 0xffff_ffff]) {
    const out = new Uint32Array(1);
    const what = `handle ${handle}`;
    assert.equal(rm.RmEndSession(handle), ERROR_INVALID_HANDLE, what);
    assert.equal(register(handle, { files: ["C:\\x"] }), ERROR_INVALID_HANDLE, what);
    assert.equal(rm.RmGetList(handle, out, out, null, out), ERROR_INVALID_HANDLE, what);
    assert.equal(rm.RmShutdown(handle, 0, null), ERROR_INVALID_HANDLE, what);
    assert.equal(rm.RmRestart(handle, 0, null), ERROR_INVALID_HANDLE, what);
    assert.equal(rm.RmCancelCurrentTask(handle), ERROR_INVALID_HANDLE, what);
    const service = encodeWide("Spooler");
    assert.equal(rm.RmAddFilter(handle, null, null, service, 1), ERROR_INVALID_HANDLE, what);
    assert.equal(rm.RmRemoveFilter(handle, null, null, service), ERROR_INVALID_HANDLE, what);
    assert.equal(rm.RmGetFilterList(handle, null, 0, out), ERROR_INVALID_HANDLE, what);
  }
  assertNoSessions();
});

Deno.test("RmRegisterResources accumulates, ignores duplicates, rejects bad arguments whole", () => {
  freshDoubles();
  const { handle } = startSession();
  try {
    assert.equal(
      register(handle, {
        files: ["C:\\App\\a.dll", "c:\\app\\A.DLL", "\\\\server\\share\\b.txt", "/tmp/c.txt"],
        processes: [{ pid: 10, startTime: T0 }, { pid: 10, startTime: T0 }],
        services: ["Spooler", "spooler"],
      }),
      ERROR_SUCCESS,
    );
    assert.equal(register(handle, { processes: [{ pid: 10, startTime: T0 + 1n }] }), 0);
    assert.deepEqual(rmDoubles.registered(handle), {
      files: 3,
      processes: 2,
      services: 1,
      filters: 0,
    });
    // A count with a NULL array, and a relative path, register nothing.
    assert.equal(rm.RmRegisterResources(handle, 1, null, 0, null, 0, null), ERROR_BAD_ARGUMENTS);
    assert.equal(rm.RmRegisterResources(handle, 0, null, 1, null, 0, null), ERROR_BAD_ARGUMENTS);
    assert.equal(rm.RmRegisterResources(handle, 0, null, 0, null, 1, null), ERROR_BAD_ARGUMENTS);
    assert.equal(register(handle, { files: ["C:\\new.txt", "relative.txt"] }), ERROR_BAD_ARGUMENTS);
    assert.equal(rmDoubles.registered(handle)?.files, 3);
    assert.equal(register(handle, {}), ERROR_SUCCESS);
  } finally {
    endSession(handle);
  }
  assertNoSessions();
});

Deno.test("RmGetList: lockers, registered processes and services, with the MORE_DATA protocol", () => {
  freshDoubles();
  addProcess({
    pid: 100,
    name: "word.exe",
    appName: "Microsoft Word",
    startTime: T0,
    session: 2,
    appType: 1,
  });
  addProcess({ pid: 101, name: "svchost.exe", startTime: T0 + 5n, restartable: false });
  addProcess({ pid: 102, name: "notepad.exe", startTime: T0 + 7n });
  addProcess({ pid: 103, name: "other.exe", startTime: T0 + 9n });
  rmDoubles.lock("C:\\Docs\\Report.docx", 100);
  rmDoubles.lock("C:\\Docs\\unrelated.txt", 103);
  rmDoubles.service("Spooler", 101);
  const { handle } = startSession();
  try {
    assert.equal(
      register(handle, {
        files: ["c:\\docs\\report.DOCX"],
        processes: [{ pid: 102, startTime: T0 + 7n }, { pid: 103, startTime: T0 }], // 103: wrong start
        services: ["spooler"],
      }),
      ERROR_SUCCESS,
    );
    // Size query: no array, count 0.
    const query = getList(handle, 0);
    assert.equal(query.code, ERROR_MORE_DATA);
    assert.equal(query.needed, 3);
    assert.equal(query.filled, 0);
    assert.equal(query.rebootReasons, 0);
    // Too small an array: nothing filled, needed reported again.
    const small = getList(handle, 2);
    assert.deepEqual([small.code, small.needed, small.filled], [ERROR_MORE_DATA, 3, 0]);
    // Enough room.
    const full = getList(handle, 5);
    assert.deepEqual([full.code, full.needed, full.filled], [ERROR_SUCCESS, 3, 3]);
    assert.deepEqual(full.infos, [
      {
        pid: 100,
        startTime: T0,
        appName: "Microsoft Word",
        serviceShortName: "",
        applicationType: 1,
        appStatus: RmStatusRunning,
        tsSessionId: 2,
        restartable: true,
      },
      {
        pid: 101,
        startTime: T0 + 5n,
        appName: "svchost.exe",
        serviceShortName: "Spooler",
        applicationType: 3, // RmService
        appStatus: RmStatusRunning,
        tsSessionId: 1,
        restartable: false,
      },
      {
        pid: 102,
        startTime: T0 + 7n,
        appName: "notepad.exe",
        serviceShortName: "",
        applicationType: 0,
        appStatus: RmStatusRunning,
        tsSessionId: 1,
        restartable: true,
      },
    ]);
    // NULL out-parameters and a NULL array that should have room.
    const out = new Uint32Array([5]);
    assert.equal(rm.RmGetList(handle, null, out, null, out), ERROR_BAD_ARGUMENTS);
    assert.equal(rm.RmGetList(handle, out, out, null, null), ERROR_BAD_ARGUMENTS);
    assert.equal(rm.RmGetList(handle, out, new Uint32Array([5]), null, out), ERROR_BAD_ARGUMENTS);
    // Reboot reasons come through.
    rmDoubles.setRebootReasons(0x1);
    assert.equal(getList(handle, 5).rebootReasons, 0x1);
  } finally {
    endSession(handle);
  }
  assertNoSessions();
});

Deno.test("RmGetList: a list that grows between calls answers ERROR_MORE_DATA again", () => {
  freshDoubles();
  addProcess({ pid: 200, name: "a.exe", startTime: T0 });
  rmDoubles.lock("C:\\data\\file.bin", 200);
  const { handle } = startSession();
  try {
    assert.equal(register(handle, { files: ["C:\\data\\file.bin"] }), ERROR_SUCCESS);
    rmDoubles.growAfterNextQuery(2);
    const { result, calls } = getListRetrying(handle);
    assert.equal(calls, 3); // size query (1 needed), retry with 1 (3 needed now), retry with 3
    assert.equal(result.code, ERROR_SUCCESS);
    assert.equal(result.filled, 3);
    assert.equal(result.infos[0]?.pid, 200);
    assert.equal(result.infos.filter((info) => info.appName === "grown.exe").length, 2);
  } finally {
    endSession(handle);
  }
  assertNoSessions();
});

Deno.test("RmShutdown then RmRestart: progress to 100, statuses, locks released", () => {
  freshDoubles();
  addProcess({ pid: 300, name: "editor.exe", startTime: T0 });
  addProcess({ pid: 301, name: "viewer.exe", startTime: T0, restartable: false });
  rmDoubles.lock("C:\\x\\doc.txt", 300);
  rmDoubles.lock("C:\\x\\doc.txt", 301);
  const { handle } = startSession();
  try {
    assert.equal(register(handle, { files: ["C:\\x\\doc.txt"] }), ERROR_SUCCESS);
    assert.equal(rm.RmRestart(handle, 0, null), ERROR_REQUEST_OUT_OF_SEQUENCE);
    assert.equal(rm.RmShutdown(handle, 0x4, null), ERROR_BAD_ARGUMENTS);
    withPercentCallback((callback, seen) => {
      assert.equal(rm.RmShutdown(handle, 0, callback), ERROR_SUCCESS);
      assert.equal(seen.at(-1), 100);
      assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
      assert.equal(new Set(seen).size, seen.length);
    });
    assert.equal(alive(300), false);
    assert.equal(alive(301), false);
    const afterShutdown = getList(handle, 5);
    assert.deepEqual(
      afterShutdown.infos.map((info) => [info.pid, info.appStatus]),
      [[300, RmStatusStopped], [301, RmStatusStopped]],
    );
    assert.equal(rm.RmRestart(handle, 1, null), ERROR_BAD_ARGUMENTS);
    withPercentCallback((callback, seen) => {
      assert.equal(rm.RmRestart(handle, 0, callback), ERROR_SUCCESS);
      assert.equal(seen.at(-1), 100);
    });
    assert.equal(alive(300), true); // registered for restart
    assert.equal(alive(301), false); // not restartable: stays down
    const afterRestart = getList(handle, 5);
    const restarted = afterRestart.infos.find((info) => info.pid === 300);
    assert.equal(restarted?.appStatus, RmStatusRestarted);
    assert.ok(restarted!.startTime > T0, "a restarted process is a new instance");
    // The locks went with the shut-down processes: a new session sees nobody.
    const second = startSession();
    try {
      assert.equal(register(second.handle, { files: ["C:\\x\\doc.txt"] }), ERROR_SUCCESS);
      assert.equal(getList(second.handle, 0).needed, 0);
    } finally {
      endSession(second.handle);
    }
  } finally {
    endSession(handle);
  }
  assertNoSessions();
});

Deno.test("RmShutdown: a process refusing to close fails unless forced; reboot blocks all", () => {
  freshDoubles();
  addProcess({ pid: 400, name: "stubborn.exe", startTime: T0, refuseShutdown: true });
  addProcess({ pid: 401, name: "polite.exe", startTime: T0 });
  rmDoubles.lock("C:\\y\\lib.dll", 400);
  rmDoubles.lock("C:\\y\\lib.dll", 401);
  const { handle } = startSession();
  try {
    assert.equal(register(handle, { files: ["C:\\y\\lib.dll"] }), ERROR_SUCCESS);
    rmDoubles.setRebootReasons(0x1);
    assert.equal(rm.RmShutdown(handle, 0, null), ERROR_FAIL_NOACTION_REBOOT);
    assert.equal(alive(401), true);
    rmDoubles.setRebootReasons(0);
    withPercentCallback((callback, seen) => {
      assert.equal(rm.RmShutdown(handle, 0, callback), ERROR_FAIL_SHUTDOWN);
      assert.equal(seen.at(-1), 100);
    });
    assert.equal(alive(400), true);
    assert.equal(alive(401), false);
    const stubborn = getList(handle, 5).infos.find((info) => info.pid === 400);
    assert.ok(stubborn && stubborn.appStatus & RmStatusErrorOnStop);
    assert.equal(rm.RmShutdown(handle, RmForceShutdown, null), ERROR_SUCCESS);
    assert.equal(alive(400), false);
  } finally {
    endSession(handle);
  }
  assertNoSessions();
});

Deno.test("RmShutdownOnlyRegistered: one unrestartable process means nothing is shut down", () => {
  freshDoubles();
  addProcess({ pid: 500, name: "ok.exe", startTime: T0 });
  addProcess({ pid: 501, name: "norestart.exe", startTime: T0, restartable: false });
  rmDoubles.lock("C:\\z\\f", 500);
  rmDoubles.lock("C:\\z\\f", 501);
  const { handle } = startSession();
  try {
    assert.equal(register(handle, { files: ["C:\\z\\f"] }), ERROR_SUCCESS);
    assert.equal(rm.RmShutdown(handle, RmShutdownOnlyRegistered, null), ERROR_FAIL_SHUTDOWN);
    assert.equal(alive(500), true);
    assert.equal(alive(501), true);
  } finally {
    endSession(handle);
  }
  assertNoSessions();
});

Deno.test("RmShutdownAsync can be cancelled half-way; RmRestartAsync reports progress", async () => {
  freshDoubles();
  for (let i = 0; i < 4; i++) {
    addProcess({ pid: 600 + i, name: `p${i}.exe`, startTime: T0 });
    rmDoubles.lock("C:\\w\\shared.dat", 600 + i);
  }
  const { handle } = startSession();
  const seen: number[] = [];
  let cancelResult: number | undefined;
  const callback = Deno.UnsafeCallback.threadSafe(
    { parameters: ["u32"], result: "void" } as const,
    (percent: number) => {
      seen.push(percent);
      if (cancelResult === undefined) cancelResult = rm.RmCancelCurrentTask(handle);
    },
  );
  try {
    assert.equal(register(handle, { files: ["C:\\w\\shared.dat"] }), ERROR_SUCCESS);
    // Nothing running: cancelling is a no-op that succeeds.
    assert.equal(rm.RmCancelCurrentTask(handle), ERROR_SUCCESS);
    rmDoubles.setStepDelay(250);
    const shutdown = await rm.RmShutdownAsync(handle, 0, callback.pointer);
    assert.equal(cancelResult, ERROR_SUCCESS);
    assert.equal(shutdown, ERROR_CANCELLED);
    assert.ok(!seen.includes(100), `cancelled before the end, saw ${seen}`);
    const down = [600, 601, 602, 603].filter((pid) => !alive(pid));
    assert.ok(down.length >= 1 && down.length < 4, `shut down ${down}`);
    rmDoubles.setStepDelay(0);
    seen.length = 0;
    cancelResult = ERROR_SUCCESS; // do not cancel the restart
    assert.equal(await rm.RmRestartAsync(handle, 0, callback.pointer), ERROR_SUCCESS);
    // Thread-safe callbacks are queued to this thread: let them drain.
    for (let i = 0; i < 50 && seen.at(-1) !== 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(seen.at(-1), 100);
    assert.ok([600, 601, 602, 603].every(alive));
  } finally {
    callback.close();
    endSession(handle);
  }
  assertNoSessions();
});

interface FilterRecord {
  action: number;
  trigger: number;
  next: number;
  text?: string;
  pid?: number;
  startTime?: bigint;
}

function decodeFilters(buffer: Uint8Array): FilterRecord[] {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const base = Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer));
  const records: FilterRecord[] = [];
  for (let at = 0;;) {
    const record: FilterRecord = {
      action: view.getUint32(at, true),
      trigger: view.getUint32(at + 4, true),
      next: view.getUint32(at + 8, true),
    };
    if (record.trigger === RmFilterTriggerProcess) {
      record.pid = view.getUint32(at + 16, true);
      record.startTime = (BigInt(view.getUint32(at + 24, true)) << 32n) |
        BigInt(view.getUint32(at + 20, true));
    } else {
      const pointer = view.getBigUint64(at + 16, true);
      const offset = Number(BigInt(pointer) - BigInt(base));
      assert.ok(offset >= 0 && offset < buffer.length, "string points into the caller's buffer");
      record.text = decodeWide(buffer, offset);
    }
    records.push(record);
    if (record.next === 0) return records;
    at += record.next;
  }
}

Deno.test("RmAddFilter / RmGetFilterList / RmRemoveFilter with the buffer-size protocol", () => {
  freshDoubles();
  const { handle } = startSession();
  const module = encodeWide("C:\\Program Files\\App\\app.exe");
  const service = encodeWide("Spooler");
  const process = uniqueProcesses([{ pid: 77, startTime: T0 }]);
  try {
    // Exactly one target, and a known action.
    assert.equal(rm.RmAddFilter(handle, null, null, null, RmNoRestart), ERROR_BAD_ARGUMENTS);
    assert.equal(rm.RmAddFilter(handle, module, null, service, RmNoRestart), ERROR_BAD_ARGUMENTS);
    assert.equal(rm.RmAddFilter(handle, module, null, null, 0), ERROR_BAD_ARGUMENTS);
    assert.equal(rm.RmAddFilter(handle, module, null, null, 3), ERROR_BAD_ARGUMENTS);
    // No filters yet: nothing needed.
    const needed = new Uint32Array([0xdead]);
    assert.equal(rm.RmGetFilterList(handle, null, 0, needed), ERROR_SUCCESS);
    assert.equal(needed[0], 0);

    assert.equal(rm.RmAddFilter(handle, module, null, null, RmNoRestart), ERROR_SUCCESS);
    assert.equal(rm.RmAddFilter(handle, null, process, null, RmNoShutdown), ERROR_SUCCESS);
    assert.equal(rm.RmAddFilter(handle, null, null, service, RmNoRestart), ERROR_SUCCESS);
    // The latest call for the same target overrides.
    assert.equal(rm.RmAddFilter(handle, null, null, service, RmNoShutdown), ERROR_SUCCESS);
    assert.equal(rmDoubles.registered(handle)?.filters, 3);

    assert.equal(rm.RmGetFilterList(handle, null, 0, needed), ERROR_MORE_DATA);
    assert.ok(needed[0]! >= 3 * RM_FILTER_INFO_SIZE);
    assert.equal(rm.RmGetFilterList(handle, null, 0, null), ERROR_MORE_DATA);
    const small = new Uint8Array(needed[0]! - 1);
    assert.equal(rm.RmGetFilterList(handle, small, small.length, needed), ERROR_MORE_DATA);
    const buffer = new Uint8Array(needed[0]!);
    assert.equal(rm.RmGetFilterList(handle, buffer, buffer.length, needed), ERROR_SUCCESS);
    const records = decodeFilters(buffer);
    assert.deepEqual(records.map(({ next: _, ...rest }) => rest), [
      {
        action: RmNoRestart,
        trigger: RmFilterTriggerFile,
        text: "C:\\Program Files\\App\\app.exe",
      },
      { action: RmNoShutdown, trigger: RmFilterTriggerProcess, pid: 77, startTime: T0 },
      { action: RmNoShutdown, trigger: RmFilterTriggerService, text: "Spooler" },
    ]);

    assert.equal(rm.RmRemoveFilter(handle, null, null, service), ERROR_SUCCESS);
    assert.equal(rm.RmRemoveFilter(handle, null, null, service), ERROR_FILE_NOT_FOUND);
    assert.equal(rm.RmRemoveFilter(handle, module, process, null), ERROR_BAD_ARGUMENTS);
    assert.equal(rmDoubles.registered(handle)?.filters, 2);
  } finally {
    endSession(handle);
  }
  assertNoSessions();
});

Deno.test("an RmNoShutdown filter keeps its process running through RmShutdown", () => {
  freshDoubles();
  addProcess({ pid: 700, name: "keep.exe", startTime: T0, imagePath: "C:\\k\\keep.exe" });
  addProcess({ pid: 701, name: "close.exe", startTime: T0 });
  rmDoubles.lock("C:\\k\\data", 700);
  rmDoubles.lock("C:\\k\\data", 701);
  const { handle } = startSession();
  try {
    assert.equal(register(handle, { files: ["C:\\k\\data"] }), ERROR_SUCCESS);
    assert.equal(
      rm.RmAddFilter(handle, encodeWide("c:\\K\\KEEP.EXE"), null, null, RmNoShutdown),
      ERROR_SUCCESS,
    );
    const masked = getList(handle, 5).infos.find((info) => info.pid === 700);
    assert.ok(masked && masked.appStatus & RmStatusShutdownMasked);
    assert.equal(rm.RmShutdown(handle, RmForceShutdown, null), ERROR_SUCCESS);
    assert.equal(alive(700), true);
    assert.equal(alive(701), false);
  } finally {
    endSession(handle);
  }
  assertNoSessions();
});

Deno.test("failures injected through the core come back as RM return codes", () => {
  freshDoubles();
  core.dbl_fail_next(cstr("RmStartSession"), ERROR_ACCESS_DENIED, 1);
  const handle = new Uint32Array(1);
  assert.equal(rm.RmStartSession(handle, 0, new Uint8Array(66)), ERROR_ACCESS_DENIED);
  assertNoSessions();
  const session = startSession();
  try {
    core.dbl_fail_next(cstr("RmGetList"), ERROR_ACCESS_DENIED, 1);
    assert.equal(getList(session.handle, 0).code, ERROR_ACCESS_DENIED);
    assert.equal(getList(session.handle, 0).code, ERROR_SUCCESS);
  } finally {
    endSession(session.handle);
  }
  assertNoSessions();
});

Deno.test("bulk locks: many files and processes for benchmarks", () => {
  freshDoubles();
  rmDoubles.bulkLocks({ prefix: "C:\\bulk\\f", files: 2000, pidBase: 10_000, processes: 50 });
  const { handle } = startSession();
  try {
    const files = Array.from({ length: 2000 }, (_, i) => `C:\\bulk\\f${i}`);
    assert.equal(register(handle, { files }), ERROR_SUCCESS);
    const { result } = getListRetrying(handle);
    assert.equal(result.code, ERROR_SUCCESS);
    assert.equal(result.filled, 50);
  } finally {
    endSession(handle);
  }
  assertNoSessions();
});
