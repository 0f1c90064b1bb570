/**
 * `winsession processes` and `winsession kill` against the wtsapi32 double: table, JSON, several servers, confirmation and failures.
 */
import assert from "node:assert/strict";
import { ExitCode } from "./common.ts";
import { doubles } from "../tests/doubles.ts";
import { settleLateAnswers } from "../wts/fanout.ts";
import { lines, run, runChangedWhileAsking, test } from "./_session_testing.ts";

test("processes: a table with memory and CPU for people", async () => {
  const { code, io } = await run(["processes"]);
  assert.equal(code, ExitCode.Ok);
  const [header, ...rows] = lines(io.stdout);
  assert.match(header!, /^\s*PID\s+SESSION\s+NAME\s+THREADS\s+HANDLES\s+MEMORY\s+CPU\s+USER SID$/);
  const notepad = rows.find((row) => row.includes("notepad.exe"))!;
  assert.match(notepad, /^\s*4242\s+2\s+notepad\.exe\s+3\s+99\s+12 MB\s+1s\s+S-1-5-21-1-2-3-1001$/);
});

test("processes --session --json: the documented fields, filtered", async () => {
  const { code, io } = await run(["processes", "--session", "2", "--json"]);
  assert.equal(code, ExitCode.Ok);
  assert.deepEqual(JSON.parse(io.stdout), [{
    server: "",
    pid: 4242,
    name: "notepad.exe",
    sessionId: 2,
    userSid: "S-1-5-21-1-2-3-1001",
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
  assert.equal(io.stderr, "winsession: no process with id 31337 on the local server\n");
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
