/**
 * The library's re-check before acting (`expect` on disconnectSession, logoffSession and
 * terminateProcess) and listProcesses' unknown-session report, against the doubles: the target
 * is changed between the lookup and the call, as a prompt left open would allow.
 */
import assert from "node:assert/strict";
import { ERROR_CTX_WINSTATION_NOT_FOUND, TargetChangedError, WindowsError } from "../ffi/errors.ts";
import { disconnectSession, getSession, logoffSession } from "./sessions.ts";
import { listProcesses, localProcessStartTime, terminateProcess } from "./processes.ts";
import { assertNoLeaks, ConnectState, doubles, useDoubles } from "../tests/doubles.ts";

const LOGON = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
const STARTED = new Date(Date.UTC(2026, 0, 2, 8, 0, 0));

function setUp(): void {
  useDoubles();
  doubles.addSession({
    id: 2,
    winStation: "RDP-Tcp#3",
    state: ConnectState.Active,
    user: "bob",
    domain: "CONTOSO",
    logonTime: LOGON,
  });
  doubles.addProcess({
    pid: 4242,
    sessionId: 2,
    name: "notepad.exe",
    sid: "S-1-5-21-1-2-3-1001",
    createTime: STARTED,
  });
}

function changed(fields: string[]): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof TargetChangedError, `expected a TargetChangedError, got ${error}`);
    assert.deepEqual(error.changes.map((change) => change.field), fields);
    return true;
  };
}

Deno.test("logoffSession expect: the same session is logged off after one re-read", async () => {
  setUp();
  const session = await getSession(2);
  await logoffSession(2, { expect: session });
  assert.equal(doubles.sessionState(2), -1);
  assertNoLeaks();
});

Deno.test("logoffSession expect: another user on the id throws TargetChangedError, nothing done", async () => {
  setUp();
  const session = await getSession(2);
  doubles.addSession({
    id: 2,
    winStation: "RDP-Tcp#4",
    state: ConnectState.Active,
    user: "carol",
    domain: "FABRIKAM",
    logonTime: new Date(LOGON.getTime() + 60_000),
  });
  await assert.rejects(
    logoffSession(2, { expect: session }),
    changed(["user", "domain", "logonTime"]),
  );
  assert.equal(doubles.calls("WTSLogoffSession"), 0);
  assertNoLeaks();
});

Deno.test("disconnectSession expect: a gone session, on a remote server too", async () => {
  setUp();
  doubles.addServer("RDS01");
  doubles.addSession({ server: "RDS01", id: 3, winStation: "RDP-Tcp#1", state: 0, user: "dave" });
  const session = await getSession(3, { server: "RDS01" });
  await logoffSession(3, { server: "RDS01" });
  await assert.rejects(
    disconnectSession(3, { server: "RDS01", expect: session }),
    (error) => {
      assert.ok(error instanceof TargetChangedError);
      assert.equal(error.target, "session 3 on RDS01");
      assert.match(error.message, /session was present, is now gone/);
      return true;
    },
  );
  assert.equal(doubles.calls("WTSDisconnectSession"), 0);
  assertNoLeaks();
});

Deno.test("expect: names compare case-insensitively, and a name WTSINFOW cut at 20 still matches", async () => {
  setUp();
  const long = "a.very.long.user.name.of.30chr"; // WTSEnumerateSessionsExW gives it whole
  doubles.addSession({ id: 5, winStation: "RDP-Tcp#5", state: 0, user: long, domain: "CONTOSO" });
  await disconnectSession(5, { expect: { user: long.toUpperCase(), domain: "contoso" } });
  assert.equal(doubles.sessionState(5), ConnectState.Disconnected);
  assertNoLeaks();
});

Deno.test("terminateProcess expect: name, session and start time re-read; a reused pid is spared", async () => {
  setUp();
  const startTime = localProcessStartTime(4242);
  assert.deepEqual(startTime, STARTED);
  const expect = { name: "notepad.exe", sessionId: 2, startTime: startTime! };
  // The pid now belongs to a new notepad.exe of the same session: only the start time differs.
  doubles.addProcess({
    pid: 4242,
    sessionId: 2,
    name: "notepad.exe",
    sid: "S-1-5-21-1-2-3-1001",
    createTime: new Date(STARTED.getTime() + 1000),
  });
  await assert.rejects(terminateProcess(4242, { expect }), changed(["startTime"]));
  assert.equal(doubles.processAlive(4242), true);
  assert.equal(doubles.calls("WTSTerminateProcess"), 0);
  await terminateProcess(4242, { expect: { ...expect, startTime: localProcessStartTime(4242)! } });
  assert.equal(doubles.processAlive(4242), false);
  assertNoLeaks();
});

Deno.test("terminateProcess expect: another program or session on the pid, or none", async () => {
  setUp();
  doubles.addProcess({ pid: 4242, sessionId: 3, name: "excel.exe" });
  await assert.rejects(
    terminateProcess(4242, { expect: { name: "notepad.exe", sessionId: 2 } }),
    changed(["name", "sessionId"]),
  );
  await assert.rejects(
    terminateProcess(777, { expect: { name: "notepad.exe" } }),
    changed(["process"]),
  );
  assert.equal(doubles.calls("WTSTerminateProcess"), 0);
  assert.equal(localProcessStartTime(777), null, "no such process: null, not a throw");
  assertNoLeaks();
});

Deno.test("terminateProcess expect.startTime on a remote server is a TypeError", async () => {
  setUp();
  doubles.addServer("RDS01");
  await assert.rejects(
    terminateProcess(4242, { server: "RDS01", expect: { startTime: STARTED } }),
    TypeError,
  );
  assert.equal(doubles.calls("WTSTerminateProcess"), 0);
  assertNoLeaks();
});

Deno.test("listProcesses of a session that does not exist: ERROR_CTX_WINSTATION_NOT_FOUND", async () => {
  setUp();
  await assert.rejects(listProcesses({ session: 999 }), (error) => {
    assert.ok(error instanceof WindowsError);
    assert.equal(error.code, ERROR_CTX_WINSTATION_NOT_FOUND);
    return true;
  });
  // An existing session without processes is an empty list, not an error.
  doubles.addSession({ id: 7, winStation: "RDP-Tcp#7", state: 0, user: "erin" });
  assert.deepEqual(await listProcesses({ session: 7 }), []);
  assertNoLeaks();
});
