/**
 * `winsession disconnect` and `winsession logoff` against the wtsapi32 double: confirmation, refusal without a terminal, unknown ids and denied calls.
 */
import assert from "node:assert/strict";
import { ExitCode } from "./common.ts";
import { ConnectState, doubles } from "../tests/doubles.ts";
import { ERROR_ACCESS_DENIED, lines, run, test } from "./_session_testing.ts";

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
