/**
 * `winsession processes` and `winsession kill` against the wtsapi32 double: table, JSON, several servers, confirmation and failures.
 */
import assert from "node:assert/strict";
import { ExitCode } from "./common.ts";
import { doubles } from "../tests/doubles.ts";
import { accountDoubles } from "../tests/doubles_accounts.ts";
import { settleLateAnswers } from "../wts/fanout.ts";
import { lines, run, runChangedWhileAsking, test } from "./_session_testing.ts";

test("processes: a table with memory and CPU for people", async () => {
  const { code, io } = await run(["processes"]);
  assert.equal(code, ExitCode.Ok);
  const [header, ...rows] = lines(io.stdout);
  assert.match(header!, /^\s*PID\s+SESSION\s+NAME\s+THREADS\s+HANDLES\s+MEMORY\s+CPU\s+USER$/);
  const notepad = rows.find((row) => row.includes("notepad.exe"))!;
  assert.match(notepad, /^\s*4242\s+2\s+notepad\.exe\s+3\s+99\s+12 MB\s+1s\s+CONTOSO\\bob$/);
  assert.match(rows.find((row) => row.includes("System"))!, /NT AUTHORITY\\SYSTEM$/);
  assert.equal(io.stderr, "", "elevated: no warning");
});

test("processes --session --json: the documented fields, filtered", async () => {
  const { code, io } = await run(["processes", "--session", "2", "--json"]);
  assert.equal(code, ExitCode.Ok);
  assert.deepEqual(JSON.parse(io.stdout), [{
    server: "",
    pid: 4242,
    name: "notepad.exe",
    sessionId: 2,
    user: "CONTOSO\\bob",
    userSid: "S-1-5-21-1-2-3-1001",
    elevated: true,
    threads: 3,
    handles: 99,
    pagefileBytes: 0,
    peakPagefileBytes: 0,
    workingSetBytes: 12 * 1024 * 1024,
    peakWorkingSetBytes: 0,
    userTimeMs: 1000,
    kernelTimeMs: 500,
  }]);
});

test("processes with several --server: partial failure, SERVER column, exit 6", async () => {
  doubles.addServer("RDS01");
  doubles.generateProcesses(3, "RDS01");
  const { code, io } = await run(["processes", "-s", "RDS01", "-s", "NOPE"]);
  assert.equal(code, ExitCode.Partial);
  const [header, ...rows] = lines(io.stdout);
  assert.match(header!, /^SERVER\s+PID/);
  assert.equal(rows.length, 3);
  assert.match(io.stderr, /^winsession: NOPE: /);
  const json = await run(["processes", "-s", "RDS01", "-s", "NOPE", "--json"]);
  const [ok, failed] = JSON.parse(json.io.stdout);
  assert.equal(ok.processes.length, 3);
  assert.equal(failed.ok, false);
  assert.deepEqual(failed.processes, []);
});

test("processes: a bad --session is a usage error", async () => {
  const { code, io } = await run(["processes", "--session", "-3"]);
  assert.equal(code, ExitCode.Usage);
  assert.match(io.stderr, /^winsession: /);
});

test("kill without --yes refuses on a pipe, naming the process; it keeps running", async () => {
  const { code, io } = await run(["kill", "4242"]);
  assert.equal(code, ExitCode.NotConfirmed);
  assert.match(io.stderr, /Terminate process 4242 \(notepad\.exe, session 2\)/);
  assert.equal(doubles.processAlive(4242), true);
});

test("kill --yes terminates with the exit code asked for", async () => {
  const { code, io } = await run(["kill", "4242", "--yes", "--exit-code", "7"]);
  assert.equal(code, ExitCode.Ok);
  assert.equal(io.stdout, "Terminated process 4242 (notepad.exe).\n");
  assert.equal(doubles.processAlive(4242), false);
  assert.equal(doubles.processExitCode(4242), 7);
});

test("kill on a terminal: yes terminates, no keeps it", async () => {
  let { code, io } = await run(["kill", "4242"], { interactive: true, answers: ["no"] });
  assert.equal(code, ExitCode.NotConfirmed);
  assert.equal(io.questions.length, 1);
  assert.equal(doubles.processAlive(4242), true);
  ({ code, io } = await run(["kill", "4242"], { interactive: true, answers: ["yes"] }));
  assert.equal(code, ExitCode.Ok);
  assert.equal(doubles.processAlive(4242), false);
});

