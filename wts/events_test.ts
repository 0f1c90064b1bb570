import assert from "node:assert/strict";
import { type SessionEvent, sessionEvents, watchSessions } from "./events.ts";
import { RPC_S_SERVER_UNAVAILABLE, WindowsError } from "../ffi/errors.ts";
import { assertNoLeaks, doubles, useDoubles } from "../tests/doubles.ts";
import { NonblockingCallError } from "./_context.ts";

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
    { type: "logon", flags: LOGON, at, server: "rdsh01" },
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
