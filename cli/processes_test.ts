/**
 * `winsession processes` and `winsession kill` against the wtsapi32 double: table, JSON, several servers, confirmation and failures.
 */
import assert from "node:assert/strict";
import { ExitCode } from "./common.ts";
import { doubles } from "../tests/doubles.ts";
import { lines, run, test } from "./_session_testing.ts";

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
