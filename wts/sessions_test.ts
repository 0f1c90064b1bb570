import assert from "node:assert/strict";
import {
  activeConsoleSessionId,
  currentSessionId,
  disconnectSession,
  getSession,
  listSessions,
  logoffSession,
  type Session,
} from "./sessions.ts";
import {
  ERROR_ACCESS_DENIED,
  ERROR_CTX_WINSTATION_NOT_FOUND,
  RPC_S_SERVER_UNAVAILABLE,
  WindowsError,
} from "../ffi/errors.ts";
import { assertNoLeaks, ConnectState, doubles, useDoubles } from "../tests/doubles.ts";
import { forgetOsVersions } from "./_os_version.ts";

const LOGON = new Date("2024-03-01T08:00:00Z");
const INPUT = new Date("2024-03-01T09:00:00Z");
const NOW = new Date("2024-03-01T09:30:00Z");

function setUpLocal(): void {
  useDoubles();
  doubles.addSession({ id: 0, winStation: "Services", state: ConnectState.Disconnected });
  doubles.addSession({
    id: 2,
    winStation: "RDP-Tcp#3",
    state: ConnectState.Active,
    user: "alice",
    domain: "CONTOSO",
    clientName: "LAPTOP-7",
    clientAddress: "10.0.0.5",
    protocol: 2,
    logonTime: LOGON,
    connectTime: LOGON,
    lastInputTime: INPUT,
    currentTime: NOW,
  });
  doubles.addSession({
    id: 3,
    winStation: "RDP-Tcp#4",
    state: ConnectState.Active,
    user: "bob",
    domain: "CONTOSO",
    clientAddress: "fe80::1",
    protocol: 2,
  });
}

function expectWindowsError(code: number): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof WindowsError, `expected a WindowsError, got ${error}`);
    assert.equal(error.code, code);
    return true;
  };
}

Deno.test("listSessions decodes every field from the Ex enumeration and the queries", async () => {
  setUpLocal();
  const sessions = await listSessions();
  assert.equal(sessions.length, 3);
  const alice = sessions.find((s) => s.id === 2)!;
  assert.deepEqual(
    alice,
    {
      server: "",
      id: 2,
      stationName: "RDP-Tcp#3",
      state: "Active",
      user: "alice",
      domain: "CONTOSO",
      clientName: "LAPTOP-7",
      clientAddress: "10.0.0.5",
      protocol: "rdp",
      connectTime: LOGON,
      disconnectTime: null,
      lastInputTime: INPUT,
      logonTime: LOGON,
      idleMs: 30 * 60 * 1000,
      locked: null,
      lockedReason: "not read: pass lockState: true to listSessions, or use getSession",
    } satisfies Session,
  );
  const services = sessions.find((s) => s.id === 0)!;
  assert.equal(services.state, "Disconnected");
  assert.equal(services.user, "");
  assert.equal(services.clientAddress, null);
  assert.equal(services.idleMs, null);
  assert.equal(sessions.find((s) => s.id === 3)!.clientAddress, "fe80::1");
  assert.equal(doubles.calls("WTSEnumerateSessionsExW"), 1);
  assert.equal(doubles.calls("WTSEnumerateSessionsW"), 0);
  assert.equal(doubles.calls("WTSQuerySessionInformationW"), 3 * 4);
  assertNoLeaks();
});

Deno.test("listSessions falls back to WTSEnumerateSessionsW when Ex fails", async () => {
  setUpLocal();
  const expected = await listSessions();
  doubles.failNext("WTSEnumerateSessionsExW", 120); // Wine 10: not implemented
  const fallback = await listSessions();
  assert.deepEqual(
    fallback.map((s) => ({ ...s, idleMs: null })),
    expected.map((s) => ({ ...s, idleMs: null })),
  );
  assert.equal(doubles.calls("WTSEnumerateSessionsW"), 1);
  assertNoLeaks();
});

