import assert from "node:assert/strict";
import { join } from "node:path";

import { ExitCode } from "./common.ts";
import { main } from "./main.ts";
import { RestartManagerSession } from "../rm/session.ts";
import { assertNoLeaks, doubles, useDoubles } from "../tests/doubles.ts";
import { rmDoubles } from "../tests/doubles_rm.ts";
import { accountDoubles } from "../tests/doubles_accounts.ts";
import { recordingIO } from "./_testing.ts";

useDoubles();

const START = 133_500_000_000_000_000n;

function addProcess(pid: number, extra: Record<string, unknown> = {}) {
  doubles.addProcess({
    pid,
    sessionId: 1,
    name: `app${pid}.exe`,
    appName: `App ${pid}`,
    createTime: START + BigInt(pid),
    appType: 1,
    restartable: true,
    ...extra,
  });
}

function cliTest(name: string, body: (dir: string) => Promise<void>) {
  Deno.test(name, async () => {
    doubles.reset();
    const dir = await Deno.makeTempDir({ prefix: "winsession_cli_locks_" });
    await Deno.mkdir(join(dir, "sub"));
    for (const file of ["a.txt", "b.txt", "sub/c.txt"]) {
      await Deno.writeTextFile(join(dir, file), file);
    }
    try {
      await body(dir);
    } finally {
      await Deno.remove(dir, { recursive: true });
      assertNoLeaks();
    }
  });
}

cliTest("locks: nothing holds the paths → exit 0 and a sentence", async (dir) => {
  const io = recordingIO();
  assert.equal(await main(["locks", join(dir, "a.txt")], io), ExitCode.Ok);
  assert.match(io.stdout, /No process holds the given paths \(1 file checked\)/);
  assert.equal(io.stderr, "");
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
