/**
 * `winsession sessions` filters (--user, --state, --idle, --client) and the caller's own
 * session marker against the wtsapi32 double, on this computer and several servers.
 */
import assert from "node:assert/strict";
import { ExitCode } from "./common.ts";
import { ConnectState, doubles } from "../tests/doubles.ts";
import { HOUR, lines, run, test } from "./_session_testing.ts";

const ids = (stdout: string) => JSON.parse(stdout).map((s: { id: number }) => s.id);

test("sessions --user: case-insensitive, any domain without one, repeatable", async () => {
  let { code, io } = await run(["sessions", "--user", "ALICE", "--json"]);
  assert.equal(code, ExitCode.Ok);
  assert.deepEqual(ids(io.stdout), [1]);
  ({ io } = await run(["sessions", "--user", "contoso\\bob", "--user", "alice", "--json"]));
  assert.deepEqual(ids(io.stdout), [1, 2]);
  ({ io } = await run(["sessions", "--user", "FABRIKAM\\bob", "--json"]));
  assert.deepEqual(ids(io.stdout), []);
  ({ code, io } = await run(["sessions", "--user", "all"]));
  assert.equal(code, ExitCode.Usage);
  assert.match(io.stderr, /--user needs a user name/);
});

test("sessions --state: names case-insensitive, quser's Disc, repeated or comma-separated", async () => {
  let { code, io } = await run(["sessions", "--state", "disc", "--json"]);
  assert.equal(code, ExitCode.Ok);
  assert.deepEqual(ids(io.stdout), [0]);
  ({ io } = await run(["sessions", "--state", "LISTEN", "--state", "active", "--json"]));
  assert.deepEqual(ids(io.stdout), [1, 2, 65536]);
  ({ io } = await run(["sessions", "--state", "listen,disconnected", "--json"]));
  assert.deepEqual(ids(io.stdout), [0, 65536]);
  ({ code, io } = await run(["sessions", "--state", "asleep"]));
  assert.equal(code, ExitCode.Usage);
  assert.match(io.stderr, /unknown session state "asleep": use one of Active, Connected/);
});

test("sessions --idle: longer than the duration; unknown idle times left out", async () => {
  // alice has been idle 3h 12m 5s; the others' idle time is unknown (no last input).
  for (const [duration, expected] of [["3h", [1]], ["3h12m", [1]], ["4h", []], ["90s", [1]]]) {
    const { code, io } = await run(["sessions", "--idle", duration as string, "--json"]);
    assert.equal(code, ExitCode.Ok);
    assert.deepEqual(ids(io.stdout), expected, duration as string);
  }
  doubles.addSession({
    id: 7,
    winStation: "RDP-Tcp#7",
    state: ConnectState.Disconnected,
    user: "carol",
    domain: "CONTOSO",
    // Disconnected: Windows reports LastInputTime 0 and idle counts from the disconnect.
    disconnectTime: new Date(Date.now() - 2 * 24 * HOUR),
    currentTime: new Date(),
  });
  const { io } = await run(["sessions", "--idle", "1d", "--state", "disc", "--json"]);
  assert.deepEqual(ids(io.stdout), [7]);
});

test("--idle: bare numbers, negatives, fractions, unknown units and absurd sizes are refused", async () => {
  for (const bad of ["30", "-5m", "1.5h", "2w", "", "m", "99999999999999d"]) {
    const { code, io } = await run(["sessions", "--idle", bad]);
    assert.equal(code, ExitCode.Usage, bad);
    assert.match(io.stderr, /--idle must be a duration such as 90s, 30m, 2h, 1d or 1h30m/, bad);
  }
});

test("sessions --client: the client's name or address, exact and case-insensitive", async () => {
  let { io } = await run(["sessions", "--client", "laptop-7", "--json"]);
  assert.deepEqual(ids(io.stdout), [2]);
  ({ io } = await run(["sessions", "--client", "10.0.0.5", "--json"]));
  assert.deepEqual(ids(io.stdout), [2]);
  ({ io } = await run(["sessions", "--client", "LAPTOP", "--json"]));
  assert.deepEqual(ids(io.stdout), []);
});

test("the own-session marker follows the session winsession runs in; a table of none is a header", async () => {
  doubles.setCurrentSession(2);
  const { io } = await run(["sessions"]);
  const rows = lines(io.stdout).slice(1);
  assert.match(rows.find((r) => r.includes("bob"))!, /^>bob\s/);
  assert.match(rows.find((r) => r.includes("alice"))!, /^ alice\s/);
  const json = await run(["sessions", "--json"]);
  assert.deepEqual(
    JSON.parse(json.io.stdout).filter((s: { current: boolean }) => s.current).map((
      s: { id: number },
    ) => s.id),
    [2],
  );
  const none = await run(["sessions", "--user", "nobody"]);
  assert.equal(none.code, ExitCode.Ok);
  assert.deepEqual(lines(none.io.stdout).length, 1);
});

test("filters on several --server: each server's sessions filtered; nobody is current remotely", async () => {
  doubles.addServer("RDS01");
  doubles.addServer("RDS02");
  doubles.addSession({
    server: "RDS01",
    id: 1,
    winStation: "RDP-Tcp#1",
    state: ConnectState.Active,
    user: "alice",
    domain: "CONTOSO",
  });
  doubles.addSession({
    server: "RDS02",
    id: 4,
    winStation: "RDP-Tcp#2",
    state: ConnectState.Disconnected,
    user: "alice",
    domain: "CONTOSO",
  });
  doubles.addSession({
    server: "RDS02",
    id: 5,
    winStation: "RDP-Tcp#3",
    state: ConnectState.Active,
    user: "bob",
    domain: "CONTOSO",
  });
  const { code, io } = await run(
    ["sessions", "-s", "RDS01", "-s", "RDS02", "-s", "NOPE", "--user", "alice", "--json"],
  );
  assert.equal(code, ExitCode.Partial);
  const [rds01, rds02, nope] = JSON.parse(io.stdout);
  assert.deepEqual(rds01.sessions.map((s: { id: number }) => s.id), [1]);
  assert.deepEqual(rds02.sessions.map((s: { id: number }) => s.id), [4]);
  assert.equal(nope.ok, false);
  assert.ok([...rds01.sessions, ...rds02.sessions].every((s: { current: boolean }) => !s.current));
  const table = await run(["sessions", "-s", "RDS01", "-s", "RDS02", "--state", "active"]);
  const [header, ...rows] = lines(table.io.stdout);
  assert.match(header!, /^SERVER\s+USER\s/);
  assert.deepEqual(rows.map((r) => r.split(/\s+/)[0]), ["RDS01", "RDS02"]);
  const one = await run(["sessions", "-s", "RDS02", "--state", "disc"]);
  assert.match(lines(one.io.stdout)[0]!, /^USER\s/, "no marker column for a named server");
});
