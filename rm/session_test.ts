import assert from "node:assert/strict";

import {
  ERROR_ACCESS_DENIED,
  ERROR_CANCELLED,
  ERROR_FAIL_NOACTION_REBOOT,
  ERROR_FAIL_SHUTDOWN,
  ERROR_FILE_NOT_FOUND,
  ERROR_INVALID_HANDLE,
  ERROR_MAX_SESSIONS_REACHED,
  ERROR_MORE_DATA,
  ERROR_REQUEST_OUT_OF_SEQUENCE,
  ShutdownTimeoutError,
  WindowsError,
} from "../ffi/errors.ts";
import { fileTimeToDate } from "../ffi/filetime.ts";
import { FIRST_CALL_ROOM } from "./_list.ts";
import {
  appStatusNames,
  appTypeName,
  rebootReasonNames,
  resolveFullPath,
  RestartManagerSession,
} from "./session.ts";
import { assertNoLeaks, doubles, useDoubles } from "../tests/doubles.ts";
import { rmDoubles } from "../tests/doubles_rm.ts";

useDoubles();

const ROOT = Deno.build.os === "windows" ? "C:\\rmtest\\" : "/rmtest/";
const START = 133_500_000_000_000_000n;

function addProcess(pid: number, extra: Record<string, unknown> = {}) {
  doubles.addProcess({
    pid,
    sessionId: 1,
    name: `app${pid}.exe`,
    createTime: START + BigInt(pid),
    ...extra,
  });
}

/** Runs `body` against freshly reset doubles and checks nothing leaked afterwards. */
function rmTest(name: string, body: () => void | Promise<void>) {
  Deno.test(name, async () => {
    doubles.reset();
    try {
      await body();
    } finally {
      assertNoLeaks();
    }
  });
}

function windowsError(code: number, functionName?: string) {
  return (error: unknown) => {
    assert.ok(error instanceof WindowsError, `expected a WindowsError, got ${error}`);
    assert.equal(error.code, code, error.message);
    if (functionName) assert.equal(error.functionName, functionName);
    return true;
  };
}

Deno.test("names: app types, status flags and reboot reasons", () => {
  assert.equal(appTypeName(0), "Unknown");
  assert.equal(appTypeName(1), "MainWindow");
  assert.equal(appTypeName(2), "OtherWindow");
  assert.equal(appTypeName(3), "Service");
  assert.equal(appTypeName(4), "Explorer");
  assert.equal(appTypeName(5), "Console");
  assert.equal(appTypeName(1000), "Critical");
  assert.equal(appTypeName(77), "Unknown");
  assert.deepEqual(appStatusNames(0), []);
  assert.deepEqual(appStatusNames(0xff), [
    "Running",
    "Stopped",
    "StoppedOther",
    "Restarted",
    "ErrorOnStop",
    "ErrorOnRestart",
    "ShutdownMasked",
    "RestartMasked",
  ]);
  assert.deepEqual(rebootReasonNames(0x1f), [
    "PermissionDenied",
    "SessionMismatch",
    "CriticalProcess",
    "CriticalService",
    "DetectedSelf",
  ]);
});

rmTest(
  "start: a 32-hex-digit key, handle 0 first, end is idempotent, then every method refuses",
  () => {
    const rm = RestartManagerSession.start();
    assert.match(rm.key, /^[0-9a-f]{32}$/i);
    assert.equal(rm.handle, 0);
    assert.equal(rm.ended, false);
    rm.end();
    rm.end();
    assert.equal(rm.ended, true);
    assert.throws(() => rm.list(), /already ended/);
    assert.throws(() => rm.registerFiles([`${ROOT}a`]), /already ended/);
    assert.throws(() => rm.cancel(), /already ended/);
    assert.equal(doubles.calls("RmEndSession"), 1);
  },
);

rmTest("using ends the session even when the body throws", () => {
  assert.throws(() => {
    using rm = RestartManagerSession.start();
    rm.registerFiles([`${ROOT}a`]);
    throw new Error("boom");
  }, /boom/);
  assert.equal(doubles.calls("RmEndSession"), 1);
});

rmTest("start failures become WindowsError", () => {
  doubles.failNext("RmStartSession", ERROR_ACCESS_DENIED, 1);
  assert.throws(
    () => RestartManagerSession.start(),
    windowsError(ERROR_ACCESS_DENIED, "RmStartSession"),
  );
});

