// `release --exclude`, `--shutdown-timeout` and the empty/no-file cases, against the doubles.
import assert from "node:assert/strict";
import { join } from "node:path";

import { ExitCode } from "./common.ts";
import { main } from "./main.ts";
import { doubles, type ProcessSetup, useDoubles } from "../tests/doubles.ts";
import { rmDoubles } from "../tests/doubles_rm.ts";
import { recordingIO } from "./_testing.ts";

import { addTestProcess, RESTARTABLE_APP, tempFolderTest } from "../rm/_testing.ts";

useDoubles();

const AGENT = "C:\\Program Files\\Agent\\agent.exe";

function addProcess(pid: number, extra: Partial<ProcessSetup> = {}) {
  addTestProcess(pid, { imagePath: `C:\\Apps\\app${pid}.exe`, ...RESTARTABLE_APP, ...extra });
}

function cliTest(name: string, body: (dir: string) => Promise<void>) {
  tempFolderTest(name, {
    prefix: "winsession_cli_release_options_",
    dirs: ["empty"],
    files: { "a.txt": "a" },
  }, body);
}

cliTest(
  "release --exclude: pid, image name and service are kept running, and said",
  async (dir) => {
    for (const pid of [101, 102, 103, 104]) rmDoubles.lock(join(dir, "a.txt"), pid);
    addProcess(101);
    addProcess(102, { imagePath: AGENT, appName: "Agent" });
    addProcess(103, { service: "Spooler", appType: 3, sessionId: 0 });
    addProcess(104);
    const io = recordingIO();
    const args = ["release", "--yes", "--exclude", "agent.exe", "--exclude", "Spooler"];
    assert.equal(await main([...args, "--exclude", "104", join(dir, "a.txt")], io), ExitCode.Ok);
    assert.match(io.stderr, /^Kept running \(--exclude\): 102 Agent, 103 App 103, 104 App 104\n/m);
    assert.match(io.stdout, /Closed 1 process\./);
    assert.match(io.stderr, /winsession: kept running \(--exclude\): 102 Agent, 103 App 103, 104/);
    assert.equal(doubles.processAlive(101), false);
    for (const pid of [102, 103, 104]) assert.equal(doubles.processAlive(pid), true);
  },
);

cliTest("release --exclude --json: excluded in the plan, kept in the outcome", async (dir) => {
  addProcess(201);
  addProcess(202);
  rmDoubles.lock(join(dir, "a.txt"), 201);
  rmDoubles.lock(join(dir, "a.txt"), 202);
  const io = recordingIO();
  const args = ["release", "--yes", "--json", "--exclude", "202", join(dir, "a.txt")];
  assert.equal(await main(args, io), ExitCode.Ok);
  const document = JSON.parse(io.stdout);
  assert.deepEqual(document.excluded.map((p: { pid: number }) => p.pid), [202]);
  assert.deepEqual(document.outcome.kept.map((p: { pid: number }) => p.pid), [202]);
  assert.deepEqual(document.outcome.closed.map((p: { pid: number }) => p.pid), [201]);
});

cliTest(
  "release --exclude: one that matches no holder is refused before anything (exit 2)",
  async (dir) => {
    addProcess(301);
    rmDoubles.lock(join(dir, "a.txt"), 301);
    const io = recordingIO();
    const args = ["release", "--yes", "--exclude", "winword.exe", join(dir, "a.txt")];
    assert.equal(await main(args, io), ExitCode.Usage);
    assert.match(
      io.stderr,
      /^winsession: --exclude winword\.exe matches no program holding the files \(the holders are 301 App 301\)\n$/,
    );
    assert.equal(doubles.calls("RmShutdown"), 0);
    assert.equal(doubles.processAlive(301), true);
  },
);

cliTest(
  "release --shutdown-timeout: a stuck shutdown is cancelled; what closed is named (11)",
  async (dir) => {
    for (const pid of [401, 402, 403]) {
      addProcess(pid);
      rmDoubles.lock(join(dir, "a.txt"), pid);
    }
    // 402 never closes and RmShutdown's thread sits in its status callback; the cancel waits
    // for the task to end: a cancel that needed the callback to return first would deadlock.
    rmDoubles.hangOn(402);
    rmDoubles.setCancelWaits(true);
    let io = recordingIO();
    const args = ["release", "--yes", "--shutdown-timeout", "0.01", join(dir, "a.txt")];
    assert.equal(await main(args, io), ExitCode.ProgramsLeftClosed);
    assert.match(io.stderr, /401\s+App 401.*Stopped\s+closed\n/);
    assert.match(
      io.stderr,
      /winsession: the shutdown took longer than --shutdown-timeout \(0\.01 s\) and was cancelled; 1 process left closed: 401 App 401/,
    );
    assert.equal(rmDoubles.cancelsThatGaveUp(), 0);
    // With --restart, what closed comes back and nothing is left closed: exit 1.
    doubles.reset();
    for (const pid of [411, 412, 413]) {
      addProcess(pid);
      rmDoubles.lock(join(dir, "a.txt"), pid);
    }
    rmDoubles.hangOn(412);
    io = recordingIO();
    const restart = [...args.slice(0, -1), "--restart", "--json", "--exclude", "413"];
    restart.push(join(dir, "a.txt"));
    assert.equal(await main(restart, io), ExitCode.WindowsError);
    const document = JSON.parse(io.stdout);
    assert.equal(document.outcome.timedOut, true);
    assert.deepEqual(document.outcome.kept.map((p: { pid: number }) => p.pid), [413]);
    assert.deepEqual(document.outcome.restarted.map((p: { pid: number }) => p.pid), [411]);
    assert.equal(document.leftClosed, false);
    assert.equal(doubles.processAlive(411), true);
  },
);

cliTest("release: bad --shutdown-timeout is a usage error", async (dir) => {
  const io = recordingIO();
  const args = ["release", "--yes", "--shutdown-timeout", "-1", join(dir, "a.txt")];
  assert.equal(await main(args, io), ExitCode.Usage);
  assert.match(io.stderr, /--shutdown-timeout must be a number of seconds/);
});

cliTest("release: a folder with no file is exit 13, nothing was checked", async (dir) => {
  let io = recordingIO();
  assert.equal(await main(["release", "--yes", "-r", join(dir, "empty")], io), 13);
  assert.equal(io.stderr, "winsession: nothing was checked: the given folders hold no file\n");
  io = recordingIO();
  assert.equal(await main(["release", "-n", "--json", "-r", join(dir, "empty")], io), 13);
  assert.equal(JSON.parse(io.stdout).fileCount, 0);
});

cliTest("release --exclude of every holder: nothing closed, exit 10 (still held)", async (dir) => {
  addProcess(501);
  rmDoubles.lock(join(dir, "a.txt"), 501);
  const io = recordingIO();
  assert.equal(
    await main(["release", "--yes", "--exclude", "501", join(dir, "a.txt")], io),
    ExitCode.Locked,
  );
  assert.match(io.stdout, /Nothing to close: --exclude keeps every program holding the files/);
  assert.equal(doubles.calls("RmShutdown"), 0);
});
