/**
 * One merged event stream from several servers: `watchSessions` on each, events interleaved as
 * they come, each with its server; a server that fails becomes one `error` event in the stream
 * and the others go on.
 *
 * @example
 * ```ts ignore
 * import { watchServers } from "../mod.ts";
 *
 * for await (const event of watchServers(["rdsh01", "rdsh02"])) {
 *   if (event.type === "error") console.error(event.server, event.error.message);
 *   else console.log(event.server, event.type, event.user);
 * }
 * ```
 *
 * @module
 */

import { type SessionEvent, type WatchOptions, watchSessions } from "./events.ts";

/** A server's watch failed (it could not start, or its wait or listing failed later). */
export interface WatchErrorEvent {
  /** Always `"error"`. */
  type: "error";
  /** The server that failed. */
  server: string;
  /** When the failure was seen. */
  at: Date;
  /** The failure: a `WindowsError`, a `NonblockingCallError`, … */
  error: Error;
}

/** What {@linkcode watchServers} yields. */
export type WatchEvent = SessionEvent | WatchErrorEvent;

/** Options of {@linkcode watchServers}: those of `watchSessions` but the server. */
export interface WatchServersOptions extends Omit<WatchOptions, "server" | "onWatching"> {
  /** Called once per server when its watch has really begun. */
  onWatching?: (server: string) => void;
}

/**
 * Watches several servers at once, as one stream. Each server gets its own
 * {@linkcode watchSessions} (same options); events are yielded in the order they arrive. When
 * one server fails, an {@linkcode WatchErrorEvent} names it and its watch ends; the stream
 * ends when every server's watch has ended, when `signal` aborts, or when the loop is left
 * (every pending wait is then flushed and every handle closed before `return()` settles).
 * Names are compared case-insensitively, and a repeated one is watched once.
 *
 * @example Until Ctrl+C, with one failing server reported and the rest going on
 * ```ts ignore
 * import { watchServers } from "../mod.ts";
 *
 * const stop = new AbortController();
 * Deno.addSignalListener("SIGINT", () => stop.abort());
 * for await (const event of watchServers(["rdsh01", "rdsh02"], { signal: stop.signal })) {
 *   console.log(JSON.stringify({ ...event, at: event.at.toISOString() }));
 * }
 * ```
 *
 * @param servers The server names (`""` is the local server).
 * @param options An abort signal, and `details`, `lockState`, `pollMs` as for watchSessions.
 * @returns The merged stream; it starts on the first `next()`.
 */
export async function* watchServers(
  servers: readonly string[],
  options: WatchServersOptions = {},
): AsyncGenerator<WatchEvent, void, undefined> {
  const seen = new Set<string>();
  const names = servers.filter((name) => {
    const key = name.toLowerCase();
    return seen.has(key) ? false : (seen.add(key), true);
  });
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const queue: WatchEvent[] = [];
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  let running = names.length;
  const pump = async (server: string) => {
    try {
      const onWatching = options.onWatching && (() => options.onWatching!(server));
      for await (const event of watchSessions({ ...options, server, signal, onWatching })) {
        queue.push(event);
        notify();
      }
    } catch (error) {
      if (!signal.aborted) {
        const failure = error instanceof Error ? error : new Error(String(error));
        queue.push({ type: "error", server, at: new Date(), error: failure });
      }
    } finally {
      running--;
      notify();
    }
  };
  const pumps = names.map(pump);
  try {
    while (true) {
      const event = queue.shift();
      if (event !== undefined) {
        yield event;
        continue;
      }
      if (running === 0 || signal.aborted) return;
      await new Promise<void>((resolve) => wake = resolve);
    }
  } finally {
    stop.abort();
    await Promise.all(pumps);
  }
}