test("kill: an unknown pid fails before asking; a denied one names the error", async () => {
  let { code, io } = await run(["kill", "31337"], { interactive: true, answers: ["y"] });
  assert.equal(code, ExitCode.WindowsError);
  assert.deepEqual(io.questions, []);
  assert.equal(
    io.stderr,
    "winsession: no process with id 31337 on the local server: nothing was done\n",
  );
  doubles.addProcess({ pid: 500, sessionId: 0, name: "csrss.exe", accessDenied: true });
  ({ code, io } = await run(["kill", "500", "--yes"]));
  assert.equal(code, ExitCode.WindowsError);
  assert.match(io.stderr, /ERROR_ACCESS_DENIED \(5\)/);
  assert.equal(doubles.processAlive(500), true);
  ({ code, io } = await run(["kill", "99999999999", "--yes"]));
  assert.equal(code, ExitCode.Usage);
  assert.equal(doubles.calls("WTSTerminateProcess"), 1);
});

test("processes --session of a session that does not exist: exit 1, ERROR_CTX_WINSTATION_NOT_FOUND", async () => {
  const { code, io } = await run(["processes", "--session", "999"]);
  assert.equal(code, ExitCode.WindowsError);
  assert.equal(io.stdout, "", "no empty table");
  assert.equal(lines(io.stderr).length, 1);
  assert.match(io.stderr, /ERROR_CTX_WINSTATION_NOT_FOUND \(7022\)/);
  const listener = await run(["processes", "--session", "65536", "--json"]);
  assert.equal(listener.code, ExitCode.Ok, "an existing session without processes is fine");
  assert.deepEqual(JSON.parse(listener.io.stdout), []);
});

test("processes with one --server honours --timeout: abandoned at the deadline, naming the server", async () => {
  doubles.addServer("SLOW", 1500);
  const { code, io } = await run(["processes", "-s", "SLOW", "--timeout", "0.2"]);
  assert.equal(code, ExitCode.WindowsError);
  assert.equal(io.stdout, "");
  assert.equal(io.stderr, "winsession: SLOW did not answer within 200 ms\n");
  await settleLateAnswers(); // the abandoned call still frees its block and closes its handle
});

test("processes --server: a failure names the server", async () => {
  const { code, io } = await run(["processes", "-s", "NOPE"]);
  assert.equal(code, ExitCode.WindowsError);
  assert.match(
    io.stderr,
    /^winsession: NOPE: WTSEnumerateProcessesW failed: RPC_S_SERVER_UNAVAILABLE/,
  );
});

test("kill --dry-run: the same lookup, one line, nothing terminated, exit 0", async () => {
  let { code, io } = await run(["kill", "4242", "--dry-run"], { interactive: true });
  assert.equal(code, ExitCode.Ok);
  assert.deepEqual(io.questions, []);
  assert.equal(
    io.stdout,
    "Would terminate process 4242 (notepad.exe, session 2) on the local server " +
      "(dry run: nothing was done).\n",
  );
  assert.equal(doubles.processAlive(4242), true);
  assert.equal(doubles.calls("WTSTerminateProcess"), 0);
  ({ code, io } = await run(["kill", "31337", "--dry-run"]));
  assert.equal(code, ExitCode.WindowsError, "an unknown pid fails the dry run too");
});

test("kill: the pid reused by a new process while the prompt was open: exit 7, nothing ended", async () => {
  doubles.addProcess({ pid: 4242, sessionId: 2, name: "notepad.exe", createTime: new Date(1e12) });
  const { code, io } = await runChangedWhileAsking(["kill", "4242"], () => {
    // notepad ended; a new notepad.exe of the same session got the same pid a second later.
    doubles.addProcess({
      pid: 4242,
      sessionId: 2,
      name: "notepad.exe",
      createTime: new Date(1e12 + 1000),
    });
  });
  assert.equal(code, ExitCode.TargetChanged);
  assert.equal(lines(io.stderr).length, 1);
  assert.match(
    io.stderr,
    /^winsession: process 4242 changed since it was looked up \(startTime was 2001-09-09T01:46:40\.000Z, is now 2001-09-09T01:46:41\.000Z\): nothing was done\n$/,
  );
  assert.equal(doubles.processAlive(4242), true);
  assert.equal(doubles.calls("WTSTerminateProcess"), 0);
});

test("kill --server: another program on the pid (no start times remotely) is a changed target", async () => {
  doubles.addServer("RDS01");
  doubles.addProcess({ server: "RDS01", pid: 900, sessionId: 3, name: "excel.exe" });
  const { code, io } = await runChangedWhileAsking(["kill", "900", "-s", "RDS01"], () => {
    doubles.addProcess({ server: "RDS01", pid: 900, sessionId: 4, name: "winword.exe" });
  });
  assert.equal(code, ExitCode.TargetChanged);
  assert.match(
    io.stderr,
    /process 900 on RDS01 changed .*name was excel\.exe, is now winword\.exe; sessionId was 3, is now 4/,
  );
  assert.equal(doubles.processAlive(900, "RDS01"), true);
  const unchanged = await runChangedWhileAsking(["kill", "900", "-s", "RDS01"], () => {});
  assert.equal(unchanged.code, ExitCode.Ok);
  assert.equal(doubles.processAlive(900, "RDS01"), false);
});

