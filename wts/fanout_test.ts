// Tests of the fan-out: per-server answers and deadlines, equality with the serial path, no leaks.
import assert from "node:assert/strict";
import {
  listProcessesOnServers,
  listSessionsOnServers,
  ServerTimeoutError,
  settleLateAnswers,
} from "./fanout.ts";
import { ERROR_ACCESS_DENIED, RPC_S_SERVER_UNAVAILABLE, WindowsError } from "../ffi/errors.ts";
import { assertNoLeaks, doubles, useDoubles } from "../tests/doubles.ts";
import { listSessions } from "./sessions.ts";
import { listProcesses } from "./processes.ts";

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

// ---- the concurrent path gives what the serial one gives -----------------------------------------

/**
 * A result as comparable data: the value, or the error's class, code and function. A session's
 * `idleMs` is left out: it is measured against the server's clock at the moment of the query
 * (the double's WTSINFOW.CurrentTime is the real time), so two listings never agree on it.
 */
function outcome(result: { ok: true; value: unknown } | { ok: false; error: Error }): unknown {
  if (result.ok) {
    const value = Array.isArray(result.value)
      ? result.value.map((row) => {
        const { idleMs: _idleMs, ...rest } = row as { idleMs?: unknown };
        return rest;
      })
      : result.value;
    return { ok: true, value };
  }
  const { error } = result;
  return {
    ok: false,
    name: error.name,
    code: error instanceof WindowsError ? error.code : undefined,
    functionName: error instanceof WindowsError ? error.functionName : undefined,
  };
}

async function serially<T>(servers: string[], list: (server: string) => Promise<T>) {
  const results = [];
  for (const server of servers) {
    try {
      results.push(outcome({ ok: true, value: await list(server) }));
    } catch (error) {
      results.push(outcome({ ok: false, error: error as Error }));
    }
  }
  return results;
}

/** 12 servers (more than one lane of 32 calls, so Workers run some): fast, slow, dead, vanishing. */
function farm(): string[] {
  const servers: string[] = [];
  for (let i = 0; i < 12; i++) {
    const name = `farm${i}`;
    servers.push(name);
    if (i === 3 || i === 10) continue; // dead: never registered
    addServerWithSessions(name, i % 3 === 0 ? 15 : 0, 1 + (i % 4));
    doubles.setOpenDelay(name, i % 3 === 0 ? 15 : 0);
    doubles.generateProcesses(3 + i, name);
  }
  return servers;
}

/** The vanishing servers answer the enumeration, then go down (re-armed before each run). */
function armVanishing(): void {
  doubles.vanishAfter("farm5", 1);
  doubles.vanishAfter("farm11", 1);
}

Deno.test("sessions fanned out equal listSessions({ server }) one by one: slow, dead, vanishing", async () => {
  useDoubles();
  const servers = farm();
  armVanishing();
  const expected = await serially(servers, (server) => listSessions({ server }));
  armVanishing();
  const results = await listSessionsOnServers(servers, { timeoutMs: 30_000 });
  assert.deepEqual(results.map((r) => r.server), servers);
  assert.deepEqual(results.map(outcome), expected);
  // The vanished server's sessions keep what the enumeration said, details stay empty.
  const vanished = results[5]!;
  assert.ok(vanished.ok && vanished.value.length === 2 && vanished.value[0]!.clientName === "");
  const dead = results[3]!;
  assert.ok(!dead.ok && dead.error instanceof WindowsError);
  assert.equal(dead.error.code, RPC_S_SERVER_UNAVAILABLE);
  assertNoLeaks();
});

Deno.test("processes fanned out equal listProcesses({ server }) one by one", async () => {
  useDoubles();
  const servers = farm();
  armVanishing();
  const expected = await serially(servers, (server) => listProcesses({ server }));
  armVanishing();
  const results = await listProcessesOnServers(servers, { timeoutMs: 30_000 });
  assert.deepEqual(results.map(outcome), expected);
  const filtered = await listProcessesOnServers(servers.slice(0, 2), { session: 1 });
  const serial = await serially(
    servers.slice(0, 2),
    (server) => listProcesses({ server, session: 1 }),
  );
  assert.deepEqual(filtered.map(outcome), serial);
  assertNoLeaks();
});

// ---- one deadline per server, the open included --------------------------------------------------

Deno.test("the deadline covers the open: a server slow to open times out and is never enumerated", async () => {
  useDoubles();
  addServerWithSessions("stuck", 0, 2);
  doubles.setOpenDelay("stuck", 800);
  addServerWithSessions("healthy", 0, 2);
  const results = await listSessionsOnServers(["stuck", "healthy"], { timeoutMs: 250 });
  const [stuck, healthy] = results;
  assert.ok(stuck && !stuck.ok && stuck.error instanceof ServerTimeoutError);
  assert.ok(healthy?.ok && healthy.value.length === 2);
  await settleLateAnswers();
  // The late open's handle was closed at once; only the healthy server was enumerated/queried.
  assert.equal(doubles.calls("WTSOpenServerW"), 2);
  assert.equal(doubles.calls("WTSEnumerateSessionsExW"), 1);
  assert.equal(doubles.calls("WTSQuerySessionInformationW"), 8);
  assertNoLeaks();
});

Deno.test("many servers stuck in the open do not hold the healthy ones (Workers too)", async () => {
  useDoubles();
  const servers: string[] = [];
  for (let i = 0; i < 16; i++) {
    const name = `mixed${i}`;
    servers.push(name);
    addServerWithSessions(name, 0, 2);
    if (i % 2 === 1) doubles.setOpenDelay(name, 2000);
  }
  // A first fan-out loads (and under deno test, type-checks) the Worker module, so the deadline
  // below is about the servers; it is generous too: a Worker's start-up blocks this thread
  // (more under deno test, which checks the Worker's module inside `new Worker`).
  await listSessionsOnServers(servers.filter((_, i) => i % 2 === 0).concat(["mixed0"]));
  doubles.reset();
  for (let i = 0; i < 16; i++) {
    addServerWithSessions(`mixed${i}`, 0, 2);
    if (i % 2 === 1) doubles.setOpenDelay(`mixed${i}`, 2000);
  }
  const results = await listSessionsOnServers(servers, { timeoutMs: 1000 });
  results.forEach((result, i) => {
    if (i % 2 === 1) assert.ok(!result.ok && result.error instanceof ServerTimeoutError);
    else {assert.ok(
        result.ok && result.value.length === 2,
        `${result.server} answered: ${
          JSON.stringify(result.ok || [result.error.message, result.elapsedMs])
        }`,
      );}
  });
  await settleLateAnswers();
  assert.equal(doubles.calls("WTSEnumerateSessionsExW"), 8);
  assertNoLeaks();
});

Deno.test("aborting a fan-out spread over Workers rejects, and every late answer is freed", async () => {
  useDoubles();
  const servers = Array.from({ length: 10 }, (_, i) => `slow${i}`);
  for (const name of servers) {
    addServerWithSessions(name, 300, 3);
    doubles.setOpenDelay(name, 300);
  }
  const controller = new AbortController();
  const pending = listSessionsOnServers(servers, { signal: controller.signal });
  // Aborted while the opens are in flight (the listing needs at least 3 × 300 ms).
  setTimeout(() => controller.abort(new Error("operator stopped it")), 50);
  await assert.rejects(pending, /operator stopped it/);
  await settleLateAnswers();
  assertNoLeaks();
});
