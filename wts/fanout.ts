/**
 * Many servers at once: the same query sent to every server concurrently, each server with one
 * deadline of its own (from the moment it is asked: the open and every call), each answered on
 * its own. One dead server never sinks the rest, and costs nothing beyond its own deadline.
 *
 * Nothing that may touch the network runs on the main thread, the open included
 * (WTSOpenServerW is an RPC of its own, MS-TSTS RpcWinStationOpenServer): every call is
 * nonblocking. Deno runs a bounded number of nonblocking FFI calls at once per isolate (32 on
 * Linux, 4 per core on Windows: `CALLS_PER_LANE` in `_pool.ts`), so when the servers' calls in
 * flight exceed that, pool Workers (isolates with a thread pool each) start at once and take
 * single calls off the main thread, which keeps running every server's listing code, the
 * serial path's own (see `_pool.ts`).
 *
 * A timed-out server's call keeps running on its pool thread (Win32 calls cannot be cancelled).
 * No further call of it starts; what it returns is still freed when it arrives and the server
 * handle is closed then (a late open is closed at once), so nothing leaks;
 * {@linkcode settleLateAnswers} waits for those stragglers (a program that wants to exit at
 * once can simply call `Deno.exit`).
 *
 * Error codes: Win32's last error is per thread and these calls run on pool threads, so the
 * calling thread's `GetLastError` would be meaningless after a failure there. A failed open or
 * enumeration is therefore repeated once synchronously (on the thread that runs the server's
 * task), and the code read after that repeat is the one reported; this is only done when the
 * failure came back fast (under a second: access denied, unknown server, a refused
 * connection), so the repeat cannot stall the event loop. A slower failure is reported as a
 * `NonblockingCallError`, which says the code is unknown rather than inventing one.
 *
 * @example Sessions of a farm, dead servers reported but not fatal
 * ```ts ignore
 * import { listSessionsOnServers } from "../mod.ts";
 *
 * const results = await listSessionsOnServers(["rdsh01", "rdsh02", "rdsh03"], { timeoutMs: 5000 });
 * for (const result of results) {
 *   if (result.ok) console.log(result.server, result.value.length, "sessions");
 *   else console.error(result.server, result.error.message);
 * }
 * ```
 *
 * @module
 */

import { ServerTimeoutError } from "../ffi/errors.ts";
import type { Session } from "./sessions.ts";
import type { ProcessInfo } from "./processes.ts";
import {
  abandon,
  type Abandonable,
  callsInFlight,
  runServerTask,
  type ServerTask,
} from "./_fanout_task.ts";
import { pool } from "./_pool.ts";

/** One server's answer: its value, or why there is none, and how long it took. */
export type ServerResult<T> =
  | { server: string; ok: true; value: T; elapsedMs: number }
  | { server: string; ok: false; error: Error; elapsedMs: number };

/** Options of the fan-out functions. */
export interface FanOutOptions {
  /** Per-server time limit in milliseconds; default 10000. */
  timeoutMs?: number;
  /** Aborting rejects the whole call with the signal's reason; late answers are still freed. */
  signal?: AbortSignal;
}

/** Options of {@linkcode listProcessesOnServers}. */
export interface FanOutProcessOptions extends FanOutOptions {
  /** Only this session's processes (the same ID on every server); omit for all. */
  session?: number;
}

// Moved to ffi/errors.ts (one error hierarchy); re-exported so existing imports keep working.
export { ServerTimeoutError } from "../ffi/errors.ts";

/** Tasks still running for servers whose result was already given up (timeout, abort). */
const lateAnswers = new Set<Promise<unknown>>();

/**
 * Resolves once every call that outlived its server's timeout (or an abort) has returned, had
 * its buffer freed and its handle closed, and every pool Worker has ended.
 *
 * @example Exiting cleanly after a fan-out with timeouts
 * ```ts ignore
 * import { listSessionsOnServers, settleLateAnswers } from "../mod.ts";
 *
 * const results = await listSessionsOnServers(["rdsh01", "slow02"], { timeoutMs: 2000 });
 * console.log(results.map((r) => r.ok));
 * await settleLateAnswers();
 * ```
 *
 * @returns When no late answer is outstanding.
 */
export async function settleLateAnswers(): Promise<void> {
  while (lateAnswers.size > 0) await Promise.all(lateAnswers);
}

/** How one task ended. */
type TaskOutcome = { ok: true; value: unknown } | { ok: false; error: Error };

const settle = (promise: Promise<unknown>): Promise<TaskOutcome> =>
  promise.then(
    (value): TaskOutcome => ({ ok: true, value }),
    (error): TaskOutcome => ({
      ok: false,
      error: error instanceof Error ? error : new Error(String(error)),
    }),
  );