Deno.test("listSessions leaves a field empty when its query fails for one session", async () => {
  setUpLocal();
  // The 2nd query of the list is session 0's WTSClientName; make the first WTSSessionInfo
  // (session 0's) and one client-name query fail.
  doubles.failNext("WTSQuerySessionInformationW", 50, 1);
  const sessions = await listSessions();
  assert.equal(sessions.length, 3);
  assert.equal(sessions[0]!.connectTime, null);
  assert.equal(sessions[0]!.idleMs, null);
  assert.equal(sessions[1]!.clientName, "LAPTOP-7");
  assertNoLeaks();
});

Deno.test("listSessions reports a refused enumeration as a WindowsError", async () => {
  setUpLocal();
  doubles.failNext("WTSEnumerateSessionsExW", ERROR_ACCESS_DENIED);
  doubles.failNext("WTSEnumerateSessionsW", ERROR_ACCESS_DENIED);
  await assert.rejects(listSessions(), expectWindowsError(ERROR_ACCESS_DENIED));
  assertNoLeaks();
});

Deno.test("listSessions on a named server uses its handle and closes it", async () => {
  useDoubles();
  doubles.addServer("rdsh01");
  doubles.addSession({ server: "rdsh01", id: 5, winStation: "RDP-Tcp#0", state: 0, user: "eve" });
  const sessions = await listSessions({ server: "rdsh01" });
  assert.deepEqual(sessions.map((s) => [s.server, s.id, s.user]), [["rdsh01", 5, "eve"]]);
  assertNoLeaks();
});

Deno.test("listSessions on an unknown server fails with RPC_S_SERVER_UNAVAILABLE", async () => {
  useDoubles();
  await assert.rejects(
    listSessions({ server: "nowhere" }),
    expectWindowsError(RPC_S_SERVER_UNAVAILABLE),
  );
  assertNoLeaks();
});

Deno.test("listSessions on a server that refuses, fast, reports the real code", async () => {
  useDoubles();
  doubles.addServer("rdsh01");
  doubles.failNext("WTSEnumerateSessionsExW", ERROR_ACCESS_DENIED, -1);
  doubles.failNext("WTSEnumerateSessionsW", ERROR_ACCESS_DENIED, -1);
  await assert.rejects(
    listSessions({ server: "rdsh01" }),
    expectWindowsError(ERROR_ACCESS_DENIED),
  );
  // Nonblocking attempt, then the synchronous repeat that reads the code on this thread.
  assert.equal(doubles.calls("WTSEnumerateSessionsW"), 2);
  assertNoLeaks();
});

Deno.test("listSessions on a server uses a transient failure's successful repeat", async () => {
  useDoubles();
  doubles.addServer("rdsh01");
  doubles.addSession({ server: "rdsh01", id: 5, winStation: "RDP-Tcp#0", state: 0 });
  doubles.failNext("WTSEnumerateSessionsExW", ERROR_ACCESS_DENIED, 1);
  doubles.failNext("WTSEnumerateSessionsW", ERROR_ACCESS_DENIED, 1);
  assert.equal((await listSessions({ server: "rdsh01" })).length, 1);
  assertNoLeaks();
});

Deno.test("getSession returns one session and rejects unknown ids", async () => {
  setUpLocal();
  const alice = await getSession(2);
  assert.equal(alice.user, "alice");
  assert.equal(alice.stationName, "RDP-Tcp#3");
  assert.equal(alice.clientAddress, "10.0.0.5");
  assert.equal(alice.idleMs, 30 * 60 * 1000);
  await assert.rejects(getSession(99), expectWindowsError(ERROR_CTX_WINSTATION_NOT_FOUND));
  await assert.rejects(getSession(-1), RangeError);
  assertNoLeaks();
});

