/**
 * `winsession disconnect` and `winsession logoff` against the wtsapi32 double: confirmation,
 * refusal without a terminal, unknown ids and denied calls; listener and own-session refusals,
 * the re-check between confirmation and act (exit 7), --dry-run, and server-named errors.
 */
import assert from "node:assert/strict";
import { ExitCode } from "./common.ts";
import { ConnectState, doubles } from "../tests/doubles.ts";
import { logoffSession } from "../mod.ts";
import {
  ERROR_ACCESS_DENIED,
  HOUR,
  lines,
  run,
  runChangedWhileAsking,
  test,
} from "./_session_testing.ts";

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

test("logoff --yes logs the session off; a bad id or an unknown user does nothing", async () => {
  let { code, io } = await run(["logoff", "2", "--yes"]);
  assert.equal(code, ExitCode.Ok);
  assert.equal(io.stdout, "Logged off session 2 (CONTOSO\\bob).\n");
  assert.equal(doubles.sessionState(2), -1);
  ({ code, io } = await run(["logoff", "4294967296", "--yes"]));
  assert.equal(code, ExitCode.Usage);
  assert.match(io.stderr, /session id must be a whole number/);
  ({ code, io } = await run(["logoff", "x1", "--yes"]));
  assert.equal(code, ExitCode.WindowsError, "a name is a user name; nobody has it");
  assert.equal(
    io.stderr,
    'winsession: no session of "x1" on the local server: nothing was done\n',
  );
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

// ---- targets that are almost always a mistake --------------------------------------------------

test("logoff and disconnect of a listener are refused (exit 2) unless --allow-listener", async () => {
  for (const name of ["logoff", "disconnect"]) {
    const { code, io } = await run([name, "65536", "--yes"]);
    assert.equal(code, ExitCode.Usage, name);
    assert.equal(lines(io.stderr).length, 1);
    assert.match(io.stderr, /session 65536 \(RDP-Tcp, no user, Listen\): it is a listener/);
    assert.match(io.stderr, /nobody can connect/);
    assert.match(io.stderr, /pass --allow-listener/);
    const dry = await run([name, "65536", "--dry-run"]);
    assert.equal(dry.code, ExitCode.Usage, "a dry run checks the same");
  }
  assert.equal(doubles.calls("WTSLogoffSession") + doubles.calls("WTSDisconnectSession"), 0);
  assert.equal(doubles.sessionState(65536), ConnectState.Listen);
  const { code } = await run(["logoff", "65536", "--yes", "--allow-listener"]);
  assert.equal(code, ExitCode.Ok);
  assert.equal(doubles.calls("WTSLogoffSession"), 1);
});

test("logoff of your own session is refused unless --allow-own-session", async () => {
  // The double's process runs in session 1 (alice's console) unless told otherwise.
  let { code, io } = await run(["logoff", "1", "--yes"]);
  assert.equal(code, ExitCode.Usage);
  assert.match(io.stderr, /it is your own session .*pass --allow-own-session/);
  assert.equal(doubles.calls("WTSLogoffSession"), 0);
  ({ code, io } = await run(["logoff", "1", "--yes", "--allow-own-session"]));
  assert.equal(code, ExitCode.Ok);
  assert.equal(io.stdout, "Logged off session 1 (CONTOSO\\alice, your own session).\n");
  doubles.setCurrentSession(2);
  ({ code } = await run(["logoff", "1", "--yes"]));
  assert.equal(code, ExitCode.WindowsError, "session 1 is gone now, and no longer ours");
});

test("disconnect of your own session is allowed, and the question says it is yours", async () => {
  const { code, io } = await run(["disconnect", "1"], { interactive: true, answers: ["y"] });
  assert.equal(code, ExitCode.Ok);
  assert.match(
    io.questions[0]!,
    /^Disconnect session 1 \(Console, CONTOSO\\alice, Active\), your own session on the local server\?/,
  );
  assert.equal(io.stdout, "Disconnected session 1 (CONTOSO\\alice, your own session).\n");
});

// ---- re-check between the confirmation and the act ---------------------------------------------

test("logoff: the session id reused by another user while the prompt was open: exit 7, nothing done", async () => {
  const { code, io } = await runChangedWhileAsking(["logoff", "2"], () => {
    // bob logged off; the id went to carol, who logged on a minute ago.
    doubles.addSession({
      id: 2,
      winStation: "RDP-Tcp#9",
      state: ConnectState.Active,
      user: "carol",
      domain: "CONTOSO",
      logonTime: new Date(Date.now() - 60_000),
    });
  });
  assert.equal(code, ExitCode.TargetChanged);
  assert.equal(io.questions.length, 1);
  assert.equal(lines(io.stderr).length, 1);
  assert.match(
    io.stderr,
    /^winsession: session 2 changed since it was looked up \(user was bob, is now carol; logonTime was 2026-01-02T03:04:05\.000Z, is now .*\): nothing was done\n$/,
  );
  assert.equal(doubles.calls("WTSLogoffSession"), 0);
  assert.equal(doubles.sessionState(2), ConnectState.Active);
});

test("disconnect: the same user logged on again (new logon time) is a changed target", async () => {
  const { code, io } = await runChangedWhileAsking(["disconnect", "1"], () => {
    doubles.addSession({
      id: 1,
      winStation: "Console",
      state: ConnectState.Active,
      user: "ALICE", // names compare case-insensitively: only the logon time differs
      domain: "contoso",
      logonTime: new Date(Date.now() - HOUR),
    });
  });
  assert.equal(code, ExitCode.TargetChanged);
  assert.match(io.stderr, /\(logonTime was .*, is now .*\): nothing was done/);
  assert.doesNotMatch(io.stderr, /user was/);
  assert.equal(doubles.calls("WTSDisconnectSession"), 0);
});

test("logoff: a session gone while the prompt was open is a changed target (exit 7)", async () => {
  const { code, io } = await runChangedWhileAsking(["logoff", "2"], () => logoffSession(2));
  assert.equal(code, ExitCode.TargetChanged);
  assert.match(io.stderr, /session 2 changed .*\(session was present, is now gone\)/);
  assert.equal(doubles.calls("WTSLogoffSession"), 1, "only the one made while asking");
});

test("disconnect: an unchanged session is acted on after the re-check", async () => {
  const { code } = await runChangedWhileAsking(["disconnect", "2"], () => {});
  assert.equal(code, ExitCode.Ok);
  assert.equal(doubles.sessionState(2), ConnectState.Disconnected);
});

// ---- --dry-run ---------------------------------------------------------------------------------

test("--dry-run: the same lookup, one line saying what would be done, nothing done, exit 0", async () => {
  for (const [name, verb] of [["disconnect", "disconnect"], ["logoff", "log off"]]) {
    const { code, io } = await run([name!, "2", "--dry-run"], { interactive: true });
    assert.equal(code, ExitCode.Ok);
    assert.deepEqual(io.questions, [], "nothing to confirm");
    assert.equal(
      io.stdout,
      `Would ${verb} session 2 (RDP-Tcp#3, CONTOSO\\bob, Active) on the local server ` +
        "(dry run: nothing was done).\n",
    );
  }
  assert.equal(doubles.calls("WTSLogoffSession") + doubles.calls("WTSDisconnectSession"), 0);
  assert.equal(doubles.sessionState(2), ConnectState.Active);
  const { code, io } = await run(["logoff", "99", "--dry-run"]);
  assert.equal(code, ExitCode.WindowsError, "an unknown id fails the dry run too");
  assert.match(io.stderr, /ERROR_CTX_WINSTATION_NOT_FOUND/);
});

// ---- one server's errors name it ---------------------------------------------------------------

test("disconnect --server: the failure names the server, one line", async () => {
  let { code, io } = await run(["disconnect", "2", "--server", "NOPE", "--yes"]);
  assert.equal(code, ExitCode.WindowsError);
  assert.equal(io.stderr.split("\n").length, 2);
  assert.match(
    io.stderr,
    /^winsession: NOPE: WTSQuerySessionInformationW failed: RPC_S_SERVER_UNAVAILABLE \(1722\)/,
  );
  doubles.addServer("RDS01");
  ({ code, io } = await run(["logoff", "5", "--server", "RDS01", "--yes"]));
  assert.equal(code, ExitCode.WindowsError);
  assert.match(
    io.stderr,
    /^winsession: RDS01: WTSQuerySessionInformationW failed: ERROR_CTX_WINSTATION_NOT_FOUND/,
  );
});
