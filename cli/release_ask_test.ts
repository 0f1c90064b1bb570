// `release --ask` and the holder columns of `release`, against the doubles: the plan names the
// executable and the owner; the boxes go to every user session at once; yes closes, no keeps
// (exit 10), no answer follows --on-no-answer; services are not asked; --json reports the asks.
import assert from "node:assert/strict";
import { join } from "node:path";

import { ExitCode } from "./common.ts";
import { main } from "./main.ts";
import { assertNoLeaks, ConnectState, doubles, useDoubles } from "../tests/doubles.ts";
import { rmDoubles } from "../tests/doubles_rm.ts";
import { accountDoubles } from "../tests/doubles_accounts.ts";
import { recordingIO } from "./_testing.ts";

useDoubles();

const START = 133_500_000_000_000_000n;
const IDYES = 6;
const IDNO = 7;
const IDTIMEOUT = 32000;
const ALICE = "S-1-5-21-1-2-3-1001";
const BOB = "S-1-5-21-1-2-3-1002";

function cliTest(name: string, body: (file: string) => Promise<void>) {
  Deno.test(name, async () => {
    doubles.reset();
    accountDoubles.add({ sid: ALICE, domain: "CONTOSO", name: "alice" });
    accountDoubles.add({ sid: BOB, domain: "CONTOSO", name: "bob" });
    accountDoubles.add({ sid: "S-1-5-18", domain: "NT AUTHORITY", name: "SYSTEM" });
    for (const id of [2, 3]) {
      doubles.addSession({ id, winStation: `RDP-Tcp#${id}`, state: ConnectState.Active });
    }
    const dir = await Deno.makeTempDir({ prefix: "winsession_cli_ask_" });
    const file = join(dir, "Budget.xlsx");
    await Deno.writeTextFile(file, "");
    try {
      await body(file);
    } finally {
      await Deno.remove(dir, { recursive: true });
      assertNoLeaks();
    }
  });
}

function holder(file: string, pid: number, sessionId: number, sid: string, extra = {}) {
  doubles.addProcess({
    pid,
    sessionId,
    sid,
    name: `app${pid}.exe`,
    imagePath: `C:\\Apps\\app${pid}.exe`,
    appName: `App ${pid}`,
    createTime: START + BigInt(pid),
    appType: 1,
    restartable: true,
    ...extra,
  });
  rmDoubles.lock(file, pid);
}

cliTest(
  "release --ask: yes closes, no keeps; the table says who, what and the result; exit 10",
  async (file) => {
    holder(file, 20, 2, ALICE);
    holder(file, 30, 3, BOB);
    holder(file, 40, 0, "S-1-5-18", { service: "Spooler", appType: 3 });
    doubles.setSessionMessageResponse(2, IDYES);
    doubles.setSessionMessageResponse(3, IDNO);
    const io = recordingIO();
    assert.equal(await main(["release", "--ask", "--yes", file], io), ExitCode.Locked);
    // The plan, before asking: executable and owner of each holder.
    assert.match(
      io.stdout,
      /20\s+App 20\s+MainWindow\s+2\s+yes\s+CONTOSO\\alice\s+C:\\Apps\\app20\.exe/,
    );
    assert.match(io.stdout, /40\s+App 40\s+Service\s+Spooler\s+0\s+yes\s+NT AUTHORITY\\SYSTEM/);
    assert.match(
      io.stderr,
      /Asking session 2 \(20 App 20\), session 3 \(30 App 30\); waiting up to 60 s/,
    );
    assert.match(io.stdout, /PID\s+APP\s+SESSION\s+USER\s+ASKED\s+ANSWER\s+RESULT/);
    assert.match(io.stdout, /20\s+App 20\s+2\s+CONTOSO\\alice\s+yes\s+yes\s+closed/);
    assert.match(io.stdout, /30\s+App 30\s+3\s+CONTOSO\\bob\s+yes\s+no\s+kept/);
    assert.match(io.stdout, /40\s+App 40\s+0\s+NT AUTHORITY\\SYSTEM\s+no \(service\)\s+closed/);
    assert.match(io.stderr, /1 program was kept open as their owners chose: 30 App 30 \(no\)/);
    assert.equal(doubles.processAlive(20), false);
    assert.equal(doubles.processAlive(30), true);
    assert.equal(doubles.processAlive(40), false);
    assert.match(
      doubles.sessionMessage(2).text,
      /^App 20 must close so .*Budget\.xlsx can be updated/,
    );
  },
);