Deno.test("getSession on a named server reports an unknown id with its real code", async () => {
  useDoubles();
  doubles.addServer("rdsh01");
  doubles.addSession({ server: "rdsh01", id: 5, winStation: "RDP-Tcp#0", state: 0, user: "eve" });
  assert.equal((await getSession(5, { server: "rdsh01" })).user, "eve");
  await assert.rejects(
    getSession(6, { server: "rdsh01" }),
    expectWindowsError(ERROR_CTX_WINSTATION_NOT_FOUND),
  );
  assertNoLeaks();
});

Deno.test("currentSessionId and activeConsoleSessionId come from kernel32", () => {
  useDoubles();
  doubles.setCurrentSession(4);
  doubles.setConsoleSession(1);
  assert.equal(currentSessionId(), 4);
  assert.equal(activeConsoleSessionId(), 1);
  doubles.setConsoleSession(0xffff_ffff);
  assert.equal(activeConsoleSessionId(), null);
  assertNoLeaks();
});

Deno.test("disconnectSession and logoffSession act, with and without wait", async () => {
  setUpLocal();
  await disconnectSession(2);
  assert.equal(doubles.sessionState(2), ConnectState.Disconnected);
  await disconnectSession(3, { wait: true });
  assert.equal(doubles.sessionState(3), ConnectState.Disconnected);
  await logoffSession(2, { wait: true });
  await logoffSession(3);
  assert.deepEqual((await listSessions()).map((s) => s.id), [0]);
  assertNoLeaks();
});

Deno.test("disconnectSession and logoffSession report unknown sessions and denial", async () => {
  setUpLocal();
  await assert.rejects(disconnectSession(42), expectWindowsError(ERROR_CTX_WINSTATION_NOT_FOUND));
  await assert.rejects(
    logoffSession(42, { wait: true }),
    expectWindowsError(ERROR_CTX_WINSTATION_NOT_FOUND),
  );
  doubles.failNext("WTSLogoffSession", ERROR_ACCESS_DENIED, 2);
  await assert.rejects(logoffSession(2, { wait: true }), expectWindowsError(ERROR_ACCESS_DENIED));
  assert.equal(doubles.calls("WTSLogoffSession"), 4); // 2 × (waiting attempt + repeat)
  await assert.rejects(
    disconnectSession(2, { server: "nowhere" }),
    expectWindowsError(RPC_S_SERVER_UNAVAILABLE),
  );
  assertNoLeaks();
});

Deno.test("listSessions handles 1,000 sessions with every buffer freed", async () => {
  useDoubles();
  doubles.generateSessions(1000);
  const sessions = await listSessions();
  assert.equal(sessions.length, 1000);
  assert.equal(sessions[999]!.user, "user00999");
  assert.equal(sessions[3]!.state, "Disconnected");
  assert.equal(sessions[1]!.clientAddress, "10.0.0.1");
  assertNoLeaks();
});

Deno.test("a disconnected session's idle time counts from its disconnection (quser, Cassia #7)", async () => {
  useDoubles();
  const disconnected = new Date("2024-03-01T09:10:00Z");
  doubles.addSession({
    id: 5,
    winStation: "",
    state: ConnectState.Disconnected,
    user: "carol",
    logonTime: LOGON,
    connectTime: LOGON,
    disconnectTime: disconnected,
    lastInputTime: INPUT, // stored, but Windows reports 0 once disconnected
    currentTime: NOW,
  });
  const [listed] = await listSessions();
  assert.equal(listed!.lastInputTime, null);
  assert.equal(listed!.idleMs, 20 * 60 * 1000);
  assert.equal((await getSession(5)).idleMs, 20 * 60 * 1000);
  assertNoLeaks();
});

