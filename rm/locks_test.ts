import assert from "node:assert/strict";
import { join } from "node:path";

import { ERROR_MAX_SESSIONS_REACHED, PathNotFoundError, WindowsError } from "../ffi/errors.ts";
import { findLockingProcesses, lockTargets } from "./locks.ts";
import { RestartManagerSession } from "./session.ts";
import { doubles, type ProcessSetup, useDoubles } from "../tests/doubles.ts";
import { rmDoubles } from "../tests/doubles_rm.ts";

import { addTestProcess, tempFolderTest } from "./_testing.ts";

useDoubles();

function addProcess(pid: number, extra: Partial<ProcessSetup> = {}) {
  addTestProcess(pid, extra);
}

const NAMES = ["a.txt", "b.txt", "sub/c.txt", "sub/d.txt", "e.txt"];

/** A temporary tree: dir/a.txt, dir/b.txt, dir/sub/c.txt, dir/sub/d.txt, dir/e.txt. */
function locksTest(
  name: string,
  body: (t: { dir: string; files: Record<string, string> }) => Promise<void>,
) {
  tempFolderTest(
    name,
    {
      prefix: "winsession_locks_",
      dirs: ["sub"],
      files: Object.fromEntries(NAMES.map((n) => [n, n])),
    },
    (dir) => body({ dir, files: Object.fromEntries(NAMES.map((n) => [n, join(dir, n)])) }),
  );
}

locksTest("nothing holds the files: an empty report, one session, ended", async ({ files }) => {
  const report = await findLockingProcesses([files["a.txt"]!, files["b.txt"]!], {
    attribute: true,
  });
  assert.deepEqual(report.processes, []);
  assert.equal(report.fileCount, 2);
  assert.equal(report.attributed, true);
  assert.equal(report.elevated, null);
  assert.equal(report.warning, null);
  assert.equal(doubles.calls("RmStartSession"), 1);
  assert.equal(doubles.calls("RmEndSession"), 1);
});

locksTest("one file: its holders, attributed for free, relative to cwd", async ({ dir, files }) => {
  addProcess(10, { appType: 1, restartable: true });
  rmDoubles.lock(files["a.txt"]!, 10);
  const report = await findLockingProcesses(["a.txt"], { cwd: dir });
  assert.equal(report.attributed, true);
  assert.equal(report.processes.length, 1);
  const [p] = report.processes;
  assert.equal(p!.pid, 10);
  assert.equal(p!.appName, "App 10");
  assert.equal(p!.type, "MainWindow");
  assert.deepEqual(p!.paths, [files["a.txt"]]);
  assert.equal(doubles.calls("RmStartSession"), 1);
});

locksTest(
  "a folder with recursive: every file, de-duplicated, attributed by bisection",
  async ({ dir, files }) => {
    addProcess(20);
    addProcess(21);
    rmDoubles.lock(files["a.txt"]!, 20);
    rmDoubles.lock(files["sub/d.txt"]!, 20);
    rmDoubles.lock(files["sub/d.txt"]!, 21);
    const report = await findLockingProcesses([dir, files["a.txt"]!], {
      recursive: true,
      attribute: true,
    });
    assert.equal(report.fileCount, 5);
    assert.deepEqual(report.processes.map((p) => p.pid).sort(), [20, 21]);
    const byPid = new Map(report.processes.map((p) => [p.pid, p.paths]));
    assert.deepEqual(byPid.get(20), [files["a.txt"], files["sub/d.txt"]]);
    assert.deepEqual(byPid.get(21), [files["sub/d.txt"]]);
    // Every session, the bisection's included, was ended (assertNoLeaks checks the count).
    assert.equal(doubles.calls("RmStartSession"), doubles.calls("RmEndSession"));
    assert.ok(doubles.calls("RmStartSession") > 1);
  },
);

locksTest("without attribution the paths are unknown (null), one session only", async ({ dir }) => {
  addProcess(30);
  rmDoubles.lock(join(dir, "e.txt"), 30);
  const report = await findLockingProcesses([dir], { recursive: true });
  assert.equal(report.attributed, false);
  assert.equal(report.processes.length, 1);
  assert.equal(report.processes[0]!.paths, null);
  assert.equal(doubles.calls("RmStartSession"), 1);
});

