import assert from "node:assert/strict";
import { join } from "node:path";

import { ExitCode } from "./common.ts";
import { main } from "./main.ts";
import { RestartManagerSession } from "../rm/session.ts";
import { doubles, useDoubles } from "../tests/doubles.ts";
import { rmDoubles } from "../tests/doubles_rm.ts";
import { accountDoubles } from "../tests/doubles_accounts.ts";
import { recordingIO } from "./_testing.ts";
import { addProcess, cliTest, START } from "../rm/_testing.ts";

useDoubles();

cliTest("locks: nothing holds the paths → exit 0 and a sentence", async (dir) => {
  const io = recordingIO();
  assert.equal(await main(["locks", join(dir, "a.txt")], io), ExitCode.Ok);
  assert.match(io.stdout, /No process holds the given paths \(1 file checked\)/);
  // An empty answer is not proof: what the Restart Manager cannot see is said, once.
  assert.match(io.stderr, /^winsession: note: the Restart Manager cannot see every holder:\n/);
  assert.match(io.stderr, /SMB clients/);
  assert.match(io.stderr, /without elevation, programs of other users may be missing/);
  assert.doesNotMatch(io.stderr, /working directory/);
});

cliTest("locks: a table with PATHS and exit 10 when something holds them", async (dir) => {
  addProcess(101, { service: "Spooler", appType: 3, sessionId: 0 });
  addProcess(102, { restartable: false });
  rmDoubles.lock(join(dir, "a.txt"), 101);
  rmDoubles.lock(join(dir, "sub", "c.txt"), 102);
  const io = recordingIO({ cwd: dir });
  assert.equal(await main(["locks", "--recursive", "."], io), ExitCode.Locked);
  const lines = io.stdout.trimEnd().split("\n");
  assert.match(
    lines[0]!,
    /^\s*PID\s+APP\s+TYPE\s+SERVICE\s+SESSION\s+RESTARTABLE\s+USER\s+EXE\s+PATHS$/,
  );
  assert.equal(lines.length, 3);
  const row101 = lines.find((line) => /^\s*101 /.test(line))!;
  assert.match(row101, /App 101\s+Service\s+Spooler\s+0\s+yes\s+\?\s+app101\.exe\s+.*a\.txt$/);
  const row102 = lines.find((line) => /^\s*102 /.test(line))!;
  assert.match(row102, /App 102\s+MainWindow\s+1\s+no\s+\?\s+app102\.exe\s+.*c\.txt$/);
});

cliTest("locks --json: documented fields, exit 10", async (dir) => {
  accountDoubles.add({ sid: "S-1-5-21-1-2-3-1001", domain: "CONTOSO", name: "alice" });
  addProcess(201, { sid: "S-1-5-21-1-2-3-1001", imagePath: "C:\\App\\app201.exe" });
  rmDoubles.lock(join(dir, "b.txt"), 201);
  const io = recordingIO();
  assert.equal(await main(["locks", "--json", join(dir, "b.txt")], io), ExitCode.Locked);
  const report = JSON.parse(io.stdout);
  assert.deepEqual(Object.keys(report), [
    "locked",
    "fileCount",
    "attributed",
    "elevated",
    "warning",
    "rebootReasons",
    "notVisible",
    "processes",
  ]);
  assert.equal(report.locked, true);
  assert.equal(report.fileCount, 1);
  assert.deepEqual(report.processes, [{
    pid: 201,
    startTime: new Date(Number((START + 201n - 116_444_736_000_000_000n) / 10_000n))
      .toISOString(),
    appName: "App 201",
    serviceName: null,
    type: "MainWindow",
    status: ["Running"],
    sessionId: 1,
    restartable: true,
    paths: [join(dir, "b.txt")],
    executable: "C:\\App\\app201.exe",
    owner: "CONTOSO\\alice",
  }]);
});

cliTest("locks: without elevation a warning on stderr; --no-attribute drops PATHS", async (dir) => {
  addProcess(301);
  rmDoubles.lock(join(dir, "a.txt"), 301);
  rmDoubles.setRebootReasons(0x1);
  const io = recordingIO();
  assert.equal(
    await main(["locks", "--no-attribute", "-r", dir], io),
    ExitCode.Locked,
  );
  assert.doesNotMatch(io.stdout, /PATHS/);
  assert.match(io.stderr, /PermissionDenied/);
  assert.match(io.stderr, /warning: .*other users/);
});

cliTest("locks: bad input is one line and a non-zero exit, no session left", async (dir) => {
  let io = recordingIO();
  assert.equal(await main(["locks"], io), ExitCode.Usage);
  io = recordingIO({ cwd: dir });
  assert.equal(await main(["locks", "a.txt", "nope.txt"], io), ExitCode.Usage);
  assert.equal(io.stderr, `winsession: path not found: nope.txt (${join(dir, "nope.txt")})\n`);
  io = recordingIO();
  assert.equal(await main(["locks", "bad\0path"], io), ExitCode.Usage);
  assert.match(io.stderr, /^winsession: path contains a NUL character: "bad\\u0000path"\n$/);
  io = recordingIO();
  assert.equal(await main(["locks", dir], io), ExitCode.Usage);
  assert.match(io.stderr, /is a directory: pass recursive \(--recursive\)/);
  assert.equal(io.stderr.split("\n").length, 2);
  assert.equal(doubles.calls("RmStartSession"), 0);
});

cliTest("locks: the 65th session is one line naming the error, exit 1", async (dir) => {
  const sessions: RestartManagerSession[] = [];
  try {
    for (let i = 0; i < 64; i++) sessions.push(RestartManagerSession.start());
    const io = recordingIO();
    assert.equal(await main(["locks", join(dir, "a.txt")], io), ExitCode.WindowsError);
    assert.match(
      io.stderr,
      /^winsession: RmStartSession failed: ERROR_MAX_SESSIONS_REACHED \(353\).*\n$/,
    );
  } finally {
    for (const session of sessions) session.end();
  }
});

