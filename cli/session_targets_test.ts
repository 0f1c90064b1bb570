/**
 * `logoff`, `disconnect` with user names, `all` and several `--server` against the wtsapi32
 * double: every target listed, refused targets skipped under `all`, per-target results and
 * exit codes, several servers with one failing.
 */
import assert from "node:assert/strict";
import { ExitCode } from "./common.ts";
import { ConnectState, doubles } from "../tests/doubles.ts";
import { lines, run, runChangedWhileAsking, test } from "./_session_testing.ts";

/** A second session of alice (the console, session 1, is hers and the caller's own). */
function aliceAlsoOnRdp(): void {
  doubles.addSession({
    id: 5,
    winStation: "RDP-Tcp#9",
    state: ConnectState.Disconnected,
    user: "ALICE",
    domain: "contoso",
  });
}

/** Two remote servers with a bob each, and alice on RDS02. */
function farm(): void {
  doubles.addServer("RDS01");
  doubles.addServer("RDS02");
  doubles.addSession({
    server: "RDS01",
    id: 3,
    winStation: "RDP-Tcp#1",
    state: ConnectState.Active,
    user: "bob",
    domain: "CONTOSO",
  });
  doubles.addSession({
    server: "RDS02",
    id: 7,
    winStation: "RDP-Tcp#2",
    state: ConnectState.Disconnected,
    user: "Bob",
    domain: "CONTOSO",
  });
  doubles.addSession({
    server: "RDS02",
    id: 8,
    winStation: "RDP-Tcp#3",
    state: ConnectState.Active,
    user: "alice",
    domain: "CONTOSO",
  });
}