rmTest("the 65th session: ERROR_MAX_SESSIONS_REACHED, and the 64 end cleanly", () => {
  const sessions: RestartManagerSession[] = [];
  try {
    for (let i = 0; i < 64; i++) sessions.push(RestartManagerSession.start());
    assert.throws(() => RestartManagerSession.start(), (error: unknown) => {
      windowsError(ERROR_MAX_SESSIONS_REACHED, "RmStartSession")(error);
      assert.match((error as Error).message, /ERROR_MAX_SESSIONS_REACHED \(353\)/);
      return true;
    });
  } finally {
    for (const session of sessions) session.end();
  }
});

rmTest("join: validates the key, shares the primary's resources", () => {
  assert.throws(() => RestartManagerSession.join("xyz"), TypeError);
  assert.throws(() => RestartManagerSession.join("g".repeat(32)), /32 hexadecimal/);
  using primary = RestartManagerSession.start();
  primary.registerFiles([`${ROOT}shared.dll`]);
  using secondary = RestartManagerSession.join(primary.key.toUpperCase());
  assert.equal(secondary.key, primary.key.toUpperCase());
  assert.notEqual(secondary.handle, primary.handle);
  assert.equal(rmDoubles.registered(secondary.handle)?.files, 1);
  assert.throws(
    () => RestartManagerSession.join("0".repeat(32)),
    (error: unknown) => error instanceof WindowsError,
  );
});

rmTest(
  "registerFiles: relative paths become full paths; a NUL is a TypeError naming the path",
  () => {
    addProcess(100);
    const cwd = Deno.build.os === "windows" ? "C:\\work" : "/work";
    const full = resolveFullPath("logs/app.log", cwd);
    rmDoubles.lock(full, 100);
    using rm = RestartManagerSession.start();
    assert.throws(() => rm.registerFiles(["ok", "bad\0name"], cwd), /NUL.*bad/);
    assert.equal(rmDoubles.registered(rm.handle)?.files, 0);
    rm.registerFiles(["logs/app.log", "other.txt"], cwd);
    assert.equal(rmDoubles.registered(rm.handle)?.files, 2);
    assert.equal(doubles.calls("RmRegisterResources"), 1);
    assert.deepEqual(rm.list().processes.map((p) => p.pid), [100]);
    rm.registerFiles([]);
    assert.equal(doubles.calls("RmRegisterResources"), 1);
  },
);

rmTest("registerProcesses: a bare pid gets its start time from GetProcessTimes", () => {
  addProcess(200, { appName: "Two Hundred", appType: 1, restartable: true });
  addProcess(201);
  using rm = RestartManagerSession.start();
  rm.registerProcesses([200, { pid: 201, startTime: START + 201n }]);
  assert.equal(rmDoubles.registered(rm.handle)?.processes, 2);
  assert.equal(doubles.calls("OpenProcess"), 1);
  assert.equal(doubles.calls("CloseHandle"), 1);
  const { processes } = rm.list();
  const p200 = processes.find((p) => p.pid === 200)!;
  assert.equal(p200.startFileTime, START + 200n);
  assert.deepEqual(p200.startTime, fileTimeToDate(START + 200n));
  assert.equal(p200.appName, "Two Hundred");
  assert.equal(p200.type, "MainWindow");
  assert.equal(p200.restartable, true);
  assert.ok(processes.some((p) => p.pid === 201));
});

rmTest(
  "registerProcesses: an unknown pid or a denied one is a WindowsError, no handle leaks",
  () => {
    addProcess(300, { accessDenied: true });
    using rm = RestartManagerSession.start();
    assert.throws(() => rm.registerProcesses([999_999]), windowsError(87, "OpenProcess"));
    assert.throws(
      () => rm.registerProcesses([300]),
      windowsError(ERROR_ACCESS_DENIED, "OpenProcess"),
    );
    doubles.failNext("GetProcessTimes", ERROR_ACCESS_DENIED, 1);
    addProcess(301);
    assert.throws(
      () => rm.registerProcesses([301]),
      windowsError(ERROR_ACCESS_DENIED, "GetProcessTimes"),
    );
    assert.equal(rmDoubles.registered(rm.handle)?.processes, 0);
  },
);