cliTest(
  "locks: a folder nothing holds also names working directories and folder handles",
  async (dir) => {
    const io = recordingIO();
    assert.equal(await main(["locks", "-r", dir], io), ExitCode.Ok);
    assert.match(io.stdout, /\(3 files checked\)/);
    assert.match(io.stderr, /working directory is inside a given folder/);
    assert.match(io.stderr, /handles to the folders themselves/);
    const json = recordingIO();
    assert.equal(await main(["locks", "-r", "--json", dir], json), ExitCode.Ok);
    assert.deepEqual(
      JSON.parse(json.stdout).notVisible.map((entry: { reason: string }) => entry.reason),
      ["workingDirectory", "folderHandles", "systemAndRemote", "otherUsers"],
    );
  },
);

cliTest("locks: elevated, the other-users entry is dropped", async (dir) => {
  accountDoubles.setElevated(true);
  try {
    const io = recordingIO();
    assert.equal(await main(["locks", "--json", join(dir, "a.txt")], io), ExitCode.Ok);
    assert.deepEqual(
      JSON.parse(io.stdout).notVisible.map((entry: { reason: string }) => entry.reason),
      ["systemAndRemote"],
    );
  } finally {
    accountDoubles.setElevated(false);
  }
});

cliTest("locks: a folder with no file is exit 13, never 'nothing holds it'", async (dir) => {
  await Deno.mkdir(join(dir, "empty"));
  let io = recordingIO();
  assert.equal(await main(["locks", "-r", join(dir, "empty")], io), ExitCode.NothingChecked);
  assert.equal(io.stdout, "");
  assert.match(io.stderr, /^winsession: nothing was checked: .*empty hold no file/);
  io = recordingIO();
  assert.equal(await main(["locks", "-r", "--json", join(dir, "empty")], io), 13);
  const report = JSON.parse(io.stdout);
  assert.equal(report.fileCount, 0);
  assert.equal(report.locked, false);
  io = recordingIO();
  assert.equal(await main(["locks", "-r", "--wait", join(dir, "empty")], io), 13);
  assert.equal(doubles.calls("RmStartSession"), 0);
});

cliTest("locks --wait: free once the holder lets go, exit 0, one session", async (dir) => {
  addProcess(401);
  rmDoubles.lock(join(dir, "a.txt"), 401);
  const io = recordingIO();
  const err = io.err;
  // The holder lets go when the first "Waiting" line is printed: no delay, no timing.
  io.err = (text) => {
    err(text);
    if (text.startsWith("Waiting:")) rmDoubles.clearLocks();
  };
  assert.equal(
    await main(["locks", "--wait", "--interval", "0.001", join(dir, "a.txt")], io),
    ExitCode.Ok,
  );
  assert.match(io.stderr, /^Waiting: 1 process holds the paths: 401 App 401\n/);
  assert.match(io.stdout, /^Nothing holds the given paths any more \(1 file checked, waited /);
  assert.equal(doubles.calls("RmStartSession"), 1);
  assert.equal(doubles.calls("RmRegisterResources"), 1);
});

cliTest("locks --wait --timeout: exit 14 with the holders, table and JSON", async (dir) => {
  addProcess(501);
  rmDoubles.lock(join(dir, "b.txt"), 501);
  let io = recordingIO();
  const args = ["locks", "--wait", "--timeout", "0.001", "--interval", "0.001"];
  assert.equal(await main([...args, join(dir, "b.txt")], io), ExitCode.WaitTimedOut);
  assert.match(io.stdout, /^\s*PID\s+APP.*\n\s*501\s+App 501/);
  assert.match(io.stderr, /winsession: timed out after \d+s: 1 process still holds/);
  io = recordingIO();
  assert.equal(await main([...args, "--json", join(dir, "b.txt")], io), 14);
  const document = JSON.parse(io.stdout);
  assert.deepEqual(Object.keys(document), [
    "free",
    "timedOut",
    "fileCount",
    "waitedMs",
    "checks",
    "notVisible",
    "rebootReasons",
    "processes",
  ]);
  assert.equal(document.free, false);
  assert.equal(document.timedOut, true);
  assert.deepEqual(document.processes.map((p: { pid: number }) => p.pid), [501]);
  assert.equal(io.stderr, "");
});

cliTest("locks --wait: Ctrl+C ends the wait (130) and the session", async (dir) => {
  addProcess(601);
  rmDoubles.lock(join(dir, "a.txt"), 601);
  const controller = new AbortController();
  const io = recordingIO();
  const err = io.err;
  io.err = (text) => {
    err(text);
    if (text.startsWith("Waiting:")) controller.abort();
  };
  const code = await main(["locks", "--wait", "--interval", "60", join(dir, "a.txt")], io, {
    signal: controller.signal,
  });
  assert.equal(code, ExitCode.Interrupted);
  assert.match(io.stderr, /winsession: interrupted: stopped waiting; nothing was changed\n$/);
  assert.equal(doubles.calls("RmEndSession"), 1);
});

cliTest("locks: --timeout without --wait, or a bad number, is a usage error", async (dir) => {
  let io = recordingIO();
  assert.equal(await main(["locks", "--timeout", "5", join(dir, "a.txt")], io), ExitCode.Usage);
  assert.match(io.stderr, /--timeout and --interval need --wait/);
  io = recordingIO();
  assert.equal(await main(["locks", "--wait", "--timeout", "1e3", join(dir, "a.txt")], io), 2);
  assert.match(io.stderr, /--timeout must be a number of seconds/);
});
