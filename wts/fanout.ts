/**
 * Many servers at once: the same query sent to every server concurrently on Deno's nonblocking
 * FFI threads, each with its own timeout, each answered on its own. One dead server never sinks
 * the rest.
 *
 * A timed-out server's call keeps running on its pool thread (Win32 calls cannot be cancelled).
 * Its late answer is still freed when it arrives and the server handle is closed then, so
 * nothing leaks; {@linkcode settleLateAnswers} waits for those stragglers (a program that wants
 * to exit at once can simply call `Deno.exit`).
 *
 * Error codes: Win32's last error is per thread and these calls run on pool threads, so the
 * main thread's `GetLastError` would be meaningless after a failure there. A failed
 * enumeration is therefore repeated once synchronously on the main thread, and the code read
 * after that repeat is the one reported; this is only done when the failure came back fast
 * (under a second: access denied, unknown server, a refused connection), so the repeat cannot
 * stall the event loop. A slower failure is reported as a `NonblockingCallError`, which says
 * the code is unknown rather than inventing one.
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
import { callContext, closeServerHandle, contextOptions, openServerHandle } from "./_context.ts";
import { listSessions, type Session } from "./sessions.ts";
import { listProcesses, type ListProcessesOptions, type ProcessInfo } from "./processes.ts";

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

/** Calls still running for servers whose result was already given up (timeout, abort). */
const lateAnswers = new Set<Promise<void>>();

/**
 * Resolves once every call that outlived its server's timeout (or an abort) has returned, had
 * its buffer freed and its handle closed.
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

function fanOut<T>(
  servers: readonly string[],
  options: FanOutOptions | undefined,
  run: (options: object) => Promise<T>,
): Promise<ServerResult<T>[]> {
  const timeoutMs = options?.timeoutMs ?? 10_000;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    return Promise.reject(new RangeError(`timeoutMs must be a positive number, got ${timeoutMs}`));
  }
  const signal = options?.signal;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const results: ServerResult<T>[] = new Array(servers.length);
    const abandonAll: (() => void)[] = [];
    let remaining = servers.length;
    let done = false;
    const onAbort = () => {
      if (done) return;
      done = true;
      for (const abandon of abandonAll) abandon();
      reject(signal!.reason);
    };
    const complete = () => {
      if (done) return;
      done = true;
      signal?.removeEventListener("abort", onAbort);
      resolve(results);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    if (remaining === 0) complete();
    servers.forEach((server, index) => {
      const started = performance.now();
      let answered = false;
      const timing: { timer?: ReturnType<typeof setTimeout> } = {};
      const answer = (result: ServerResult<T>) => {
        if (answered) return;
        answered = true;
        clearTimeout(timing.timer);
        results[index] = result;
        if (--remaining === 0) complete();
      };
      const failed = (error: unknown): ServerResult<T> => ({
        server,
        ok: false,
        error: error instanceof Error ? error : new Error(String(error)),
        elapsedMs: performance.now() - started,
      });
      let handle: Deno.PointerObject;
      try {
        handle = openServerHandle(server);
      } catch (error) {
        answer(failed(error));
        return;
      }
      const context = callContext(handle, server, true);
      const abandon = () => {
        context.abandoned = true;
        clearTimeout(timing.timer);
      };
      abandonAll.push(abandon);
      timing.timer = setTimeout(() => {
        abandon();
        answer(failed(new ServerTimeoutError(server, timeoutMs)));
      }, timeoutMs);
      const work: Promise<void> = run(contextOptions(context))
        .then(
          (value): ServerResult<T> => ({
            server,
            ok: true,
            value,
            elapsedMs: performance.now() - started,
          }),
          failed,
        )
        .then((result) => {
          // Only now, never at the timeout: a timed-out call may still be using the handle.
          closeServerHandle(handle);
          lateAnswers.delete(work);
          answer(result);
        });
      lateAnswers.add(work);
    });
  });
}

/**
 * {@linkcode listSessions} on many servers concurrently, each with its own timeout.
 *
 * How long it takes: every call runs on Deno's nonblocking FFI threads, and Deno runs at most
 * 32 of them at once per isolate (measured; the core count does not change it). One server's
 * listing is a chain: one enumeration, then 4 WTSQuerySessionInformationW per session (up to
 * 2 sessions' 8 queries at a time per server). With `s` servers of `k` sessions each that is
 * `s × (1 + 4k)` calls, so at least `ceil(s × (1 + 4k) / 32)` rounds of one round trip, against
 * `1 + ceil(k / 2)` rounds for one server. 32 servers of 2 sessions answering in 50 ms: 288
 * calls = 9 rounds = 450 ms, 4.5× one server's 2 rounds (100 ms), and the scheduling already
 * reaches that bound (measured 452–460 ms). Fewer rounds need fewer calls: 3 queries per
 * session (client name and address from one WTSClientInfo) would be 7 rounds (3.5×); 2× would
 * need at most 1.5 queries per session, which per-session details (times, client, protocol)
 * cannot give.
 * {@linkcode listProcessesOnServers} is one call per server, one round.
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
  return fanOut(servers, options, (context) => listSessions(context));
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
  return fanOut(
    servers,
    options,
    (context) => listProcesses({ ...context, session } as ListProcessesOptions),
  );
}