rmTest("registerServices and list: service name, type, status, session, restartable", () => {
  addProcess(400, { appName: "Print Spooler", appType: 3, sessionId: 0, restartable: true });
  rmDoubles.service("Spooler", 400);
  using rm = RestartManagerSession.start();
  rm.registerServices(["Spooler"]);
  assert.equal(rmDoubles.registered(rm.handle)?.services, 1);
  const { processes, rebootReasons, rebootReasonFlags } = rm.list();
  assert.equal(processes.length, 1);
  const [spooler] = processes;
  assert.equal(spooler!.pid, 400);
  assert.equal(spooler!.serviceName, "Spooler");
  assert.equal(spooler!.type, "Service");
  assert.equal(spooler!.typeCode, 3);
  assert.deepEqual(spooler!.status, ["Running"]);
  assert.equal(spooler!.statusFlags, 1);
  assert.equal(spooler!.sessionId, 0);
  assert.deepEqual(rebootReasons, []);
  assert.equal(rebootReasonFlags, 0);
});

rmTest("list: start times decode exactly like fileTimeToDate, names like decodeWide", () => {
  // Rounding edges of the DWORD split (2^32 = 429,496 ms + 7,296 ticks), the Unix epoch, the
  // largest valid FILETIME, the sign bit (null) and zero (null).
  const times = [
    0n,
    1n,
    9_999n,
    10_000n,
    2n ** 32n - 1n,
    2n ** 32n,
    2n ** 32n + 2_703n,
    2n ** 32n + 2_704n,
    116_444_736_000_000_000n,
    116_444_736_000_000_000n - 1n,
    START + 9_999n,
    0x7fff_ffff_ffff_ffffn,
    0x8000_0000_0000_0000n,
    0xffff_ffff_ffff_ffffn,
  ];
  const names = ["Größe €", "a😀b", "漢字", "x".repeat(255)];
  times.forEach((createTime, i) => {
    addProcess(800 + i, { createTime, appName: names[i % names.length] });
    rmDoubles.lock(`${ROOT}times.dll`, 800 + i);
  });
  using rm = RestartManagerSession.start();
  rm.registerFiles([`${ROOT}times.dll`]);
  const processes = rm.list().processes.sort((a, b) => a.pid - b.pid);
  assert.equal(processes.length, times.length);
  processes.forEach((process, i) => {
    assert.equal(process.startFileTime, times[i], `pid ${process.pid}`);
    assert.deepEqual(process.startTime, fileTimeToDate(times[i]!), `pid ${process.pid}`);
    assert.equal(process.appName, names[i % names.length]);
    assert.equal(process.serviceName, null);
  });
});

rmTest("list: nothing registered is an empty list after one call", () => {
  using rm = RestartManagerSession.start();
  assert.deepEqual(rm.list(), { processes: [], rebootReasons: [], rebootReasonFlags: 0 });
  assert.equal(doubles.calls("RmGetList"), 1);
});

rmTest("list: a list that fits the room offered up front takes one RmGetList call", () => {
  for (let i = 0; i < FIRST_CALL_ROOM; i++) {
    addProcess(600 + i);
    rmDoubles.lock(`${ROOT}fits.dll`, 600 + i);
  }
  using rm = RestartManagerSession.start();
  rm.registerFiles([`${ROOT}fits.dll`]);
  assert.equal(rm.list().processes.length, FIRST_CALL_ROOM);
  assert.equal(doubles.calls("RmGetList"), 1);
});

rmTest("list: a bigger list is asked again with the size Windows said, then fits at once", () => {
  const count = FIRST_CALL_ROOM * 3;
  for (let i = 0; i < count; i++) {
    addProcess(700 + i);
    rmDoubles.lock(`${ROOT}big.dll`, 700 + i);
  }
  using rm = RestartManagerSession.start();
  rm.registerFiles([`${ROOT}big.dll`]);
  const first = rm.list();
  assert.equal(first.processes.length, count);
  assert.equal(doubles.calls("RmGetList"), 2);
  // The session remembers how many it found: the next list offers that much room up front.
  assert.deepEqual(rm.list(), first);
  assert.equal(doubles.calls("RmGetList"), 3);
});

rmTest("list: ERROR_MORE_DATA when the list grows between calls is retried", () => {
  // More than the first call's room, so it answers ERROR_MORE_DATA; after that call 40 more
  // processes lock the file (more than the headroom), so the second call is too small as well.
  const count = FIRST_CALL_ROOM + 1;
  for (let i = 0; i < count; i++) {
    addProcess(500 + i);
    rmDoubles.lock(`${ROOT}grow.dll`, 500 + i);
  }
  using rm = RestartManagerSession.start();
  rm.registerFiles([`${ROOT}grow.dll`]);
  rmDoubles.growAfterNextQuery(40);
  const { processes } = rm.list();
  assert.equal(processes.length, count + 40);
  assert.equal(doubles.calls("RmGetList"), 3);
  assert.equal(new Set(processes.map((p) => p.pid)).size, count + 40);
});

