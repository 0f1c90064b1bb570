/**
 * The session commands, run in-process through `main()` with a recording I/O against the
 * wtsapi32 test double: output, JSON shape, exit codes, confirmation and every error path.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { main } from "./main.ts";
import { ExitCode } from "./common.ts";
import { assertNoLeaks, buildDir, ConnectState, doubles, useDoubles } from "../tests/doubles.ts";
import { setDllDirectory } from "../ffi/load.ts";
import { settleLateAnswers } from "../wts/fanout.ts";
import { type RecordingIO, recordingIO } from "./_testing.ts";

/** Runs the CLI; returns the exit code and what it wrote. */
async function run(
  args: string[],
  options: Parameters<typeof recordingIO>[0] & { signal?: AbortSignal } = {},
): Promise<{ code: number; io: RecordingIO }> {
  const io = recordingIO(options);
  const code = await main(args, io, { signal: options.signal });
  return { code, io };
}

const HOUR = 3600_000;
const WTS_EVENT_LOGON = 0x20;
const WTS_EVENT_DISCONNECT = 0x10;
const IDYES = 6;
const MB_YESNO = 0x4;
const MB_ICONQUESTION = 0x20;
const ERROR_ACCESS_DENIED = 5;

/** Services (no user), the console with alice, bob over RDP; two processes. */
function seed(): void {
  useDoubles();
  const now = Date.now();
  doubles.addSession({ id: 0, winStation: "Services", state: ConnectState.Disconnected });
  doubles.addSession({
    id: 1,
    winStation: "Console",
    state: ConnectState.Active,
    user: "alice",
    domain: "CONTOSO",
    protocol: 0,
    logonTime: new Date(now - 5 * HOUR),
    lastInputTime: new Date(now - 3 * HOUR - 12 * 60_000 - 5_000),
    currentTime: new Date(now),
  });
  doubles.addSession({
    id: 2,
    winStation: "RDP-Tcp#3",
    state: ConnectState.Active,
    user: "bob",
    domain: "CONTOSO",
    clientName: "LAPTOP-7",
    clientAddress: "10.0.0.5",
    protocol: 2,
    logonTime: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
    connectTime: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
  });
  doubles.addSession({ id: 65536, winStation: "RDP-Tcp", state: ConnectState.Listen });
  doubles.addProcess({
    pid: 4242,
    sessionId: 2,
    name: "notepad.exe",
    sid: "S-1-5-21-1-2-3-1001",
    threads: 3,
    handles: 99,
    workingSet: 12 * 1024 * 1024,
    userTime: 10_000_000n,
    kernelTime: 5_000_000n,
  });
  doubles.addProcess({ pid: 4, sessionId: 0, name: "System", sid: "S-1-5-18" });
}

/** Each test seeds the doubles, runs, then checks that nothing leaked. */
function test(name: string, fn: () => Promise<void>): void {
  Deno.test(name, async () => {
    seed();
    await fn();
    assertNoLeaks();
  });
}

const lines = (text: string) => text.split("\n").filter((line) => line !== "");

// ---- sessions --------------------------------------------------------------------------------