test("disconnect by user name: every session of the user listed, confirmed once, each reported", async () => {
  aliceAlsoOnRdp();
  const { code, io } = await run(["disconnect", "Alice"], { interactive: true, answers: ["y"] });
  assert.equal(code, ExitCode.Ok);
  assert.deepEqual(io.questions, ["Disconnect these 2 sessions? [y/N]"]);
  const [intro, header, ...listed] = lines(io.stderr);
  assert.equal(intro, "Disconnect 2 sessions on the local server:");
  assert.match(header!, /^SERVER\s+ID\s+USER\s+SESSION\s+STATE$/);
  assert.match(listed[0]!, /^\(local\)\s+1\s+CONTOSO\\alice\s+Console\s+Active$/);
  assert.match(listed[1]!, /^\(local\)\s+5\s+contoso\\ALICE\s+RDP-Tcp#9\s+Disconnected$/);
  const [resultHeader, ...results] = lines(io.stdout);
  assert.match(resultHeader!, /STATE\s+RESULT$/);
  assert.equal(results.length, 2);
  for (const row of results) assert.match(row, /\sdisconnected$/);
  assert.equal(doubles.sessionState(1), ConnectState.Disconnected);
  assert.equal(doubles.calls("WTSDisconnectSession"), 2);
});

test("logoff CONTOSO\\bob on one session: the one-line question and report of a single target", async () => {
  const { code, io } = await run(["logoff", "contoso\\BOB", "--yes"]);
  assert.equal(code, ExitCode.Ok);
  assert.equal(io.stdout, "Logged off session 2 (CONTOSO\\bob).\n");
  assert.equal(io.stderr, "");
});

test("a user name that matches nothing: exit 1, one line, nothing asked", async () => {
  for (const target of ["carol", "FABRIKAM\\alice"]) {
    const { code, io } = await run(["logoff", target], { interactive: true });
    assert.equal(code, ExitCode.WindowsError, target);
    assert.deepEqual(io.questions, []);
    assert.equal(lines(io.stderr).length, 1);
    assert.match(
      io.stderr,
      /^winsession: no session of ".*" on the local server: nothing was done$/m,
    );
  }
  assert.equal(doubles.calls("WTSLogoffSession"), 0);
});

test("logoff all: your own session is skipped with a note, the others are logged off", async () => {
  const { code, io } = await run(["logoff", "all", "--yes"]);
  assert.equal(code, ExitCode.Ok);
  assert.match(
    io.stderr,
    /^winsession: skipping session 1 \(Console, CONTOSO\\alice, Active\): your own session \(pass --allow-own-session to include it\)$/m,
  );
  assert.equal(doubles.sessionState(1), ConnectState.Active);
  assert.equal(doubles.sessionState(2), -1, "bob is logged off");
  assert.equal(
    doubles.sessionState(0),
    ConnectState.Disconnected,
    "Services is not a user session",
  );
  assert.equal(doubles.sessionState(65536), ConnectState.Listen, "a listener has no user");
  const rows = lines(io.stdout).slice(1);
  assert.match(rows.find((r) => /\s1\s/.test(r))!, /skipped: your own session/);
  assert.match(rows.find((r) => /\s2\s/.test(r))!, /logged off$/);
  const all = await run(["logoff", "*", "--yes", "--allow-own-session"]);
  assert.equal(all.code, ExitCode.Ok);
  assert.equal(doubles.sessionState(1), -1);
});

test("logoff by name refuses the whole command when a match is your own session (exit 2)", async () => {
  aliceAlsoOnRdp();
  const { code, io } = await run(["logoff", "alice", "--yes"]);
  assert.equal(code, ExitCode.Usage);
  assert.match(io.stderr, /refusing to log off session 1 .*your own session/);
  assert.equal(doubles.calls("WTSLogoffSession"), 0);
});

test("--dry-run with several targets lists them, does nothing; --json gives the documented object", async () => {
  aliceAlsoOnRdp();
  const { code, io } = await run(["disconnect", "alice", "--dry-run"]);
  assert.equal(code, ExitCode.Ok);
  assert.match(
    io.stdout,
    /^Would disconnect 2 sessions on the local server \(dry run: nothing was done\):\n/,
  );
  const json = await run(["logoff", "all", "--dry-run", "--json"]);
  assert.equal(json.code, ExitCode.Ok);
  assert.deepEqual(JSON.parse(json.io.stdout), {
    dryRun: true,
    action: "logoff",
    targets: [
      {
        server: "",
        id: 2,
        user: "bob",
        domain: "CONTOSO",
        stationName: "RDP-Tcp#3",
        state: "Active",
      },
      {
        server: "",
        id: 5,
        user: "ALICE",
        domain: "contoso",
        stationName: "RDP-Tcp#9",
        state: "Disconnected",
      },
    ],
    skipped: [{
      server: "",
      id: 1,
      user: "alice",
      domain: "CONTOSO",
      stationName: "Console",
      state: "Active",
      reason: "your own session (pass --allow-own-session to include it)",
    }],
  });
  assert.equal(doubles.calls("WTSLogoffSession") + doubles.calls("WTSDisconnectSession"), 0);
});

test("several targets without --yes on a pipe: the list on stderr, refused (exit 5), nothing done", async () => {
  aliceAlsoOnRdp();
  const { code, io } = await run(["disconnect", "alice"]);
  assert.equal(code, ExitCode.NotConfirmed);
  assert.match(io.stderr, /RDP-Tcp#9/);
  assert.match(
    io.stderr,
    /refusing to continue without confirmation: Disconnect these 2 sessions\?/,
  );
  assert.equal(doubles.calls("WTSDisconnectSession"), 0);
});

test("one target changed while the prompt was open: the other is done, exit 7, --json says which", async () => {
  aliceAlsoOnRdp();
  const { code, io } = await runChangedWhileAsking(
    ["disconnect", "alice", "--json"],
    () => void doubles.setSessionField("", 5, "user", "mallory"),
  );
  assert.equal(code, ExitCode.TargetChanged);
  const results = JSON.parse(io.stdout);
  assert.deepEqual(results.map((r: { id: number; result: string }) => [r.id, r.result]), [
    [1, "done"],
    [5, "changed"],
  ]);
  assert.match(results[1].reason, /user was .*alice/i);
  assert.equal(doubles.sessionState(5), ConnectState.Disconnected, "untouched: it was already");
  assert.equal(doubles.calls("WTSDisconnectSession"), 1);
});

test("a failure on one target: the rest go on, exit 6; all failing: exit 1", async () => {
  aliceAlsoOnRdp();
  doubles.failNext("WTSDisconnectSession", 5);
  const { code, io } = await run(["disconnect", "alice", "--yes", "--json"]);
  assert.equal(code, ExitCode.Partial);
  const [first, second] = JSON.parse(io.stdout);
  assert.equal(first.result, "failed");
  assert.equal(first.errorCode, 5);
  assert.match(first.reason, /ERROR_ACCESS_DENIED/);
  assert.equal(second.result, "done");
  doubles.failNext("WTSLogoffSession", 5, 2);
  const all = await run(["logoff", "alice", "--yes", "--allow-own-session"]);
  assert.equal(all.code, ExitCode.WindowsError);
  assert.equal(lines(all.io.stdout).filter((r) => /failed: /.test(r)).length, 2);
});

test("several --server: one question lists server + target; a dead server is reported, exit 6", async () => {
  farm();
  const { code, io } = await run(
    ["logoff", "bob", "-s", "RDS01", "-s", "RDS02", "-s", "NOPE"],
    { interactive: true, answers: ["y"] },
  );
  assert.equal(code, ExitCode.Partial);
  assert.match(io.stderr, /^winsession: NOPE: .*RPC_S_SERVER_UNAVAILABLE/m);
  assert.match(io.stderr, /^Log off 2 sessions on 3 servers:$/m);
  assert.match(io.stderr, /^RDS01\s+3\s+CONTOSO\\bob\s+RDP-Tcp#1\s+Active$/m);
  assert.match(io.stderr, /^RDS02\s+7\s+CONTOSO\\Bob\s+RDP-Tcp#2\s+Disconnected$/m);
  assert.deepEqual(io.questions, ["Log off these 2 sessions? [y/N]"]);
  assert.equal(doubles.sessionState(3, "RDS01"), -1);
  assert.equal(doubles.sessionState(7, "RDS02"), -1);
  assert.equal(doubles.sessionState(8, "RDS02"), ConnectState.Active, "alice stays");
  const ok = await run(["disconnect", "all", "-s", "RDS01", "-s", "RDS02", "--yes"]);
  assert.equal(ok.code, ExitCode.Ok, "nobody's own session on a named server");
  assert.equal(doubles.sessionState(8, "RDS02"), ConnectState.Disconnected);
});

test("several --server and nothing matches: the dead server reported, exit 1", async () => {
  farm();
  const { code, io } = await run(["logoff", "carol", "-s", "RDS01", "-s", "NOPE", "--yes"]);
  assert.equal(code, ExitCode.WindowsError);
  assert.match(io.stderr, /^winsession: NOPE: /m);
  assert.match(io.stderr, /no session of "carol" on the servers that answered \(1 of 2\)/);
});

test("interrupted before the targets are reached: none acted on, each reported, exit 130", async () => {
  aliceAlsoOnRdp();
  const stop = new AbortController();
  stop.abort();
  const { code, io } = await run(["disconnect", "alice", "--yes", "--json"], {
    signal: stop.signal,
  });
  assert.equal(code, ExitCode.Interrupted);
  const results = JSON.parse(io.stdout);
  assert.deepEqual(results.map((r: { result: string }) => r.result), ["skipped", "skipped"]);
  assert.match(results[0].reason, /interrupted \(Ctrl\+C\) before it was reached/);
  assert.equal(doubles.calls("WTSDisconnectSession"), 0);
});

test("logoff all when only your own session has a user: skipped, nothing to do, exit 0", async () => {
  doubles.setSessionField("", 2, "user", "");
  const { code, io } = await run(["logoff", "all", "--yes"]);
  assert.equal(code, ExitCode.Ok);
  assert.match(io.stderr, /skipping session 1 .*your own session/);
  assert.equal(
    io.stdout,
    "Nothing to log off on the local server: every matching session was skipped (see above); " +
      "nothing was done.\n",
  );
  assert.equal(doubles.calls("WTSLogoffSession"), 0);
});