locksTest("files are registered in batches of batchSize", async ({ dir }) => {
  await findLockingProcesses([dir], { recursive: true, batchSize: 2 });
  assert.equal(doubles.calls("RmRegisterResources"), 3);
  doubles.reset();
  await findLockingProcesses([dir], { recursive: true });
  assert.equal(doubles.calls("RmRegisterResources"), 1);
  await assert.rejects(findLockingProcesses([dir], { recursive: true, batchSize: 0 }), RangeError);
});

locksTest(
  "bad input: no paths, a NUL, a missing path (named), a folder without recursive",
  async ({ dir }) => {
    await assert.rejects(findLockingProcesses([]), TypeError);
    await assert.rejects(findLockingProcesses(["a\0b"]), /NUL.*a\\u0000b/);
    await assert.rejects(
      findLockingProcesses(["missing.txt"], { cwd: dir }),
      (error: unknown) => {
        assert.ok(error instanceof PathNotFoundError);
        assert.match(error.message, /path not found: missing\.txt/);
        return true;
      },
    );
    await assert.rejects(findLockingProcesses([dir]), /is a directory.*--recursive/);
    assert.equal(doubles.calls("RmStartSession"), 0);
  },
);

locksTest(
  "lockTargets: de-duplicates and lists a folder's files in name order",
  async ({ dir, files }) => {
    const targets = await lockTargets([files["b.txt"]!, dir], { recursive: true });
    assert.deepEqual(targets, [
      files["b.txt"],
      files["a.txt"],
      files["e.txt"],
      files["sub/c.txt"],
      files["sub/d.txt"],
    ]);
  },
);

locksTest("PermissionDenied: elevated false and a warning", async ({ files }) => {
  addProcess(40);
  rmDoubles.lock(files["a.txt"]!, 40);
  rmDoubles.setRebootReasons(0x1);
  const report = await findLockingProcesses([files["a.txt"]!]);
  assert.equal(report.elevated, false);
  assert.match(report.warning!, /other users/);
  assert.deepEqual(report.rebootReasons, ["PermissionDenied"]);
});

locksTest(
  "the 65th session fails with ERROR_MAX_SESSIONS_REACHED, nothing left open",
  async ({ files }) => {
    const sessions: RestartManagerSession[] = [];
    try {
      for (let i = 0; i < 64; i++) sessions.push(RestartManagerSession.start());
      await assert.rejects(
        findLockingProcesses([files["a.txt"]!]),
        (error: unknown) =>
          error instanceof WindowsError && error.code === ERROR_MAX_SESSIONS_REACHED,
      );
    } finally {
      for (const session of sessions) session.end();
    }
  },
);

locksTest("a registration failure still ends the session", async ({ files }) => {
  doubles.failNext("RmRegisterResources", 5, 1);
  await assert.rejects(findLockingProcesses([files["a.txt"]!]), WindowsError);
  assert.equal(doubles.calls("RmEndSession"), 1);
});

locksTest("notVisible: what an empty answer cannot rule out, by target kind", async (t) => {
  const file = await findLockingProcesses([t.files["a.txt"]!]);
  assert.deepEqual(file.notVisible.map((entry) => entry.reason), ["systemAndRemote", "otherUsers"]);
  const folder = await findLockingProcesses([t.dir], { recursive: true, elevated: true });
  assert.deepEqual(folder.notVisible.map((entry) => entry.reason), [
    "workingDirectory",
    "folderHandles",
    "systemAndRemote",
  ]);
  // RmRebootReasonPermissionDenied outweighs what the caller believes.
  rmDoubles.setRebootReasons(0x1);
  const denied = await findLockingProcesses([t.files["a.txt"]!], { elevated: true });
  assert.equal(denied.notVisible.at(-1)!.reason, "otherUsers");
  for (const entry of folder.notVisible) assert.match(entry.text, /^\w+ \w+ \w+ /);
});