test("sessions: a quser-like table with human idle times, nothing on stderr", async () => {
  const { code, io } = await run(["sessions"]);
  assert.equal(code, ExitCode.Ok);
  assert.equal(io.stderr, "");
  const [header, ...rows] = lines(io.stdout);
  assert.match(header!, /^USER\s+SESSION\s+ID\s+STATE\s+IDLE\s+LOGON\s+CLIENT\s+ADDRESS$/);
  assert.equal(rows.length, 4);
  assert.match(rows[1]!, /^alice\s+Console\s+1\s+Active\s+3h 12m\s+\d{4}-\d\d-\d\d \d\d:\d\d$/);
  assert.match(rows[2]!, /^bob\s+RDP-Tcp#3\s+2\s+Active\s+.*LAPTOP-7\s+10\.0\.0\.5$/);
  assert.ok(!io.stdout.includes("\x1b"), "no colour without a terminal");
  // Columns line up: every row starts its STATE cell where the header does.
  const stateAt = header!.indexOf("STATE");
  for (const row of rows) assert.match(row.slice(stateAt), /^(Active|Disconnected|Listen)/);
});

test("sessions: the header is bold only when colours are allowed", async () => {
  const { io } = await run(["sessions"], { color: true });
  assert.ok(io.stdout.startsWith("\x1b[1mUSER"));
  assert.equal(io.stdout.split("\x1b").length, 3, "only the header is styled");
});

test("sessions --json: the documented fields, ISO dates and nulls", async () => {
  const { code, io } = await run(["sessions", "--json"]);
  assert.equal(code, ExitCode.Ok);
  const sessions = JSON.parse(io.stdout);
  assert.equal(sessions.length, 4);
  assert.deepEqual(Object.keys(sessions[0]), [
    "server",
    "id",
    "stationName",
    "state",
    "user",
    "domain",
    "clientName",
    "clientAddress",
    "protocol",
    "connectTime",
    "disconnectTime",
    "lastInputTime",
    "logonTime",
    "idleMs",
  ]);
  const bob = sessions.find((s: { id: number }) => s.id === 2);
  assert.deepEqual(bob, {
    server: "",
    id: 2,
    stationName: "RDP-Tcp#3",
    state: "Active",
    user: "bob",
    domain: "CONTOSO",
    clientName: "LAPTOP-7",
    clientAddress: "10.0.0.5",
    protocol: "rdp",
    connectTime: "2026-01-02T03:04:05.000Z",
    disconnectTime: null,
    lastInputTime: null,
    logonTime: "2026-01-02T03:04:05.000Z",
    idleMs: null,
  });
  const alice = sessions.find((s: { id: number }) => s.id === 1);
  assert.equal(alice.idleMs, 3 * HOUR + 12 * 60_000 + 5_000);
});

test("sessions --server: one remote server, its name in the JSON", async () => {
  doubles.addServer("RDS01");
  doubles.generateSessions(3, "RDS01");
  const { code, io } = await run(["sessions", "--server", "RDS01", "--json"]);
  assert.equal(code, ExitCode.Ok);
  const sessions = JSON.parse(io.stdout);
  assert.equal(sessions.length, 3);
  assert.ok(sessions.every((s: { server: string }) => s.server === "RDS01"));
});

test("sessions --server: an unknown server is one line naming the Win32 error, exit 1", async () => {
  const { code, io } = await run(["sessions", "--server", "NOPE"]);
  assert.equal(code, ExitCode.WindowsError);
  assert.equal(io.stdout, "");
  assert.equal(lines(io.stderr).length, 1);
  assert.match(io.stderr, /^winsession: .*RPC_S_SERVER_UNAVAILABLE \(1722\)/);
});

test("sessions with several --server: partial failure prints the rest and exits 6", async () => {
  doubles.addServer("RDS01");
  doubles.addServer("RDS02");
  doubles.generateSessions(2, "RDS01");
  doubles.generateSessions(1, "RDS02");
  const { code, io } = await run(["sessions", "-s", "RDS01", "-s", "NOPE", "-s", "RDS02"]);
  assert.equal(code, ExitCode.Partial);
  const [header, ...rows] = lines(io.stdout);
  assert.match(header!, /^SERVER\s+USER\s+SESSION\s+ID/);
  assert.deepEqual(rows.map((row) => row.split(/\s+/)[0]), ["RDS01", "RDS01", "RDS02"]);
  assert.equal(lines(io.stderr).length, 1);
  assert.match(io.stderr, /^winsession: NOPE: .*RPC_S_SERVER_UNAVAILABLE \(1722\)/);
});

test("sessions --json with several --server: one object per server", async () => {
  doubles.addServer("RDS01");
  doubles.generateSessions(2, "RDS01");
  const { code, io } = await run(["sessions", "-s", "RDS01", "-s", "NOPE", "--json"]);
  assert.equal(code, ExitCode.Partial);
  const [ok, failed] = JSON.parse(io.stdout);
  assert.deepEqual(Object.keys(ok), ["server", "ok", "elapsedMs", "sessions"]);
  assert.equal(ok.server, "RDS01");
  assert.equal(ok.ok, true);
  assert.equal(ok.sessions.length, 2);
  assert.equal(ok.sessions[0].server, "RDS01");
  assert.deepEqual(Object.keys(failed), [
    "server",
    "ok",
    "error",
    "errorCode",
    "elapsedMs",
    "sessions",
  ]);
  assert.equal(failed.server, "NOPE");
  assert.equal(failed.ok, false);
  assert.equal(failed.errorCode, 1722);
  assert.match(failed.error, /RPC_S_SERVER_UNAVAILABLE/);
  assert.deepEqual(failed.sessions, []);
});

test("sessions with several --server: all failing exits 1, one line each", async () => {
  const { code, io } = await run(["sessions", "-s", "NOPE1", "-s", "NOPE2"]);
  assert.equal(code, ExitCode.WindowsError);
  assert.deepEqual(lines(io.stderr).map((line) => line.split(":")[1]), [" NOPE1", " NOPE2"]);
});

test("sessions with several --server: --timeout turns a slow server into a failure", async () => {
  doubles.addServer("FAST");
  doubles.addServer("SLOW", 1500);
  doubles.generateSessions(1, "FAST");
  const { code, io } = await run(["sessions", "-s", "FAST", "-s", "SLOW", "--timeout", "0.2"]);
  assert.equal(code, ExitCode.Partial);
  assert.match(io.stdout, /FAST/);
  assert.match(io.stderr, /^winsession: SLOW: /);
  await settleLateAnswers(); // the abandoned call still closes its handle
});

test("sessions: an empty --server or a bad --timeout is a usage error", async () => {
  let { code, io } = await run(["sessions", "--server", " "]);
  assert.equal(code, ExitCode.Usage);
  assert.match(io.stderr, /--server needs a server name/);
  ({ code, io } = await run(["sessions", "-s", "A", "-s", "B", "--timeout", "soon"]));
  assert.equal(code, ExitCode.Usage);
  assert.equal(doubles.calls("WTSOpenServerExW") + doubles.calls("WTSOpenServerW"), 0);
});

// ---- session ---------------------------------------------------------------------------------

test("session <id>: one session in detail", async () => {
  const { code, io } = await run(["session", "2"]);
  assert.equal(code, ExitCode.Ok);
  assert.match(io.stdout, /^Server: +\(local\)$/m);
  assert.match(io.stdout, /^User: +CONTOSO\\bob$/m);
  assert.match(io.stdout, /^Address: +10\.0\.0\.5$/m);
  assert.match(io.stdout, /^Protocol: +rdp$/m);
});

test("session <id> --json: the same fields as sessions --json", async () => {
  const { io } = await run(["session", "1", "--json"]);
  const session = JSON.parse(io.stdout);
  assert.equal(session.user, "alice");
  assert.equal(session.protocol, "console");
  assert.equal(typeof session.logonTime, "string");
});

test("session: an unknown id names ERROR_CTX_WINSTATION_NOT_FOUND, exit 1", async () => {
  const { code, io } = await run(["session", "77"]);
  assert.equal(code, ExitCode.WindowsError);
  assert.equal(io.stdout, "");
  assert.equal(lines(io.stderr).length, 1);
  assert.match(io.stderr, /ERROR_CTX_WINSTATION_NOT_FOUND \(7022\)/);
});

test("session: non-numeric, negative and too large ids are usage errors; nothing is called", async () => {
  for (const id of ["abc", "4294967296", "1.5", "-1"]) {
    const { code, io } = await run(["session", id]);
    assert.equal(code, ExitCode.Usage, id);
    assert.equal(io.stdout, "");
    assert.match(io.stderr, /^winsession: /);
  }
  const { io } = await run(["session", "4294967296"]);
  assert.equal(
    io.stderr,
    'winsession: session id must be a whole number from 0 to 4294967295, got "4294967296"\n',
  );
  assert.equal(doubles.calls("WTSQuerySessionInformationW"), 0);
});

// ---- disconnect / logoff ---------------------------------------------------------------------

test("disconnect without --yes and without a terminal refuses (exit 5), naming the session", async () => {
  const { code, io } = await run(["disconnect", "2"]);
  assert.equal(code, ExitCode.NotConfirmed);
  assert.equal(lines(io.stderr).length, 1);
  assert.match(io.stderr, /refusing to continue without confirmation/);
  assert.match(io.stderr, /session 2 \(RDP-Tcp#3, CONTOSO\\bob, Active\)/);
  assert.match(io.stderr, /--yes/);
  assert.deepEqual(io.questions, []);
  assert.equal(doubles.sessionState(2), ConnectState.Active);
  assert.equal(doubles.calls("WTSDisconnectSession"), 0);
});

test("disconnect --yes disconnects", async () => {
  const { code, io } = await run(["disconnect", "2", "--yes", "--wait"]);
  assert.equal(code, ExitCode.Ok);
  assert.equal(io.stdout, "Disconnected session 2 (CONTOSO\\bob).\n");
  assert.equal(doubles.sessionState(2), ConnectState.Disconnected);
});

test("disconnect on a terminal asks first; 'y' goes ahead", async () => {
  const { code, io } = await run(["disconnect", "2"], { interactive: true, answers: ["y"] });
  assert.equal(code, ExitCode.Ok);
  assert.equal(io.questions.length, 1);
  assert.match(io.questions[0]!, /^Disconnect session 2 \(RDP-Tcp#3, CONTOSO\\bob, Active\)/);
  assert.match(io.questions[0]!, /\[y\/N\]$/);
  assert.equal(doubles.sessionState(2), ConnectState.Disconnected);
});

test("disconnect on a terminal: 'n' or end of input cancels, exit 5", async () => {
  for (const answer of ["n", null]) {
    const { code, io } = await run(["disconnect", "2"], { interactive: true, answers: [answer] });
    assert.equal(code, ExitCode.NotConfirmed);
    assert.match(io.stderr, /cancelled: nothing was done/);
  }
  assert.equal(doubles.sessionState(2), ConnectState.Active);
  assert.equal(doubles.calls("WTSDisconnectSession"), 0);
});

test("disconnect: an unknown id fails before any question", async () => {
  const { code, io } = await run(["disconnect", "99"], { interactive: true, answers: ["y"] });
  assert.equal(code, ExitCode.WindowsError);
  assert.deepEqual(io.questions, []);
  assert.match(io.stderr, /ERROR_CTX_WINSTATION_NOT_FOUND/);
  assert.equal(doubles.calls("WTSDisconnectSession"), 0);
});

test("disconnect: a denied call names ERROR_ACCESS_DENIED, exit 1", async () => {
  doubles.failNext("WTSDisconnectSession", ERROR_ACCESS_DENIED);
  const { code, io } = await run(["disconnect", "2", "--yes"]);
  assert.equal(code, ExitCode.WindowsError);
  assert.equal(io.stdout, "");
  assert.match(io.stderr, /ERROR_ACCESS_DENIED \(5\)/);
});

test("logoff --yes logs the session off; a bad id does nothing", async () => {
  let { code, io } = await run(["logoff", "1", "--yes"]);
  assert.equal(code, ExitCode.Ok);
  assert.equal(io.stdout, "Logged off session 1 (CONTOSO\\alice).\n");
  assert.equal(doubles.sessionState(1), -1);
  ({ code, io } = await run(["logoff", "x1", "--yes"]));
  assert.equal(code, ExitCode.Usage);
  assert.equal(doubles.calls("WTSLogoffSession"), 1);
});

test("logoff without --yes refuses on a pipe", async () => {
  const { code, io } = await run(["logoff", "2", "--server", "NOPE"]);
  assert.equal(code, ExitCode.WindowsError, "the unknown server fails first");
  assert.match(io.stderr, /RPC_S_SERVER_UNAVAILABLE/);
  const refused = await run(["logoff", "2"]);
  assert.equal(refused.code, ExitCode.NotConfirmed);
  assert.match(refused.io.stderr, /Log off session 2/);
  assert.equal(doubles.sessionState(2), ConnectState.Active);
});

// ---- message ---------------------------------------------------------------------------------

test("message <id> --wait reports the answer; title, text, style and timeout reach the box", async () => {
  doubles.setMessageResponse(IDYES);
  const { code, io } = await run([
    "message",
    "2",
    "Log off now?",
    "--title",
    "IT",
    "--timeout",
    "30",
    "--buttons",
    "yesNo",
    "--icon",
    "question",
    "--wait",
  ]);
  assert.equal(code, ExitCode.Ok);
  assert.match(lines(io.stdout)[1]!, /^\s*2\s+bob\s+RDP-Tcp#3\s+yes$/);
  const last = doubles.lastMessage();
  assert.equal(last.title, "IT");
  assert.equal(last.text, "Log off now?");
  assert.equal(last.timeout, 30);
  assert.equal(last.wait, true);
  assert.equal(last.style & 0xff, MB_YESNO | MB_ICONQUESTION);
});

test("message all: every session with a user, Services and listeners skipped", async () => {
  const { code, io } = await run(["message", "all", "Save your work", "--json"]);
  assert.equal(code, ExitCode.Ok);
  assert.deepEqual(JSON.parse(io.stdout), [
    { sessionId: 1, user: "alice", response: "async" },
    { sessionId: 2, user: "bob", response: "async" },
  ]);
  assert.equal(doubles.lastMessage().count, 2);
});

test("message all: a failing session is reported on stderr, the others answered (exit 6)", async () => {
  doubles.failNext("WTSSendMessageW", ERROR_ACCESS_DENIED);
  const { code, io } = await run(["message", "all", "hello"]);
  assert.equal(code, ExitCode.Partial);
  assert.equal(lines(io.stdout).length, 2, "header and one answer");
  assert.equal(lines(io.stderr).length, 1);
  assert.match(io.stderr, /^winsession: session \d: .*ERROR_ACCESS_DENIED/);
});

test("message all with no user session sends nothing", async () => {
  useDoubles();
  doubles.addSession({ id: 0, winStation: "Services", state: ConnectState.Disconnected });
  const { code, io } = await run(["message", "all", "hello"]);
  assert.equal(code, ExitCode.Ok);
  assert.match(io.stderr, /no session with a user on the local server/);
  assert.equal(doubles.lastMessage().count, 0);
});

test("message: bad id, unknown session, bad --buttons and a NUL are refused before sending", async () => {
  const cases: [string[], number, RegExp][] = [
    [["message", "two", "hi"], ExitCode.Usage, /session id must be a whole number/],
    [["message", "42", "hi"], ExitCode.WindowsError, /ERROR_CTX_WINSTATION_NOT_FOUND/],
    [["message", "2", "hi", "--buttons", "maybe"], ExitCode.Usage, /Allowed choices are ok/],
    [["message", "2", "hi", "--timeout", "-5"], ExitCode.Usage, /--timeout must be a whole/],
    [["message", "2", "a\0b"], ExitCode.Usage, /NUL/],
  ];
  for (const [args, expected, pattern] of cases) {
    const { code, io } = await run(args);
    assert.equal(code, expected, args.join(" "));
    assert.match(io.stderr, pattern);
  }
  assert.equal(doubles.lastMessage().count, 0);
});

// ---- processes / kill ------------------------------------------------------------------------

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

// ---- watch -----------------------------------------------------------------------------------

/** Waits until `predicate` holds, polling the event loop (never a timed assertion). */
async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 1));
}

test("watch --json: one object per event line; aborting ends it cleanly with exit 0", async () => {
  const stop = new AbortController();
  const io = recordingIO();
  const running = main(["watch", "--json"], io, { signal: stop.signal });
  await doubles.waitUntilPending(1);
  doubles.injectEvent(WTS_EVENT_LOGON);
  await until(() => io.stdout.includes("\n"));
  await doubles.waitUntilPending(1);
  doubles.injectEvent(WTS_EVENT_DISCONNECT | WTS_EVENT_LOGON);
  await until(() => lines(io.stdout).length === 3);
  stop.abort();
  assert.equal(await running, ExitCode.Ok);
  const events = lines(io.stdout).map((line) => JSON.parse(line));
  assert.deepEqual(Object.keys(events[0]), ["type", "flags", "at", "server"]);
  assert.deepEqual(events.map((e) => e.type), ["logon", "disconnect", "logon"]);
  assert.equal(events[0].flags, WTS_EVENT_LOGON);
  assert.match(events[0].at, /^\d{4}-\d\d-\d\dT/);
  assert.equal(io.stderr, "");
  assert.equal(doubles.waitPending(), 0);
});

test("watch: text lines, a note on stderr; abort before any event exits 0", async () => {
  const stop = new AbortController();
  const io = recordingIO();
  const running = main(["watch"], io, { signal: stop.signal });
  await doubles.waitUntilPending(1);
  doubles.injectEvent(WTS_EVENT_LOGON);
  await until(() => io.stdout.includes("\n"));
  stop.abort();
  assert.equal(await running, ExitCode.Ok);
  assert.match(io.stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}logon\n$/);
  assert.match(io.stderr, /Watching session events on the local server \(Ctrl\+C to stop\)/);
  const idle = new AbortController();
  const quiet = main(["watch"], recordingIO(), { signal: idle.signal });
  await doubles.waitUntilPending(1);
  idle.abort();
  assert.equal(await quiet, ExitCode.Ok);
});

test("watch: an unknown server fails at once with the Win32 error", async () => {
  const { code, io } = await run(["watch", "--server", "NOPE"]);
  assert.equal(code, ExitCode.WindowsError);
  assert.match(io.stderr, /RPC_S_SERVER_UNAVAILABLE/);
});

Deno.test({
  name: "watch: Ctrl+C (SIGINT) in a real process flushes the wait and exits 0",
  // Deno cannot deliver Ctrl+C to a child on Windows: child.kill("SIGINT") terminates it
  // (TerminateProcess, exit code 1), so the handler under test never runs there.
  ignore: Deno.build.os === "windows",
}, async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-check", "--allow-ffi", "--allow-env", "--allow-read", "main.ts", "watch"],
    cwd: fileURLToPath(new URL(".", import.meta.url)),
    env: { WINSESSION_DLL_DIR: buildDir, NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let stderr = "";
  while (!stderr.includes("Ctrl+C")) {
    const { value, done } = await reader.read();
    if (done) break;
    stderr += value;
  }
  child.kill("SIGINT");
  const status = await child.status;
  // Cancelling through the reader also cancels the piped source; the source itself stays
  // locked by pipeThrough until the pipe ends, so it cannot be cancelled directly.
  await reader.cancel();
  await child.stdout.cancel();
  assert.equal(status.code, ExitCode.Ok, stderr);
});

// ---- servers ---------------------------------------------------------------------------------

test("servers: names one per line, --json as objects", async () => {
  doubles.addDomainServer("CONTOSO", "RDS01");
  doubles.addDomainServer("CONTOSO", "RDS02");
  let { code, io } = await run(["servers", "CONTOSO"]);
  assert.equal(code, ExitCode.Ok);
  assert.equal(io.stdout, "RDS01\nRDS02\n");
  ({ code, io } = await run(["servers", "CONTOSO", "--json"]));
  assert.deepEqual(JSON.parse(io.stdout), [{ name: "RDS01" }, { name: "RDS02" }]);
  ({ code, io } = await run(["servers", "FABRIKAM"]));
  assert.equal(code, ExitCode.WindowsError);
  assert.match(io.stderr, /ERROR_NO_SUCH_DOMAIN/);
});

// ---- environment -----------------------------------------------------------------------------

Deno.test({
  name: "not Windows and no DLL override: one line, exit 3, nothing done",
  // On Windows (and Wine) no override means the system's DLLs, which load and answer.
  ignore: Deno.build.os === "windows",
}, async () => {
  setDllDirectory(undefined);
  try {
    const { code, io } = await run(["sessions"]);
    assert.equal(code, ExitCode.Unsupported);
    assert.equal(io.stdout, "");
    assert.equal(lines(io.stderr).length, 1);
    assert.match(io.stderr, /^winsession: winsession needs Windows/);
  } finally {
    useDoubles();
  }
});

Deno.test({
  name: "without --allow-ffi: one line naming the flag, exit 4",
  permissions: { ffi: false, read: true, env: true },
  async fn() {
    setDllDirectory(buildDir); // closes the open libraries, so the next call must load them
    for (const args of [["sessions"], ["kill", "4242", "--yes"], ["session", "1"], ["watch"]]) {
      const { code, io } = await run(args);
      assert.equal(code, ExitCode.Permission, args.join(" "));
      assert.equal(lines(io.stderr).length, 1);
      assert.match(io.stderr, /--allow-ffi/);
    }
  },
});

// ---- help ------------------------------------------------------------------------------------

Deno.test("--help on every session command shows examples and exits 0", async () => {
  const commands = [
    "sessions",
    "session",
    "disconnect",
    "logoff",
    "message",
    "processes",
    "kill",
    "watch",
    "servers",
  ];
  for (const name of commands) {
    const { code, io } = await run([name, "--help"]);
    assert.equal(code, ExitCode.Ok, name);
    assert.match(io.stdout, new RegExp(`Usage: winsession ${name}`));
    assert.match(io.stdout, new RegExp(`Examples:\\n  winsession ${name}`));
    assert.equal(io.stderr, "");
  }
});

Deno.test("a missing argument is a usage error", async () => {
  const { code, io } = await run(["disconnect"]);
  assert.equal(code, ExitCode.Usage);
  assert.match(io.stderr, /missing required argument 'id'/);
});