rmTest("list: a list that keeps growing ends in ERROR_MORE_DATA after bounded retries", () => {
  using rm = RestartManagerSession.start();
  doubles.failNext("RmGetList", ERROR_MORE_DATA, -1);
  assert.throws(() => rm.list(), windowsError(ERROR_MORE_DATA, "RmGetList"));
  assert.ok(doubles.calls("RmGetList") <= 10);
});

rmTest("list: an invalid handle and reboot reasons", () => {
  using rm = RestartManagerSession.start();
  doubles.failNext("RmGetList", ERROR_INVALID_HANDLE, 1);
  assert.throws(() => rm.list(), windowsError(ERROR_INVALID_HANDLE, "RmGetList"));
  rmDoubles.setRebootReasons(0x1 | 0x4);
  const list = rm.list();
  assert.deepEqual(list.rebootReasons, ["PermissionDenied", "CriticalProcess"]);
  assert.equal(list.rebootReasonFlags, 5);
});

function lockedSession(pids: number[], extra: Record<string, unknown> = {}) {
  for (const pid of pids) {
    addProcess(pid, { restartable: true, ...extra });
    rmDoubles.lock(`${ROOT}locked.dll`, pid);
  }
  const rm = RestartManagerSession.start();
  rm.registerFiles([`${ROOT}locked.dll`]);
  return rm;
}

rmTest(
  "shutdown: percentages reach onProgress, processes stop; restart restarts them",
  async () => {
    using rm = lockedSession([600, 601, 602, 603]);
    const seen: number[] = [];
    await rm.shutdown({ onProgress: (percent) => seen.push(percent) });
    assert.deepEqual(seen, [25, 50, 75, 100]);
    for (const pid of [600, 601, 602, 603]) assert.equal(doubles.processAlive(pid), false);
    assert.ok(rm.list().processes.every((p) => p.status.includes("Stopped")));
    const restartSeen: number[] = [];
    await rm.restart({ onProgress: (percent) => restartSeen.push(percent) });
    assert.equal(restartSeen.at(-1), 100);
    assert.ok(rm.list().processes.every((p) => p.status.includes("Restarted")));
  },
);

rmTest(
  "shutdown: an onProgress that throws is rethrown after the call, nothing crashes",
  async () => {
    using rm = lockedSession([610, 611]);
    let calls = 0;
    await assert.rejects(
      rm.shutdown({
        onProgress: () => {
          calls++;
          throw new Error("progress display broke");
        },
      }),
      /progress display broke/,
    );
    // The first error stops further calls of onProgress; the shutdown itself ran to the end.
    assert.equal(calls, 1);
    assert.equal(doubles.processAlive(610), false);
    assert.equal(doubles.processAlive(611), false);
    // The session is still usable.
    assert.equal(rm.list().processes.length, 2);
  },
);

rmTest(
  "shutdown: a process that refuses fails with ERROR_FAIL_SHUTDOWN unless forced",
  async () => {
    using rm = lockedSession([620], { refuseShutdown: true });
    await assert.rejects(rm.shutdown(), windowsError(ERROR_FAIL_SHUTDOWN, "RmShutdown"));
    assert.ok(rm.list().processes[0]!.status.includes("ErrorOnStop"));
    await rm.shutdown({ force: true });
    assert.equal(doubles.processAlive(620), false);
  },
);

rmTest("shutdown: reboot reasons make it ERROR_FAIL_NOACTION_REBOOT", async () => {
  using rm = lockedSession([630]);
  rmDoubles.setRebootReasons(0x8);
  await assert.rejects(rm.shutdown(), windowsError(ERROR_FAIL_NOACTION_REBOOT));
  assert.equal(doubles.processAlive(630), true);
});

rmTest("restart before shutdown: ERROR_REQUEST_OUT_OF_SEQUENCE", async () => {
  using rm = lockedSession([640]);
  await assert.rejects(rm.restart(), windowsError(ERROR_REQUEST_OUT_OF_SEQUENCE, "RmRestart"));
});