cliTest(
  "release --ask --on-no-answer close: a timed-out box (IDTIMEOUT or 0) closes; exit 0",
  async (file) => {
    holder(file, 21, 2, ALICE);
    holder(file, 31, 3, BOB);
    doubles.setSessionMessageResponse(2, IDTIMEOUT);
    doubles.setSessionMessageResponse(3, 0);
    const io = recordingIO();
    const argv = [
      "release",
      "--ask",
      "--ask-timeout",
      "5",
      "--on-no-answer",
      "close",
      "--yes",
      file,
    ];
    assert.equal(await main(argv, io), ExitCode.Ok, io.stderr);
    assert.match(io.stdout, /21\s+App 21\s+2\s+CONTOSO\\alice\s+yes\s+timeout\s+closed/);
    assert.match(io.stdout, /31\s+App 31\s+3\s+CONTOSO\\bob\s+yes\s+timeout\s+closed/);
    assert.equal(doubles.lastMessage().timeout, 5);
    assert.match(doubles.sessionMessage(2).text, /within 5 seconds, it will be closed\./);
  },
);

cliTest(
  "release --ask --json: the asks with answers and results; no answer keeps by default",
  async (file) => {
    holder(file, 22, 2, ALICE);
    doubles.setSessionMessageResponse(2, IDTIMEOUT);
    const io = recordingIO();
    assert.equal(await main(["release", "--ask", "--json", "--yes", file], io), ExitCode.Locked);
    const doc = JSON.parse(io.stdout);
    assert.equal(doc.plan.processes[0].executable, "C:\\Apps\\app22.exe");
    assert.equal(doc.plan.processes[0].owner, "CONTOSO\\alice");
    assert.deepEqual(doc.asks, [{
      pid: 22,
      appName: "App 22",
      sessionId: 2,
      owner: "CONTOSO\\alice",
      asked: true,
      notAskedReason: null,
      answer: "timeout",
      error: null,
      decision: "keep",
      result: "kept",
    }]);
    assert.deepEqual(doc.outcome.stillRunning.map((p: { pid: number }) => p.pid), [22]);
    assert.equal(doc.outcome.stillRunning[0].owner, "CONTOSO\\alice");
    assert.equal(doubles.calls("RmShutdown"), 0);
    assert.equal(doubles.processAlive(22), true);
  },
);

cliTest(
  "release --ask --dry-run: says who would be asked and what the box reads; sends nothing",
  async (file) => {
    holder(file, 23, 2, ALICE);
    holder(file, 41, 0, "S-1-5-18", { service: "Spooler", appType: 3 });
    let io = recordingIO();
    assert.equal(await main(["release", "--ask", "--dry-run", file], io), ExitCode.Locked);
    assert.match(io.stdout, /Would ask session 2: 23 App 23\n/);
    assert.match(io.stdout, /Not asked, closed as usual \(services, session 0\): 41 App 41\n/);
    assert.match(io.stdout, /App 23 must close so .*Budget\.xlsx can be updated\. Close it now\?/);
    assert.equal(doubles.lastMessage().count, 0);
    io = recordingIO();
    assert.equal(
      await main(["release", "--ask", "--dry-run", "--json", file], io),
      ExitCode.Locked,
    );
    const doc = JSON.parse(io.stdout);
    assert.deepEqual(doc.asks.map((a: { pid: number; asked: boolean }) => [a.pid, a.asked]), [
      [23, true],
      [41, false],
    ]);
    assert.equal(doubles.lastMessage().count, 0);
  },
);

cliTest(
  "release: --ask-timeout and --on-no-answer without --ask, or bad values, are usage errors",
  async (file) => {
    holder(file, 24, 2, ALICE);
    for (
      const argv of [
        ["--ask-timeout", "5"],
        ["--on-no-answer", "close"],
        ["--ask", "--on-no-answer", "maybe"],
        ["--ask", "--ask-timeout", "0"],
        ["--ask", "--ask-timeout", "1.5"],
      ]
    ) {
      const io = recordingIO();
      assert.equal(
        await main(["release", ...argv, "--yes", file], io),
        ExitCode.Usage,
        argv.join(" "),
      );
      assert.equal(doubles.processAlive(24), true);
    }
    assert.equal(doubles.lastMessage().count, 0);
  },
);