// ---- account names and elevation (11.2, CLI side) ------------------------------------------

test("processes: USER falls back to the SID when no account maps to it; --sid adds the SID", async () => {
  doubles.addProcess({ pid: 777, sessionId: 2, name: "orphan.exe", sid: "S-1-5-21-9-9-9-1234" });
  const { io } = await run(["processes", "--sid"]);
  const [header, ...rows] = lines(io.stdout);
  assert.match(header!, /\sUSER\s+USER SID$/);
  assert.match(
    rows.find((r) => r.includes("notepad.exe"))!,
    /\sCONTOSO\\bob\s+S-1-5-21-1-2-3-1001$/,
  );
  assert.match(
    rows.find((r) => r.includes("orphan.exe"))!,
    /\sS-1-5-21-9-9-9-1234\s+S-1-5-21-9-9-9-1234$/,
  );
  const json = await run(["processes", "--json"]);
  const orphan = JSON.parse(json.io.stdout).find((p: { pid: number }) => p.pid === 777);
  assert.equal(orphan.user, "");
  assert.equal(orphan.userSid, "S-1-5-21-9-9-9-1234");
});

test("processes and kill not elevated: one warning line on stderr; JSON says elevated: false", async () => {
  accountDoubles.setElevated(false);
  const { code, io } = await run(["processes", "--json"]);
  assert.equal(code, ExitCode.Ok);
  assert.equal(lines(io.stderr).length, 1);
  assert.match(
    io.stderr,
    /^winsession: warning: not elevated: the list is partial \(other users' processes may be hidden/,
  );
  assert.ok(JSON.parse(io.stdout).every((p: { elevated: boolean }) => p.elevated === false));
  const kill = await run(["kill", "notepad", "--dry-run"]);
  assert.equal(kill.code, ExitCode.Ok);
  assert.match(kill.io.stderr, /^winsession: warning: not elevated/);
  doubles.addServer("RDS01");
  const several = await run(["processes", "-s", "RDS01", "-s", "NOPE", "--json"]);
  assert.deepEqual(JSON.parse(several.io.stdout).map((s: { elevated: boolean }) => s.elevated), [
    false,
    false,
  ]);
});

test("processes: elevation that cannot be read is reported as unknown (elevated: null)", async () => {
  doubles.failNext("OpenProcessToken", 5);
  const { code, io } = await run(["processes", "--json"]);
  assert.equal(code, ExitCode.Ok);
  assert.match(
    io.stderr,
    /^winsession: warning: elevation unknown \(.*ERROR_ACCESS_DENIED.*\): the list may be partial$/m,
  );
  assert.ok(JSON.parse(io.stdout).every((p: { elevated: null }) => p.elevated === null));
});

// ---- kill by image name, several targets and servers (11.1) --------------------------------

/** A second notepad in alice's console session. */
function secondNotepad(): void {
  doubles.addProcess({ pid: 5151, sessionId: 1, name: "NOTEPAD.EXE", sid: "S-1-5-21-1-2-3-1001" });
}

test("kill notepad: every match listed with pid, name, session and user; one question; each reported", async () => {
  secondNotepad();
  const { code, io } = await run(["kill", "notepad"], { interactive: true, answers: ["y"] });
  assert.equal(code, ExitCode.Ok);
  assert.deepEqual(io.questions, ["Terminate these 2 processes? [y/N]"]);
  assert.match(io.stderr, /^Terminate 2 processes on the local server:$/m);
  assert.match(io.stderr, /^SERVER\s+PID\s+NAME\s+SESSION\s+USER$/m);
  assert.match(io.stderr, /^\(local\)\s+4242\s+notepad\.exe\s+2\s+CONTOSO\\bob$/m);
  assert.match(io.stderr, /^\(local\)\s+5151\s+NOTEPAD\.EXE\s+1\s+CONTOSO\\bob$/m);
  assert.equal(lines(io.stdout).filter((r) => /terminated$/.test(r)).length, 2);
  assert.equal(doubles.processAlive(4242), false);
  assert.equal(doubles.processAlive(5151), false);
});

test("kill notepad.exe --session 1: only that session's match, the one-line form", async () => {
  secondNotepad();
  const { code, io } = await run(["kill", "notepad.exe", "--session", "1", "--yes"]);
  assert.equal(code, ExitCode.Ok);
  assert.equal(io.stdout, "Terminated process 5151 (NOTEPAD.EXE).\n");
  assert.equal(doubles.processAlive(4242), true);
});

test("kill by a name nobody runs, a path or a wildcard: exit 1 / exit 2, nothing asked", async () => {
  let { code, io } = await run(["kill", "calc"], { interactive: true });
  assert.equal(code, ExitCode.WindowsError);
  assert.equal(
    io.stderr,
    'winsession: no process named "calc" on the local server: nothing was done\n',
  );
  for (const bad of ["note*", "C:\\Windows\\notepad.exe"]) {
    ({ code, io } = await run(["kill", bad, "--yes"]));
    assert.equal(code, ExitCode.Usage, bad);
    assert.match(io.stderr, /without a path or wildcards/);
  }
  assert.deepEqual(io.questions, []);
  assert.equal(doubles.calls("WTSTerminateProcess"), 0);
});

test("kill --dry-run --json with several matches: the documented object, nothing ended", async () => {
  secondNotepad();
  const { code, io } = await run(["kill", "notepad", "--dry-run", "--json"]);
  assert.equal(code, ExitCode.Ok);
  assert.deepEqual(JSON.parse(io.stdout), {
    dryRun: true,
    action: "kill",
    targets: [
      {
        server: "",
        pid: 4242,
        name: "notepad.exe",
        sessionId: 2,
        user: "CONTOSO\\bob",
        userSid: "S-1-5-21-1-2-3-1001",
      },
      {
        server: "",
        pid: 5151,
        name: "NOTEPAD.EXE",
        sessionId: 1,
        user: "CONTOSO\\bob",
        userSid: "S-1-5-21-1-2-3-1001",
      },
    ],
  });
  assert.equal(doubles.calls("WTSTerminateProcess"), 0);
});

test("kill by name: a pid reused while the prompt was open is changed (exit 7), the other ended", async () => {
  secondNotepad();
  const { code, io } = await runChangedWhileAsking(["kill", "notepad", "--json"], () => {
    doubles.addProcess({
      pid: 5151,
      sessionId: 1,
      name: "mspaint.exe",
      sid: "S-1-5-21-1-2-3-1001",
    });
  });
  assert.equal(code, ExitCode.TargetChanged);
  const results = JSON.parse(io.stdout);
  assert.deepEqual(results.map((r: { pid: number; result: string }) => [r.pid, r.result]), [
    [4242, "done"],
    [5151, "changed"],
  ]);
  assert.match(results[1].reason, /name was NOTEPAD\.EXE, is now mspaint\.exe/);
  assert.equal(doubles.processAlive(5151), true);
});

test("kill on several --server: matches of every server in one question; a dead server, exit 6", async () => {
  doubles.addServer("RDS01");
  doubles.addServer("RDS02");
  doubles.addProcess({ server: "RDS01", pid: 900, sessionId: 3, name: "excel.exe" });
  doubles.addProcess({ server: "RDS02", pid: 901, sessionId: 4, name: "EXCEL.exe" });
  const { code, io } = await run(
    ["kill", "excel", "-s", "RDS01", "-s", "RDS02", "-s", "NOPE"],
    { interactive: true, answers: ["y"] },
  );
  assert.equal(code, ExitCode.Partial);
  assert.match(io.stderr, /^winsession: NOPE: /m);
  assert.match(io.stderr, /^RDS01\s+900\s+excel\.exe\s+3/m);
  assert.match(io.stderr, /^RDS02\s+901\s+EXCEL\.exe\s+4/m);
  assert.equal(io.questions.length, 1);
  assert.equal(doubles.processAlive(900, "RDS01"), false);
  assert.equal(doubles.processAlive(901, "RDS02"), false);
});

test("kill never ends winsession itself: by pid refused (exit 2), by name skipped with a note", async () => {
  doubles.addProcess({ pid: Deno.pid, sessionId: 1, name: "deno.exe", sid: "S-1-5-21-1-2-3-1001" });
  doubles.addProcess({ pid: 6060, sessionId: 2, name: "deno.exe", sid: "S-1-5-21-1-2-3-1001" });
  let { code, io } = await run(["kill", String(Deno.pid), "--yes"]);
  assert.equal(code, ExitCode.Usage);
  assert.match(io.stderr, /it is winsession itself/);
  ({ code, io } = await run(["kill", "deno", "--yes"]));
  assert.equal(code, ExitCode.Ok);
  assert.match(
    io.stderr,
    new RegExp(`skipping process ${Deno.pid} \\(deno\\.exe\\): winsession itself`),
  );
  assert.equal(io.stdout, "Terminated process 6060 (deno.exe).\n");
  assert.equal(doubles.processAlive(Deno.pid), true);
});
