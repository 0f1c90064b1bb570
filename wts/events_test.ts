import assert from "node:assert/strict";
import { type SessionEvent, sessionEvents, watchSessions } from "./events.ts";
import { RPC_S_SERVER_UNAVAILABLE, WindowsError } from "../ffi/errors.ts";
import { assertNoLeaks, doubles, useDoubles } from "../tests/doubles.ts";
import { NonblockingCallError } from "./_context.ts";
import { logoffSession } from "./sessions.ts";
import { forgetOsVersions } from "./_os_version.ts";

const LOGON = 0x20;
const CONNECT = 0x8;
const LOGOFF = 0x40;

Deno.test("sessionEvents makes one event per set bit, in bit order", () => {
  const at = new Date(0);
  assert.deepEqual(sessionEvents(0x1ff, at).map((e) => e.type), [
    "create",
    "delete",
    "rename",
    "connect",
    "disconnect",
    "logon",
    "logoff",
    "stateChange",
    "licence",
  ]);
  assert.deepEqual(sessionEvents(0, at), []);
  assert.deepEqual(sessionEvents(LOGON, at, "rdsh01"), [
    {
      type: "logon",
      flags: LOGON,
      at,
      server: "rdsh01",
      sessionId: null,
      user: "",
      domain: "",
      stateBefore: null,
      state: null,
      clientName: "",
      clientAddress: null,
      locked: null,
    },
  ]);
});

Deno.test("watchSessions yields injected events and ends cleanly on abort", async () => {
  useDoubles();
  const controller = new AbortController();
  const events = watchSessions({ signal: controller.signal });
  const first = events.next();
  await doubles.waitUntilPending();
  doubles.injectEvent(CONNECT | LOGON);
  assert.deepEqual((await first).value?.type, "connect");
  const second = await events.next();
  assert.equal(second.value?.type, "logon");
  assert.equal(second.value?.flags, CONNECT | LOGON);
  await doubles.waitUntilPending();
  const third = events.next();
  controller.abort();
  assert.deepEqual(await third, { value: undefined, done: true });
  assert.deepEqual(await events.next(), { value: undefined, done: true });
  assertNoLeaks();
});

Deno.test("breaking out of for await flushes the pending wait and closes the handle", async () => {
  useDoubles();
  doubles.addServer("rdsh01");
  const seen: SessionEvent[] = [];
  const consume = (async () => {
    for await (const event of watchSessions({ server: "rdsh01" })) {
      seen.push(event);
      if (event.type === "logoff") break;
    }
  })();
  await doubles.waitUntilPending();
  doubles.injectEvent(LOGON, "rdsh01");
  await doubles.waitUntilPending();
  doubles.injectEvent(LOGOFF, "rdsh01");
  await consume;
  assert.deepEqual(seen.map((e) => [e.type, e.server]), [["logon", "rdsh01"], [
    "logoff",
    "rdsh01",
  ]]);
  assert.equal(doubles.waitPending(), 0);
  assertNoLeaks();
});

Deno.test("events arriving while the consumer is busy are queued", async () => {
  useDoubles();
  const events = watchSessions();
  const first = events.next();
  await doubles.waitUntilPending();
  doubles.injectEvent(LOGON);
  await first;
  await doubles.waitUntilPending(); // the next wait runs before anyone asks
  doubles.injectEvent(LOGOFF);
  await doubles.waitUntilPending();
  assert.equal((await events.next()).value?.type, "logoff");
  await events.return!();
  assertNoLeaks();
});

Deno.test("an already aborted signal or an unstarted stream needs no wait", async () => {
  useDoubles();
  const aborted = watchSessions({ signal: AbortSignal.abort() });
  assert.deepEqual(await aborted.next(), { value: undefined, done: true });
  const unstarted = watchSessions();
  await unstarted.return!();
  assert.equal(doubles.calls("WTSWaitSystemEvent"), 0);
  assertNoLeaks();
});

Deno.test("watchSessions on an unknown server fails with the real code", async () => {
  useDoubles();
  const events = watchSessions({ server: "ghost" });
  await assert.rejects(events.next(), (error) => {
    assert.ok(error instanceof WindowsError);
    assert.equal(error.code, RPC_S_SERVER_UNAVAILABLE);
    return true;
  });
  assert.deepEqual(await events.next(), { value: undefined, done: true });
  assertNoLeaks();
});

Deno.test("a failing wait is reported without an invented code", async () => {
  useDoubles();
  doubles.failNext("WTSWaitSystemEvent", 5);
  const events = watchSessions();
  await assert.rejects(events.next(), (error) => {
    assert.ok(error instanceof NonblockingCallError);
    assert.equal(error.functionName, "WTSWaitSystemEvent");
    return true;
  });
  assertNoLeaks();
});

const DISCONNECT = 0x10;