Deno.test("listSessions and getSession show an IPv6 client as Windows lays it out", async () => {
  useDoubles();
  doubles.addSession({ id: 4, winStation: "RDP-Tcp#9", state: 0, clientAddress: "2001:db8::1" });
  assert.equal((await getSession(4)).clientAddress, "2001:db8::1");
  doubles.addSession({
    id: 6,
    winStation: "RDP-Tcp#10",
    state: 0,
    clientAddress: "::ffff:10.1.2.3",
  });
  assert.equal((await listSessions()).find((s) => s.id === 6)!.clientAddress, "::ffff:10.1.2.3");
  assertNoLeaks();
});

Deno.test("getSession reads the lock state, reversed on Windows 7 / Server 2008 R2", async () => {
  useDoubles();
  forgetOsVersions();
  doubles.addSession({ id: 2, winStation: "RDP-Tcp#3", state: 0, sessionFlags: 0 }); // LOCK
  doubles.addSession({ id: 3, winStation: "RDP-Tcp#4", state: 0, sessionFlags: 1 }); // UNLOCK
  doubles.addSession({ id: 4, winStation: "RDP-Tcp#5", state: 0 }); // UNKNOWN
  assert.deepEqual(
    [await getSession(2), await getSession(3)].map((s) => [s.locked, s.lockedReason]),
    [[true, null], [false, null]],
  );
  const unknown = await getSession(4);
  assert.equal(unknown.locked, null);
  assert.match(unknown.lockedReason!, /unknown/);
  doubles.setOsVersion(6, 1, 7601); // Windows 7 / Server 2008 R2: the flags mean the opposite
  forgetOsVersions();
  assert.equal((await getSession(2)).locked, false);
  assert.equal((await getSession(3)).locked, true);
  forgetOsVersions();
  assertNoLeaks();
});

Deno.test("getSession on a remote server reads its version with NetServerGetInfo", async () => {
  useDoubles();
  forgetOsVersions();
  doubles.addServer("rdsh01");
  doubles.addServer("rdsh2008");
  doubles.setServerOsVersion("rdsh2008", 6, 1); // Server 2008 R2
  for (const server of ["rdsh01", "rdsh2008"]) {
    doubles.addSession({ server, id: 2, winStation: "RDP-Tcp#3", state: 0, sessionFlags: 0 });
  }
  assert.equal((await getSession(2, { server: "rdsh01" })).locked, true);
  assert.equal((await getSession(2, { server: "rdsh2008" })).locked, false); // reversed there
  await getSession(2, { server: "rdsh01" });
  assert.equal(doubles.calls("NetServerGetInfo"), 2, "one look-up per server, then cached");
  forgetOsVersions();
  doubles.failNext("NetServerGetInfo", ERROR_ACCESS_DENIED);
  const session = await getSession(2, { server: "rdsh01" });
  assert.equal(session.locked, null);
  assert.match(session.lockedReason!, /NetServerGetInfo failed: ERROR_ACCESS_DENIED \(5\)/);
  assert.match(session.lockedReason!, /Windows 7 \/ Server 2008 R2/);
  forgetOsVersions();
  assertNoLeaks();
});

Deno.test("listSessions({ lockState: true }) reads every session's lock state", async () => {
  useDoubles();
  forgetOsVersions();
  doubles.addSession({ id: 2, winStation: "RDP-Tcp#3", state: 0, sessionFlags: 0 });
  doubles.addSession({ id: 3, winStation: "RDP-Tcp#4", state: 0, sessionFlags: 1 });
  const sessions = await listSessions({ lockState: true });
  assert.deepEqual(sessions.map((s) => [s.id, s.locked, s.lockedReason]), [
    [2, true, null],
    [3, false, null],
  ]);
  assert.equal((await listSessions())[0]!.locked, null);
  doubles.addServer("rdsh01");
  doubles.addSession({
    server: "rdsh01",
    id: 2,
    winStation: "RDP-Tcp#3",
    state: 0,
    sessionFlags: 1,
  });
  assert.equal((await listSessions({ server: "rdsh01", lockState: true }))[0]!.locked, false);
  forgetOsVersions();
  assertNoLeaks();
});