function fanOut<T>(
  tasks: readonly ServerTask[],
  options: FanOutOptions | undefined,
): Promise<ServerResult<T>[]> {
  const timeoutMs = options?.timeoutMs ?? 10_000;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    return Promise.reject(new RangeError(`timeoutMs must be a positive number, got ${timeoutMs}`));
  }
  const signal = options?.signal;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const results: ServerResult<T>[] = new Array(tasks.length);
    const timers: ReturnType<typeof setTimeout>[] = [];
    let remaining = tasks.length;
    let done = false;
    const started = performance.now();
    // Everything that touches a server, the open included, runs off this thread from here on:
    // the opens start now, then the Workers the calls will need (starting the first blocks this
    // thread for a while, so the opens go first).
    const states = tasks.map((): Abandonable => ({ abandoned: false }));
    const running = tasks.map((task, index) =>
      settle(runServerTask(task, states[index]!, pool.run))
    );
    const release = pool.reserve(
      tasks.reduce((sum, task) => sum + callsInFlight(task), 0),
      timeoutMs,
    );
    // The pool is released once every task has ended, late answers included (and
    // settleLateAnswers waits for that too, so no Worker outlives it).
    const released: Promise<unknown> = Promise.all(running).then(() => {
      release();
      lateAnswers.delete(released);
    });
    lateAnswers.add(released);
    const finish = () => {
      done = true;
      for (const timer of timers) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      if (done) return;
      finish();
      for (const state of states) abandon(state);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    if (remaining === 0) {
      finish();
      resolve(results);
      return;
    }
    running.forEach((outcomeOf, index) => {
      const server = tasks[index]!.server;
      let answered = false;
      const answer = (result: ServerResult<T>) => {
        if (answered || done) return;
        answered = true;
        clearTimeout(timers[index]);
        results[index] = result;
        if (--remaining === 0) {
          finish();
          resolve(results);
        }
      };
      // One deadline per server, from the moment it was asked: open + every call. Judged one
      // turn of the event loop after it passed, so that an answer which arrived while this
      // thread was blocked (starting a pool Worker blocks it) is taken, not reported late.
      const timeOut = () => {
        abandon(states[index]!);
        answer({
          server,
          ok: false,
          error: new ServerTimeoutError(server, timeoutMs),
          elapsedMs: performance.now() - started,
        });
      };
      timers[index] = setTimeout(() => (timers[index] = setTimeout(timeOut, 0)), timeoutMs);
      const settled = outcomeOf.then((outcome) => {
        lateAnswers.delete(settled);
        const elapsedMs = performance.now() - started;
        answer(
          outcome.ok
            ? { server, ok: true, value: outcome.value as T, elapsedMs }
            : { server, ok: false, error: outcome.error, elapsedMs },
        );
      });
      lateAnswers.add(settled);
    });
  });
}

/**
 * {@linkcode listSessions} on many servers concurrently, each with its own timeout.
 *
 * How long it takes: one server's listing is a chain of round trips: the open, one
 * enumeration, then 4 WTSQuerySessionInformationW per session, 8 at a time (3 round trips for 2
 * sessions). `s` servers of `k` sessions need `s × (2 + 4k)` calls, and each lane (the main
 * thread, each Worker) runs 32 at once, so the time is about
 * `max(chain, s × (2 + 4k) / (32 × lanes))` round trips, plus a Worker's start-up (20–90 ms of
 * CPU each, measured) when more than one lane is needed. See the README's "Many servers".
 * {@linkcode listProcessesOnServers} is two calls per server (open, enumeration).
 *
 * @example
 * ```ts ignore
 * import { listSessionsOnServers } from "../mod.ts";
 *
 * const results = await listSessionsOnServers(["rdsh01", "rdsh02"], { timeoutMs: 3000 });
 * const sessions = results.flatMap((r) => r.ok ? r.value : []);
 * console.log(sessions.filter((s) => s.state === "Active").length, "active sessions");
 * ```
 *
 * @param servers The servers' names.
 * @param options Per-server timeout and an abort signal.
 * @returns One result per server, in the order given.
 */
export function listSessionsOnServers(
  servers: readonly string[],
  options?: FanOutOptions,
): Promise<ServerResult<Session[]>[]> {
  return fanOut(servers.map((server) => ({ kind: "sessions", server })), options);
}

/**
 * {@linkcode listProcesses} on many servers concurrently, each with its own timeout.
 *
 * @example
 * ```ts ignore
 * import { listProcessesOnServers } from "../mod.ts";
 *
 * const results = await listProcessesOnServers(["rdsh01", "rdsh02"], { timeoutMs: 3000 });
 * for (const r of results) {
 *   if (r.ok) console.log(r.server, r.value.filter((p) => p.name === "excel.exe").length);
 * }
 * ```
 *
 * @param servers The servers' names.
 * @param options Per-server timeout, an abort signal and an optional session filter.
 * @returns One result per server, in the order given.
 */
export function listProcessesOnServers(
  servers: readonly string[],
  options?: FanOutProcessOptions,
): Promise<ServerResult<ProcessInfo[]>[]> {
  const session = options?.session;
  return fanOut(servers.map((server) => ({ kind: "processes", server, session })), options);
}