Deno.test("watchSessions says who: logon, disconnect, connect and logoff with their session", async () => {
  useDoubles();
  doubles.addSession({ id: 1, winStation: "Console", state: 0, user: "admin", protocol: 0 });
  const events = watchSessions();
  const first = events.next();
  await doubles.waitUntilPending();
  doubles.addSession({
    id: 2,
    winStation: "RDP-Tcp#0",
    state: 0,
    user: "alice",
    domain: "CONTOSO",
    clientName: "LAPTOP-7",
    clientAddress: "10.0.0.5",
    protocol: 2,
  });
  doubles.injectEvent(CONNECT | LOGON);
  const create = (await first).value!;
  assert.equal(create.type, "create");
  const logon = (await events.next()).value!;
  assert.deepEqual(
    [logon.type, logon.flags, logon.sessionId, logon.user, logon.domain, logon.state],
    ["logon", CONNECT | LOGON, 2, "alice", "CONTOSO", "Active"],
  );
  assert.deepEqual([logon.stateBefore, logon.clientName, logon.clientAddress], [
    null,
    "LAPTOP-7",
    "10.0.0.5",
  ]);

  await doubles.waitUntilPending();
  assert.ok(doubles.setSessionField("", 2, "state", 4n)); // WTSDisconnected
  doubles.injectEvent(DISCONNECT);
  const disconnect = (await events.next()).value!;
  assert.deepEqual(
    [
      disconnect.type,
      disconnect.sessionId,
      disconnect.user,
      disconnect.stateBefore,
      disconnect.state,
    ],
    ["disconnect", 2, "alice", "Active", "Disconnected"],
  );

  await doubles.waitUntilPending();
  assert.ok(doubles.setSessionField("", 2, "state", 0n));
  doubles.injectEvent(CONNECT);
  assert.equal((await events.next()).value?.type, "connect");

  await doubles.waitUntilPending();
  await logoffSession(2);
  doubles.injectEvent(LOGOFF);
  const logoff = (await events.next()).value!;
  assert.deepEqual([logoff.type, logoff.user, logoff.state], ["logoff", "alice", null]);
  assert.deepEqual([(await events.next()).value?.type], ["delete"]);
  await events.return!();
  assertNoLeaks();
});

Deno.test("watchSessions({ details: false }) lists nothing: raw events only", async () => {
  useDoubles();
  const events = watchSessions({ details: false });
  const first = events.next();
  await doubles.waitUntilPending();
  doubles.injectEvent(LOGON);
  assert.equal((await first).value?.sessionId, null);
  await events.return!();
  assert.equal(doubles.calls("WTSEnumerateSessionsExW"), 0);
  assertNoLeaks();
});

Deno.test("watchSessions({ lockState, pollMs }) reports lock and unlock, which no wait reports", async () => {
  useDoubles();
  forgetOsVersions();
  doubles.addSession({ id: 2, winStation: "RDP-Tcp#0", state: 0, user: "bob", sessionFlags: 1 });
  const events = watchSessions({ lockState: true, pollMs: 5 });
  const first = events.next();
  await doubles.waitUntilPending();
  assert.ok(doubles.setSessionField("", 2, "session_flags", 0n)); // WTS_SESSIONSTATE_LOCK
  const lock = (await first).value!;
  assert.deepEqual([lock.type, lock.flags, lock.sessionId, lock.user, lock.locked], [
    "lock",
    0,
    2,
    "bob",
    true,
  ]);
  assert.ok(doubles.setSessionField("", 2, "session_flags", 1n));
  assert.equal((await events.next()).value?.type, "unlock");
  await events.return!();
  assertNoLeaks();
});

Deno.test("watchSessions on a named server says who, with the server", async () => {
  useDoubles();
  doubles.addServer("rdsh01");
  const events = watchSessions({ server: "rdsh01" });
  const first = events.next();
  await doubles.waitUntilPending();
  doubles.addSession({ server: "rdsh01", id: 5, winStation: "RDP-Tcp#1", state: 0, user: "eve" });
  doubles.injectEvent(LOGON, "rdsh01");
  assert.equal((await first).value?.type, "create");
  const logon = (await events.next()).value!;
  assert.deepEqual([logon.server, logon.sessionId, logon.user], ["rdsh01", 5, "eve"]);
  await events.return!();
  assertNoLeaks();
});

Deno.test("watchSessions refuses a pollMs a timer cannot keep", () => {
  for (const pollMs of [0, -5, Number.NaN, 2 ** 31]) {
    assert.throws(() => watchSessions({ pollMs }), RangeError, String(pollMs));
  }
});

Deno.test("two changes between wakes are both reported at the next wake, with its flags", async () => {
  useDoubles();
  doubles.addSession({ id: 2, winStation: "RDP-Tcp#0", state: 0, user: "ann" });
  const events = watchSessions();
  const first = events.next();
  await doubles.waitUntilPending();
  assert.ok(doubles.setSessionField("", 2, "state", 4n)); // ann disconnects: no event yet
  doubles.addSession({ id: 3, winStation: "RDP-Tcp#1", state: 0, user: "ben" });
  doubles.injectEvent(LOGON);
  const seen = [(await first).value!, (await events.next()).value!, (await events.next()).value!];
  assert.deepEqual(seen.map((e) => [e.type, e.sessionId, e.user, e.flags]), [
    ["disconnect", 2, "ann", LOGON],
    ["create", 3, "ben", LOGON],
    ["logon", 3, "ben", LOGON],
  ]);
  await events.return!();
  assertNoLeaks();
});

Deno.test("lock events on a Windows 7 / 2008 R2 server read the reversed flags", async () => {
  useDoubles();
  forgetOsVersions();
  doubles.addServer("old2008r2");
  doubles.setServerOsVersion("old2008r2", 6, 1);
  // On NT 6.1, SessionFlags 1 (documented UNLOCK) means locked (WTSINFOEX_LEVEL1_W page).
  doubles.addSession({
    server: "old2008r2",
    id: 2,
    winStation: "RDP-Tcp#0",
    state: 0,
    user: "cy",
    sessionFlags: 0,
  });
  const events = watchSessions({ server: "old2008r2", lockState: true, pollMs: 5 });
  const first = events.next();
  await doubles.waitUntilPending();
  assert.ok(doubles.setSessionField("old2008r2", 2, "session_flags", 1n));
  const lock = (await first).value!;
  assert.deepEqual([lock.type, lock.server, lock.locked], ["lock", "old2008r2", true]);
  await events.return!();
  assertNoLeaks();
});
