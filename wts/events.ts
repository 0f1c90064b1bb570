/**
 * A live stream of session events (logon, logoff, connect, disconnect, …) from
 * WTSWaitSystemEvent, as an async iterable.
 *
 * @example Log every logon and logoff until Ctrl+C
 * ```ts ignore
 * import { watchSessions } from "../mod.ts";
 *
 * const stop = new AbortController();
 * Deno.addSignalListener("SIGINT", () => stop.abort());
 * for await (const event of watchSessions({ signal: stop.signal })) {
 *   if (event.type === "logon" || event.type === "logoff") console.log(event.at, event.type);
 * }
 * ```
 *
 * @module
 */

import { wtsapi32 } from "../ffi/load.ts";
import { callBoolBlocking, freeBlock, OutBlock } from "../ffi/call.ts";
import { NonblockingCallError } from "../ffi/errors.ts";
import { closeServerHandle, openServerHandle } from "./_context.ts";
import type { ServerOption, SessionState } from "./sessions.ts";
import { watchWithDetails } from "./_watch_details.ts";

/** What happened (one `WTS_EVENT_*` bit). */
export type SessionEventType =
  | "create"
  | "delete"
  | "rename"
  | "connect"
  | "disconnect"
  | "logon"
  | "logoff"
  | "stateChange"
  | "licence";

/**
 * What an event says happened: a `WTS_EVENT_*` type, or `lock` / `unlock`, which no
 * `WTS_EVENT_*` bit reports and only a comparison of lock states finds.
 */
export type SessionEventKind = SessionEventType | "lock" | "unlock";

/**
 * One session event. With details (the default) it says who: the session, its user and
 * client, its state before and after. A wake whose comparison found no change (a licence
 * event, a change undone before the listing) is still reported, as raw events with
 * `sessionId` `null`, so nothing Windows signalled is dropped.
 */
export interface SessionEvent {
  /** What happened. */
  type: SessionEventKind;
  /**
   * The whole `WTS_EVENT_*` word the wait returned (several events can arrive together); 0 for
   * a change found by a `pollMs` re-reading, which no wait reported.
   */
  flags: number;
  /** When the wait returned (or the poll ran). */
  at: Date;
  /** `""` for the local server, else the server name given. */
  server: string;
  /** The session, or `null` for a raw event (no details, or no change found). */
  sessionId: number | null;
  /** The user: who logged off for `logoff`/`delete`, else the session's user now; `""` if none. */
  user: string;
  /** The user's domain, `""` when none. */
  domain: string;
  /** The session's state in the earlier reading; `null` when it did not exist or for raw events. */
  stateBefore: SessionState | null;
  /** The session's state now; `null` once it is gone, and for raw events. */
  state: SessionState | null;
  /** The client computer's name (the last one known), `""` when none. */
  clientName: string;
  /** The client's address as the client reported it (the last one known), or `null`. */
  clientAddress: string | null;
  /** Whether the desktop is locked now: only read with `lockState: true`, else `null`. */
  locked: boolean | null;
}

/** Options of {@linkcode watchSessions}. */
export interface WatchOptions extends ServerOption {
  /** Aborting ends the stream cleanly (the pending wait is flushed). */
  signal?: AbortSignal;
  /**
   * Say who (default true): list the sessions at the start and after each wake, and yield one
   * event per change found (see {@linkcode SessionEvent}). `false` yields only the raw
   * `WTS_EVENT_*` bits, without a listing per wake.
   */
  details?: boolean;
  /**
   * Also read every session's lock state at each listing (one more query per session) and
   * yield `lock` / `unlock`; default false. No `WTS_EVENT_*` bit reports a lock, so lock changes
   * are only seen at the next wake or `pollMs` re-reading.
   */
  lockState?: boolean;
  /**
   * Also re-read the session table this often (milliseconds) without a wake, to see changes no
   * event reports (locks); default none.
   */
  pollMs?: number;
  /**
   * Called once when watching has really begun: the library loaded, the server answered and the
   * first wait is about to be posted. A failure before that point never calls it, so a CLI can
   * print "watching…" here and stay silent (one error line) when the watch cannot start.
   */
  onWatching?: () => void;
}

/** `WTS_EVENT_*` bits, in the order events of one word are yielded. */
export const SESSION_EVENT_BITS: Readonly<Record<SessionEventType, number>> = {
  create: 0x1,
  delete: 0x2,
  rename: 0x4,
  connect: 0x8,
  disconnect: 0x10,
  logon: 0x20,
  logoff: 0x40,
  stateChange: 0x80,
  licence: 0x100,
};

