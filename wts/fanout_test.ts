import assert from "node:assert/strict";
import {
  listProcessesOnServers,
  listSessionsOnServers,
  ServerTimeoutError,
  settleLateAnswers,
} from "./fanout.ts";
import { ERROR_ACCESS_DENIED, RPC_S_SERVER_UNAVAILABLE, WindowsError } from "../ffi/errors.ts";
import { assertNoLeaks, doubles, useDoubles } from "../tests/doubles.ts";

function addServerWithSessions(name: string, delayMs: number, sessions: number): void {
  doubles.addServer(name, delayMs);
  doubles.generateSessions(sessions, name);
}

Deno.test("listSessionsOnServers answers per server; a dead one does not sink the rest", async () => {
  useDoubles();
  addServerWithSessions("rdsh01", 0, 3);
  addServerWithSessions("rdsh02", 5, 2);
  const results = await listSessionsOnServers(["rdsh01", "ghost", "rdsh02"]);
  assert.deepEqual(results.map((r) => [r.server, r.ok]), [
    ["rdsh01", true],
    ["ghost", false],
    ["rdsh02", true],
  ]);
  const [first, dead, second] = results as [
    (typeof results)[number],
    (typeof results)[number],
    (typeof results)[number],
  ];
  assert.ok(first.ok && second.ok && !dead.ok);
  assert.equal(first.value.length, 3);
  assert.equal(second.value.length, 2);
  assert.ok(second.value.every((s) => s.server === "rdsh02" && s.user.startsWith("user")));
  assert.ok(dead.error instanceof WindowsError);
  assert.equal(dead.error.code, RPC_S_SERVER_UNAVAILABLE);
  assert.ok(first.elapsedMs >= 0);
  assertNoLeaks();
});

Deno.test("fan-out reports a fast refusal with the code of its synchronous repeat", async () => {
  useDoubles();
  addServerWithSessions("rdsh01", 0, 1);
  doubles.failNext("WTSEnumerateProcessesExW", ERROR_ACCESS_DENIED, -1);
  doubles.failNext("WTSEnumerateProcessesW", ERROR_ACCESS_DENIED, -1);
  const [result] = await listProcessesOnServers(["rdsh01"]);
  assert.ok(result && !result.ok);
  assert.ok(result.error instanceof WindowsError);
  assert.equal(result.error.code, ERROR_ACCESS_DENIED);
  assert.equal(result.error.functionName, "WTSEnumerateProcessesW");
  assertNoLeaks();
});

Deno.test("a slow server times out alone; its late answer is freed and its handle closed", async () => {
  useDoubles();
  addServerWithSessions("fast", 0, 2);
  addServerWithSessions("slow", 300, 2);
  doubles.generateProcesses(5, "slow");
  const results = await listProcessesOnServers(["fast", "slow"], { timeoutMs: 100 });
  assert.equal(results[0]!.ok, true);
  const late = results[1]!;
  assert.ok(!late.ok);
  assert.ok(late.error instanceof ServerTimeoutError);
  assert.equal(late.error.server, "slow");
  assert.equal(late.error.timeoutMs, 100);
  await settleLateAnswers();
  assertNoLeaks();
});

Deno.test("a timed-out session listing stops issuing queries and leaks nothing", async () => {
  useDoubles();
  addServerWithSessions("slow", 60, 4);
  const [result] = await listSessionsOnServers(["slow"], { timeoutMs: 100 });
  assert.ok(result && !result.ok && result.error instanceof ServerTimeoutError);
  await settleLateAnswers();
  // Enumeration (60 ms) plus at most one batch of queries started before the timeout.
  assert.ok(doubles.calls("WTSQuerySessionInformationW") < 16);
  assertNoLeaks();
});

Deno.test("aborting rejects with the signal's reason; late answers are still freed", async () => {
  useDoubles();
  addServerWithSessions("slow", 200, 1);
  const controller = new AbortController();
  const pending = listSessionsOnServers(["slow"], { signal: controller.signal });
  controller.abort(new Error("user pressed Ctrl+C"));
  await assert.rejects(pending, /user pressed Ctrl\+C/);
  await settleLateAnswers();
  assertNoLeaks();
  await assert.rejects(
    listSessionsOnServers(["slow"], { signal: AbortSignal.abort() }),
    (error) => error instanceof DOMException && error.name === "AbortError",
  );
  assertNoLeaks();
});

Deno.test("fan-out runs servers concurrently and handles edge cases", async () => {
  useDoubles();
  const names = Array.from({ length: 8 }, (_, i) => `rdsh${i}`);
  for (const name of names) addServerWithSessions(name, 0, 1);
  const results = await listSessionsOnServers(names);
  assert.ok(results.every((r) => r.ok));
  assert.deepEqual(await listSessionsOnServers([]), []);
  await assert.rejects(listSessionsOnServers(["x"], { timeoutMs: 0 }), RangeError);
  const processes = await listProcessesOnServers(names.slice(0, 2), { session: 999 });
  // A session that does not exist is reported per server, not an empty list (see listProcesses).
  assert.ok(processes.every((r) => !r.ok && (r.error as { code?: number }).code === 7022));
  assertNoLeaks();
});