rmTest("shutdown: aborting the signal cancels the task and rejects with its reason", async () => {
  using rm = lockedSession([650, 651, 652, 653, 654, 655]);
  rmDoubles.setStepDelay(40);
  const controller = new AbortController();
  const reason = new Error("stop now");
  await assert.rejects(
    rm.shutdown({ signal: controller.signal, onProgress: () => controller.abort(reason) }),
    (error: unknown) => error === reason,
  );
  assert.ok(doubles.calls("RmCancelCurrentTask") >= 1);
  assert.equal(doubles.processAlive(655), true);
  // Already aborted: rejects at once, RmShutdown not called again.
  const before = doubles.calls("RmShutdown");
  await assert.rejects(rm.shutdown({ signal: controller.signal }), (e: unknown) => e === reason);
  assert.equal(doubles.calls("RmShutdown"), before);
});

rmTest("cancel without a signal: the shutdown fails with ERROR_CANCELLED", async () => {
  using rm = lockedSession([660, 661, 662, 663]);
  rmDoubles.setStepDelay(40);
  let cancelled = false;
  await assert.rejects(
    rm.shutdown({
      onProgress: () => {
        if (!cancelled) rm.cancel();
        cancelled = true;
      },
    }),
    windowsError(ERROR_CANCELLED, "RmShutdown"),
  );
});

rmTest(
  "deadline: a shutdown hanging inside its status callback is cancelled, no deadlock",
  async () => {
    using rm = lockedSession([670, 671, 672]);
    // 671 never closes and RmShutdown's thread keeps calling the status callback, waiting for
    // the main thread each time; RmCancelCurrentTask returns only once the task has ended (the
    // worst case). A cancel that needed the callback to return first would deadlock, and the
    // double's breaker would count it.
    rmDoubles.hangOn(671);
    rmDoubles.setCancelWaits(true);
    let reports = 0;
    const error = await rm.shutdown({ timeoutMs: 20, onProgress: () => reports++ }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ShutdownTimeoutError, String(error));
    assert.equal(error.functionName, "RmShutdown");
    assert.equal(error.timeoutMs, 20);
    assert.match(error.message, /^RmShutdown took longer than 0\.02 s and was cancelled$/);
    assert.equal((error.cause as WindowsError).code, ERROR_CANCELLED);
    assert.equal(rmDoubles.cancelsThatGaveUp(), 0);
    assert.equal(doubles.calls("RmCancelCurrentTask"), 1);
    assert.ok(reports > 1);
    // What closed before the deadline stays closed, and the list says so.
    assert.equal(doubles.processAlive(670), false);
    assert.equal(doubles.processAlive(671), true);
    assert.equal(doubles.processAlive(672), true);
    const status = new Map(rm.list().processes.map((p) => [p.pid, p.status]));
    assert.deepEqual(status.get(670), ["Stopped"]);
    assert.deepEqual(status.get(671), ["Running"]);
  },
);

rmTest("deadline: a shutdown that finishes in time is not cancelled", async () => {
  using rm = lockedSession([680]);
  await rm.shutdown({ timeoutMs: 60_000 });
  assert.equal(doubles.calls("RmCancelCurrentTask"), 0);
  assert.equal(doubles.processAlive(680), false);
  await assert.rejects(rm.shutdown({ timeoutMs: -1 }), RangeError);
});

rmTest("filters: add, list, remove; a missing filter is ERROR_FILE_NOT_FOUND", () => {
  addProcess(700);
  using rm = RestartManagerSession.start();
  rm.addFilter({ file: `${ROOT}app.exe`, action: "noRestart" });
  rm.addFilter({ service: "Spooler", action: "noShutdown" });
  rm.addFilter({ process: { pid: 700, startTime: START + 700n }, action: "noShutdown" });
  assert.deepEqual(rm.filters(), [
    { action: "noRestart", file: `${ROOT}app.exe` },
    { action: "noShutdown", service: "Spooler" },
    { action: "noShutdown", process: { pid: 700, startTime: START + 700n } },
  ]);
  rm.removeFilter({ service: "Spooler" });
  assert.equal(rm.filters().length, 2);
  assert.throws(() => rm.removeFilter({ service: "Spooler" }), windowsError(ERROR_FILE_NOT_FOUND));
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => rm.addFilter({ file: "x", service: "y", action: "noRestart" } as any),
    TypeError,
  );
  // deno-lint-ignore no-explicit-any
  assert.throws(() => rm.addFilter({ file: "x", action: "never" } as any), TypeError);
});

rmTest("filters: an empty list and a secondary session's refusal", () => {
  using primary = RestartManagerSession.start();
  assert.deepEqual(primary.filters(), []);
  using secondary = RestartManagerSession.join(primary.key);
  assert.throws(
    () => secondary.addFilter({ service: "Spooler", action: "noShutdown" }),
    windowsError(1219, "RmAddFilter"),
  );
});