const EVENT_TYPES = Object.entries(SESSION_EVENT_BITS) as [SessionEventType, number][];
const WTS_EVENT_ALL = 0x7fff_ffff;
const WTS_EVENT_FLUSH = 0x8000_0000;
/** The longest `pollMs`: a timer's limit (2^31 − 1 ms); a longer delay would fire at once. */
const MAX_POLL_MS = 2 ** 31 - 1;
/** How often a stop re-posts the flush, in case the wait had not started when it was posted. */
const REFLUSH_MS = 20;

/**
 * The events of one `WTS_EVENT_*` word, one per set bit, in bit order.
 *
 * @example
 * ```ts
 * import { sessionEvents } from "./events.ts";
 * import assert from "node:assert/strict";
 *
 * const at = new Date();
 * assert.deepEqual(sessionEvents(0x28, at).map((e) => e.type), ["connect", "logon"]);
 * ```
 *
 * @param flags The word WTSWaitSystemEvent returned.
 * @param at When it returned.
 * @param server The server's name, `""` for the local one.
 * @returns The events; none for `WTS_EVENT_NONE`.
 */
export function sessionEvents(flags: number, at: Date, server = ""): SessionEvent[] {
  const events: SessionEvent[] = [];
  for (const [type, bit] of EVENT_TYPES) {
    if ((flags & bit) !== 0) {
      events.push({
        type,
        flags,
        at,
        server,
        sessionId: null,
        user: "",
        domain: "",
        stateBefore: null,
        state: null,
        clientName: "",
        clientAddress: null,
        locked: null,
      });
    }
  }
  return events;
}

