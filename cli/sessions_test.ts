/**
 * `winsession sessions` against the wtsapi32 double: table, JSON, one and several servers, timeouts; plus what every session command shares (no Windows, no --allow-ffi, --help, usage errors).
 */
import assert from "node:assert/strict";
import { ExitCode } from "./common.ts";
import { buildDir, doubles, useDoubles } from "../tests/doubles.ts";
import { setDllDirectory } from "../ffi/load.ts";
import { settleLateAnswers } from "../wts/fanout.ts";
import { HOUR, lines, run, test } from "./_session_testing.ts";

test("sessions: a quser-like table with human idle times, nothing on stderr", async () => {
  const { code, io } = await run(["sessions"]);
  assert.equal(code, ExitCode.Ok);
  assert.equal(io.stderr, "");
  const [header, ...rows] = lines(io.stdout);
  assert.match(header!, /^ USER\s+SESSION\s+ID\s+STATE\s+IDLE\s+LOGON\s+CLIENT\s+ADDRESS$/);
  assert.equal(rows.length, 4);
  // alice's console is the session winsession runs in (the double's default): quser's ">".
  assert.match(rows[1]!, /^>alice\s+Console\s+1\s+Active\s+3h 12m\s+\d{4}-\d\d-\d\d \d\d:\d\d$/);
  assert.match(rows[2]!, /^ bob\s+RDP-Tcp#3\s+2\s+Active\s+.*LAPTOP-7\s+10\.0\.0\.5$/);
  assert.ok(!io.stdout.includes("\x1b"), "no colour without a terminal");
  // Columns line up: every row starts its STATE cell where the header does.
  const stateAt = header!.indexOf("STATE");
  for (const row of rows) assert.match(row.slice(stateAt), /^(Active|Disconnected|Listen)/);
});

test("sessions: the header is bold only when colours are allowed", async () => {
  const { io } = await run(["sessions"], { color: true });
  assert.ok(io.stdout.startsWith("\x1b[1m USER"));
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
    "current",
    "locked",
    "lockedReason",
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
    current: false,
    locked: null,
    lockedReason: "not read: pass lockState: true to listSessions, or use getSession",
  });
  const alice = sessions.find((s: { id: number }) => s.id === 1);
  assert.equal(alice.idleMs, 3 * HOUR + 12 * 60_000 + 5_000);
  assert.equal(alice.current, true, "the session winsession runs in");
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

test("sessions with one --server honours --timeout: exit 1, one line naming the server", async () => {
  doubles.addServer("SLOW", 1500);
  const { code, io } = await run(["sessions", "-s", "SLOW", "--timeout", "0.2", "--json"]);
  assert.equal(code, ExitCode.WindowsError);
  assert.equal(io.stdout, "");
  assert.equal(io.stderr, "winsession: SLOW did not answer within 200 ms\n");
  await settleLateAnswers();
});

test("--timeout: 0, negative, hex, exponent, words and values past the timer's range are refused", async () => {
  for (const value of ["0", "-1", "0x10", "1e3", "abc", "", "Infinity", "2147484", "0.0001"]) {
    for (
      const args of [["sessions"], ["sessions", "-s", "A"], ["sessions", "-s", "A", "-s", "B"]]
    ) {
      const { code, io } = await run([...args, "--timeout", value]);
      assert.equal(code, ExitCode.Usage, `${args.join(" ")} --timeout ${value}`);
      assert.match(
        io.stderr,
        /^winsession: --timeout must be a number of seconds from 0\.001 to 2147483\.647, got "/,
      );
    }
  }
  const { code } = await run(["processes", "-s", "A", "-s", "B", "--timeout", "0x10"]);
  assert.equal(code, ExitCode.Usage);
  assert.equal(doubles.calls("WTSOpenServerExW") + doubles.calls("WTSOpenServerW"), 0);
});

test("sessions: an empty --server or a bad --timeout is a usage error", async () => {
  let { code, io } = await run(["sessions", "--server", " "]);
  assert.equal(code, ExitCode.Usage);
  assert.match(io.stderr, /--server needs a server name/);
  ({ code, io } = await run(["sessions", "-s", "A", "-s", "B", "--timeout", "soon"]));
  assert.equal(code, ExitCode.Usage);
  assert.equal(doubles.calls("WTSOpenServerExW") + doubles.calls("WTSOpenServerW"), 0);
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
  assert.match(io.stderr, /missing required argument 'target'/);
});
