import assert from "node:assert/strict";
import { join } from "node:path";

import {
  ERROR_CANCELLED,
  ERROR_FAIL_SHUTDOWN,
  ProtectedFolderError,
  ShutdownError,
  ShutdownTimeoutError,
  WindowsError,
} from "../ffi/errors.ts";
import { ReleasePlan } from "./release.ts";
import type { RmProcess } from "./types.ts";
import { doubles, type ProcessSetup, useDoubles } from "../tests/doubles.ts";
import { rmDoubles } from "../tests/doubles_rm.ts";

import { addTestProcess, RESTARTABLE_APP, tempFolderTest } from "./_testing.ts";

useDoubles();

function releaseTest(name: string, body: (file: string, dir: string) => Promise<void>) {
  tempFolderTest(
    name,
    { prefix: "winsession_release_", files: { "data.db": "" } },
    (dir) => body(join(dir, "data.db"), dir),
  );
}

function holder(file: string, pid: number, extra: Partial<ProcessSetup> = {}) {
  addTestProcess(pid, { ...RESTARTABLE_APP, ...extra });
  rmDoubles.lock(file, pid);
}

const pids = (list: readonly RmProcess[]) => list.map((p) => p.pid);

releaseTest("execute: closes the plan, restarts it, reports the outcome", async (file) => {
  holder(file, 10);
  holder(file, 11, { restartable: false });
  using plan = await ReleasePlan.create([file]);
  assert.deepEqual(pids(plan.processes), [10, 11]);
  const outcome = await plan.execute({ restart: true });
  assert.deepEqual(pids(outcome.restarted), [10]);
  assert.deepEqual(pids(outcome.closed), [11]);
  assert.deepEqual(outcome.stillRunning, []);
  assert.equal(outcome.restartAttempted, true);
  await assert.rejects(plan.execute(), /already been executed/);
});

releaseTest("execute: a 351 partial shutdown throws ShutdownError with the lists", async (file) => {
  holder(file, 20);
  holder(file, 21, { refuseShutdown: true });
  using plan = await ReleasePlan.create([file]);
  const error = await plan.execute().then(() => null, (e: unknown) => e);
  assert.ok(error instanceof ShutdownError, String(error));
  const shutdown = error as ShutdownError<RmProcess>;
  assert.deepEqual(pids(shutdown.closed), [20]);
  assert.deepEqual(pids(shutdown.stillRunning), [21]);
  assert.deepEqual(shutdown.restarted, []);
  assert.equal(shutdown.interrupted, false);
  assert.equal(shutdown.restartAttempted, false);
  assert.ok(shutdown.cause instanceof WindowsError);
  assert.equal((shutdown.cause as WindowsError).code, ERROR_FAIL_SHUTDOWN);
  assert.equal(doubles.calls("RmRestart"), 0);
});

releaseTest("execute: an abort mid-shutdown with restart brings back what closed", async (file) => {
  for (const pid of [30, 31, 32, 33]) holder(file, pid);
  // The cancel runs on the FFI pool (rm/_task.ts), so it lands a moment after the abort: 32
  // does not close until cancelled, which makes where the shutdown stops certain.
  rmDoubles.hangOn(32);
  using plan = await ReleasePlan.create([file]);
  const controller = new AbortController();
  const error = await plan.execute({
    restart: true,
    signal: controller.signal,
    onProgress: (task, percent) => {
      if (task === "shutdown" && percent === 50) controller.abort(new Error("Ctrl+C"));
    },
  }).then(() => null, (e: unknown) => e) as ShutdownError<RmProcess>;
  assert.ok(error instanceof ShutdownError);
  assert.equal(error.interrupted, true);
  assert.equal(error.restartAttempted, true);
  assert.equal((error.cause as Error).message, "Ctrl+C");
  assert.deepEqual(pids(error.restarted), [30, 31]);
  assert.deepEqual(error.closed, []);
  assert.deepEqual(pids(error.stillRunning), [32, 33]);
  for (const pid of [30, 31, 32, 33]) assert.equal(doubles.processAlive(pid), true);
  assert.ok(doubles.calls("RmCancelCurrentTask") >= 1);
});

releaseTest(
  "execute: a cancel without restart leaves the closed ones closed, and says so",
  async (file) => {
    for (const pid of [40, 41, 42]) holder(file, pid);
    rmDoubles.hangOn(41); // the pool-thread cancel lands while 41 will not close
    using plan = await ReleasePlan.create([file]);
    const controller = new AbortController();
    const error = await plan.execute({
      signal: controller.signal,
      onProgress: () => controller.abort(),
    }).then(() => null, (e: unknown) => e) as ShutdownError<RmProcess>;
    assert.ok(error instanceof ShutdownError);
    assert.deepEqual(pids(error.closed), [40]);
    assert.deepEqual(pids(error.stillRunning), [41, 42]);
    assert.equal(doubles.processAlive(40), false);
    assert.match(error.message, /interrupted: 1 program closed, 0 restarted, 2 still running/);
  },
);