function sleep(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/**
 * The iterator behind {@linkcode watchSessions}. One wait is kept pending from the first
 * `next()` until the stream ends, so events arriving while the consumer is busy are queued,
 * not lost.
 */
class SessionWatcher implements AsyncIterableIterator<SessionEvent> {
  readonly #server: string;
  readonly #signal: AbortSignal | undefined;
  readonly #onWatching: (() => void) | undefined;
  #handle: Deno.PointerValue = null;
  #queue: SessionEvent[] = [];
  #readers: {
    resolve: (result: IteratorResult<SessionEvent>) => void;
    reject: (error: unknown) => void;
  }[] = [];
  #loop: Promise<void> | undefined;
  #waiting = false;
  #stopping = false;
  #finished = false;
  #failure: { error: unknown } | undefined;
  #onAbort = () => void this.#stop();

  constructor(
    server: string,
    signal: AbortSignal | undefined,
    onWatching: (() => void) | undefined,
  ) {
    this.#server = server;
    this.#signal = signal;
    this.#onWatching = onWatching;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<SessionEvent>> {
    if (this.#loop === undefined && !this.#finished) {
      if (this.#signal?.aborted) {
        this.#finished = true;
        return Promise.resolve(done());
      }
      this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
      // May finish at once (an unknown server fails before the first wait).
      this.#loop = this.#run();
    }
    const event = this.#queue.shift();
    if (event !== undefined) return Promise.resolve({ value: event, done: false });
    if (this.#finished) {
      const failure = this.#failure;
      this.#failure = undefined;
      return failure ? Promise.reject(failure.error) : Promise.resolve(done());
    }
    return new Promise((resolve, reject) => this.#readers.push({ resolve, reject }));
  }

  async return(): Promise<IteratorResult<SessionEvent>> {
    await this.#stop();
    this.#queue.length = 0;
    return done();
  }

  async #run(): Promise<void> {
    try {
      // Inside the try: a missing --allow-ffi or a non-Windows host must end the stream with
      // that error, not become an unhandled rejection that leaves the iterator waiting.
      const wts = wtsapi32();
      if (this.#server !== "") {
        this.#handle = openServerHandle(this.#server);
        this.#checkServer();
      }
      const flags = new Uint32Array(1);
      const flagBytes = new Uint8Array(flags.buffer);
      if (!this.#stopping) this.#onWatching?.();
      while (!this.#stopping) {
        const started = performance.now();
        this.#waiting = true;
        const ok = await wts.WTSWaitSystemEvent(this.#handle, WTS_EVENT_ALL, flagBytes);
        this.#waiting = false;
        if (this.#stopping) break;
        if (ok === 0) {
          throw new NonblockingCallError(
            "WTSWaitSystemEvent",
            this.#server,
            performance.now() - started,
            "the wait ran on a worker thread and cannot be repeated to learn it",
          );
        }
        // WTS_EVENT_NONE: another watcher in this process flushed the shared local handle.
        if (flags[0] === 0) continue;
        this.#deliver(sessionEvents(flags[0]!, new Date(), this.#server));
      }
    } catch (error) {
      this.#failure = { error };
    } finally {
      closeServerHandle(this.#handle);
      this.#handle = null;
      this.#finish();
    }
  }

  /**
   * Before the first wait on a remote server, one blocking WTSEnumerateSessionsW (freed at
   * once): an unknown server or a denied access then fails with its real error code, which a
   * failed nonblocking wait could not report.
   */
  #checkServer(): void {
    const wts = wtsapi32();
    const out = new OutBlock();
    callBoolBlocking(wts, "WTSEnumerateSessionsW", [
      this.#handle,
      0,
      1,
      out.cellBytes,
      out.numberBytes,
    ]);
    freeBlock(out, wts.WTSFreeMemory);
  }

  #deliver(events: SessionEvent[]): void {
    for (const event of events) {
      const reader = this.#readers.shift();
      if (reader) reader.resolve({ value: event, done: false });
      else this.#queue.push(event);
    }
  }

  #finish(): void {
    this.#finished = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    const readers = this.#readers.splice(0);
    for (const reader of readers) {
      const failure = this.#failure;
      this.#failure = undefined;
      if (failure) reader.reject(failure.error);
      else reader.resolve(done());
    }
  }

  /**
   * Ends the stream: posts WTS_EVENT_FLUSH with the blocking twin on the same handle so the
   * pending wait returns, then waits for the loop to close the handle. The flush is posted
   * again every {@linkcode REFLUSH_MS} ms, because a flush only reaches waits already pending
   * and the nonblocking wait may not have entered WTSWaitSystemEvent yet.
   */
  async #stop(): Promise<void> {
    this.#stopping = true;
    const loop = this.#loop;
    if (loop === undefined) {
      if (!this.#finished) this.#finish();
      return;
    }
    let ended = false;
    void loop.then(() => ended = true);
    const scratch = new Uint8Array(4);
    while (!ended) {
      if (this.#waiting) wtsapi32().WTSWaitSystemEventFlush(this.#handle, WTS_EVENT_FLUSH, scratch);
      const pause = sleep(REFLUSH_MS);
      await Promise.race([loop, pause.promise]);
      pause.cancel();
    }
  }
}

function done(): IteratorResult<SessionEvent> {
  return { value: undefined, done: true };
}

/**
 * Session events as they happen, from WTSWaitSystemEvent (run on Deno's FFI thread pool, so
 * the event loop keeps running), saying who.
 *
 * The wait only returns a word of `WTS_EVENT_*` bits, so the sessions are listed when watching
 * starts and again after each wake (one `listSessions`: an enumeration and four queries per
 * session), and each difference becomes one {@linkcode SessionEvent} with the session, user,
 * client and states, and the wake's raw `flags`. A wake that changed nothing visible yields
 * its raw bits instead (`sessionId` `null`). Changes are never lost between two wakes: each
 * listing is compared with the previous one, so a change is reported at the latest with the
 * next wake (or `pollMs` re-reading). `lockState: true` adds `lock` / `unlock` (a lock raises no
 * `WTS_EVENT_*` bit: combine it with `pollMs`). `details: false` gives one raw event per set
 * bit and no listings.
 *
 * The stream ends cleanly when `signal` aborts or when a `for await` loop is left (`break`,
 * `return`, an exception): the pending wait is flushed with `WTS_EVENT_FLUSH` and a remote
 * server's handle is closed. A remote server is first checked with one blocking call, so an
 * unknown server or a denied access fails with its real {@linkcode WindowsError}; if the wait
 * itself fails later, its code is on a pool thread and cannot be read, so the error is a
 * `NonblockingCallError` instead of an invented code.
 *
 * Flushing the local server's wait flushes every local watcher of this process; the others
 * notice the empty answer and wait again.
 *
 * @example Stop after the first logoff
 * ```ts ignore
 * import { watchSessions } from "../mod.ts";
 *
 * for await (const event of watchSessions({ server: "rdsh01" })) {
 *   console.log(event.at.toISOString(), event.type, event.sessionId, event.user);
 *   if (event.type === "logoff") break; // flushes the wait and closes the handle
 * }
 * ```
 *
 * @param options The server, an abort signal, `details`, `lockState` and `pollMs`.
 * @returns The event stream; it starts listing and waiting on the first `next()`.
 * @throws {RangeError} When `pollMs` is not from 1 to 2^31 − 1.
 */
export function watchSessions(options?: WatchOptions): AsyncIterableIterator<SessionEvent> {
  const pollMs = options?.pollMs;
  if (pollMs !== undefined && !(pollMs >= 1 && pollMs <= MAX_POLL_MS)) {
    throw new RangeError(`pollMs must be from 1 to ${MAX_POLL_MS} milliseconds, got ${pollMs}`);
  }
  const raw = new SessionWatcher(options?.server ?? "", options?.signal, options?.onWatching);
  return options?.details === false ? raw : watchWithDetails(raw, options ?? {});
}
