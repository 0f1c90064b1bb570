import assert from "node:assert/strict";
import { join } from "node:path";

import { PathNotFoundError } from "../ffi/errors.ts";
import { waitUntilFree } from "./wait.ts";
import { doubles, useDoubles } from "../tests/doubles.ts";
import { rmDoubles } from "../tests/doubles_rm.ts";

import { addTestProcess, tempFolderTest } from "./_testing.ts";

useDoubles();

function addProcess(pid: number) {
  addTestProcess(pid, { appType: 1 });
}

function waitTest(name: string, body: (dir: string) => Promise<void>) {
  tempFolderTest(name, {
    prefix: "winsession_wait_",
    dirs: ["empty"],
    files: { "a.txt": "a", "b.txt": "b" },
  }, body);
}

waitTest("free at once: one check, one session, ended", async (dir) => {
  const result = await waitUntilFree([join(dir, "a.txt")], { timeoutMs: 0 });
  assert.deepEqual({ ...result, waitedMs: 0 }, {
    free: true,
    fileCount: 1,
    waitedMs: 0,
    checks: 1,
  });
  assert.equal(doubles.calls("RmStartSession"), 1);
  assert.equal(doubles.calls("RmEndSession"), 1);
});

waitTest("held, then released: ONE session and one registration for every check", async (dir) => {
  addProcess(11);
  addProcess(12);
  rmDoubles.lock(join(dir, "a.txt"), 11);
  rmDoubles.lock(join(dir, "b.txt"), 12);
  const seen: number[][] = [];
  const result = await waitUntilFree([dir], {
    recursive: true,
    intervalMs: 1,
    onCheck: ({ holders, checks }) => {
      seen.push(holders.map((p) => p.pid));
      // The holders let go one after the other, between two checks.
      if (checks === 2) rmDoubles.clearLocks();
      else if (checks === 1) {
        rmDoubles.clearLocks();
        rmDoubles.lock(join(dir, "b.txt"), 12);
      }
    },
  });
  assert.equal(result.free, true);
  assert.equal(result.checks, 3);
  assert.equal(result.fileCount, 2);
  assert.deepEqual(seen, [[11, 12], [12], []]);
  assert.equal(doubles.calls("RmStartSession"), 1);
  assert.equal(doubles.calls("RmRegisterResources"), 1);
  assert.equal(doubles.calls("RmEndSession"), 1);
});

waitTest("the deadline is a result naming the holders, not an error", async (dir) => {
  addProcess(21);
  rmDoubles.lock(join(dir, "a.txt"), 21);
  const result = await waitUntilFree([join(dir, "a.txt")], { timeoutMs: 0, intervalMs: 1 });
  assert.equal(result.free, false);
  if (result.free) return;
  assert.equal(result.checks, 1);
  assert.deepEqual(result.holders.map((p) => [p.pid, p.appName]), [[21, "App 21"]]);
  assert.deepEqual(result.rebootReasons, []);
  assert.equal(doubles.calls("RmEndSession"), 1);
});

waitTest("a folder with no file: not free, nothing checked, no session", async (dir) => {
  const result = await waitUntilFree([join(dir, "empty")], { recursive: true });
  assert.deepEqual(result, {
    free: false,
    fileCount: 0,
    waitedMs: 0,
    checks: 0,
    holders: [],
    rebootReasons: [],
  });
  assert.equal(doubles.calls("RmStartSession"), 0);
});

waitTest("aborting ends the wait with the reason, and the session", async (dir) => {
  addProcess(31);
  rmDoubles.lock(join(dir, "a.txt"), 31);
  const stop = new AbortController();
  const reason = new Error("stop");
  await assert.rejects(
    waitUntilFree([join(dir, "a.txt")], {
      intervalMs: 60_000,
      signal: stop.signal,
      // Aborted while the wait sleeps between two checks: the pause ends at once.
      onCheck: () => queueMicrotask(() => stop.abort(reason)),
    }),
    (error: unknown) => error === reason,
  );
  assert.equal(doubles.calls("RmStartSession"), 1);
  assert.equal(doubles.calls("RmEndSession"), 1);
});

waitTest("bad options and paths are refused before any session", async (dir) => {
  await assert.rejects(waitUntilFree([join(dir, "a.txt")], { timeoutMs: -1 }), RangeError);
  await assert.rejects(waitUntilFree([join(dir, "a.txt")], { intervalMs: NaN }), RangeError);
  await assert.rejects(waitUntilFree([join(dir, "nope")]), PathNotFoundError);
  await assert.rejects(waitUntilFree([dir]), /is a directory/);
  assert.equal(doubles.calls("RmStartSession"), 0);
});