releaseTest(
  "execute: RmCancelCurrentTask from elsewhere is a ShutdownError caused by ERROR_CANCELLED",
  async (file) => {
    for (const pid of [50, 51]) holder(file, pid);
    using plan = await ReleasePlan.create([file]);
    doubles.failNext("RmShutdown", ERROR_CANCELLED, 1);
    const error = await plan.execute({ restart: true }).then(
      () => null,
      (e: unknown) => e,
    ) as ShutdownError<RmProcess>;
    assert.ok(error instanceof ShutdownError);
    assert.equal((error.cause as WindowsError).code, ERROR_CANCELLED);
    // Nothing was closed, so nothing needed a restart.
    assert.deepEqual(pids(error.stillRunning), [50, 51]);
    assert.equal(doubles.calls("RmRestart"), 0);
  },
);

releaseTest("create: protected folders are refused before anything is read", async (_file, dir) => {
  await assert.rejects(
    ReleasePlan.create([dir], {
      recursive: true,
      protectedFolders: { os: "linux", env: (name) => name === "HOME" ? dir : undefined },
    }),
    (error: unknown) =>
      error instanceof ProtectedFolderError && error.reason === "your home folder",
  );
  assert.equal(doubles.calls("RmStartSession"), 0);
  using plan = await ReleasePlan.create([dir], {
    recursive: true,
    allowProtectedFolders: true,
    protectedFolders: { os: "linux", env: (name) => name === "HOME" ? dir : undefined },
  });
  assert.equal(plan.targets[0]!.fileCount, 1);
});

releaseTest("create: nothing holds the files → an empty plan that closes nothing", async (file) => {
  using plan = await ReleasePlan.create([file]);
  assert.deepEqual(plan.processes, []);
  const outcome = await plan.execute({ restart: true });
  assert.deepEqual(outcome.closed, []);
  assert.equal(doubles.calls("RmShutdown"), 0);
});

releaseTest(
  "execute: --shutdown-timeout cancels a shutdown stuck in its callback; what closed is said",
  async (file) => {
    for (const pid of [60, 61, 62]) holder(file, pid);
    rmDoubles.hangOn(61);
    rmDoubles.setCancelWaits(true);
    using plan = await ReleasePlan.create([file]);
    const error = await plan.execute({ shutdownTimeoutMs: 10 }).then(
      () => null,
      (e: unknown) => e,
    ) as ShutdownError<RmProcess>;
    assert.ok(error instanceof ShutdownError);
    assert.ok(error.cause instanceof ShutdownTimeoutError);
    assert.equal(((error.cause as Error).cause as WindowsError).code, ERROR_CANCELLED);
    assert.equal(error.interrupted, false);
    assert.deepEqual(pids(error.closed), [60]);
    assert.deepEqual(pids(error.stillRunning), [61, 62]);
    assert.match(
      error.message,
      /^the release timed out \(RmShutdown took longer than 0\.01 s and was cancelled\): 1 program closed/,
    );
    assert.equal(rmDoubles.cancelsThatGaveUp(), 0);
  },
);

releaseTest(
  "execute: after a timed-out shutdown, --restart brings back what closed",
  async (file) => {
    for (const pid of [70, 71]) holder(file, pid);
    rmDoubles.hangOn(71);
    using plan = await ReleasePlan.create([file]);
    const error = await plan.execute({ shutdownTimeoutMs: 10, restart: true }).then(
      () => null,
      (e: unknown) => e,
    ) as ShutdownError<RmProcess>;
    assert.ok(error instanceof ShutdownError);
    assert.equal(error.restartAttempted, true);
    assert.deepEqual(pids(error.restarted), [70]);
    assert.deepEqual(error.closed, []);
    assert.equal(doubles.processAlive(70), true);
  },
);

releaseTest(
  "execute: ERROR_FAIL_NOACTION_REBOOT is a result: rebootRequired, nothing closed",
  async (file) => {
    holder(file, 80);
    rmDoubles.setRebootReasons(0x8);
    using plan = await ReleasePlan.create([file]);
    assert.deepEqual(plan.rebootReasons, ["CriticalService"]);
    const outcome = await plan.execute({ restart: true });
    assert.equal(outcome.rebootRequired, true);
    assert.deepEqual(outcome.rebootReasons, ["CriticalService"]);
    assert.deepEqual(outcome.closed, []);
    assert.deepEqual(pids(outcome.stillRunning), [80]);
    assert.equal(outcome.restartAttempted, false);
    assert.equal(doubles.calls("RmRestart"), 0);
    assert.equal(doubles.processAlive(80), true);
  },
);
