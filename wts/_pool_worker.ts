/**
 * The main thread's side of one fan-out pool Worker (`_call_worker.ts`): starting it, sending
 * it calls in batches, matching its answers to the callers, and what happens when it fails.
 * Which call goes where is `_pool.ts`'s decision; this file only carries calls.
 *
 * @module
 */

import { argsToWire, copyBuffersBack, valueFromWire } from "./_call_wire.ts";
import type { FromCallWorker, ToCallWorker, WireCall, WireResult } from "./_call_wire.ts";

/** The Workers' module: nothing else is loaded into them. */
export const CALL_WORKER_URL: URL = new URL("./_call_worker.ts", import.meta.url);

/** A call waiting for its Worker's answer. */
interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  /** The caller's buffer arguments, which receive what the call left in them. */
  buffers: Uint8Array[];
}

/** What the pool hears about its Workers. */
export interface PoolWorkerEvents {
  /** A Worker takes calls now. */
  ready(worker: PoolWorker): void;
  /** A call a Worker ran has returned, or failed with the Worker (its slot is free again). */
  returned(worker: PoolWorker): void;
  /** A Worker could not start (it was sent no call). */
  failedToStart(worker: PoolWorker): void;
}

/** One pool Worker as the main thread sees it, and the calls it has not answered. */
export class PoolWorker {
  readonly #worker: Worker;
  readonly #events: PoolWorkerEvents;
  readonly #pending = new Map<number, Pending>();
  /** Symbols whose definition this Worker has been sent (`path\nname`). */
  readonly #defined = new Set<string>();
  #outbox: WireCall[] = [];
  #nextId = 0;
  #state: "starting" | "ready" | "gone" = "starting";

  /**
   * Starts the Worker. `new Worker` blocks this thread until the Worker's isolate exists
   * (measured 13–60 ms on 2 busy cores), which is why the pool starts one per turn of the
   * event loop. Throws when Workers cannot be created here at all.
   */
  constructor(events: PoolWorkerEvents) {
    this.#events = events;
    this.#worker = new Worker(CALL_WORKER_URL, { type: "module" });
    this.#worker.onmessage = ({ data }: MessageEvent<FromCallWorker>) => {
      if (data.type === "results") this.#answer(data.results);
      else if (this.#state === "starting") {
        this.#state = "ready";
        events.ready(this);
      }
    };
    this.#worker.onerror = (event) => {
      // Not fatal to the program: the pool carries on without this Worker.
      event.preventDefault();
      this.fail(event.message ?? "its module failed to load");
    };
  }

  /** Whether it takes calls. */
  get ready(): boolean {
    return this.#state === "ready";
  }

  /** Calls sent and not answered yet. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /**
   * Runs `definition` (the twin `name` in the library file `path`) with `args` in the Worker.
   * Settles once the Worker has answered, with the caller's buffers already holding what the
   * call left in them.
   */
  call(
    path: string,
    name: string,
    definition: Deno.ForeignFunction,
    args: readonly unknown[],
  ): Promise<unknown> {
    const { wire, buffers } = argsToWire(args);
    const id = this.#nextId++;
    const key = `${path}\n${name}`;
    const call: WireCall = { id, path, name, args: wire };
    if (!this.#defined.has(key)) {
      this.#defined.add(key);
      call.definition = definition;
    }
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, buffers });
      if (this.#outbox.length === 0) queueMicrotask(() => this.#flush());
      this.#outbox.push(call);
    });
  }

  /**
   * The Worker is gone (it could not start, or died). One that never became ready was sent no
   * call, so nothing is lost and its share runs elsewhere. One that dies with calls in flight
   * (nothing in winsession makes it: its code catches every error of a call) cannot say what
   * they did: they fail with this error, and a block such a call may have returned is lost.
   */
  fail(reason: string): void {
    if (this.#state === "gone") return;
    const wasStarting = this.#state === "starting";
    this.#state = "gone";
    this.#worker.terminate();
    const error = new Error(`a fan-out pool Worker stopped: ${reason}`);
    const lost = [...this.#pending.values()];
    this.#pending.clear();
    this.#outbox = [];
    for (const pending of lost) {
      pending.reject(error);
      this.#events.returned(this);
    }
    if (wasStarting) this.#events.failedToStart(this);
  }

  /** Ends the Worker. Only once nothing is in flight: a running call would lose its answer. */
  terminate(): void {
    this.#state = "gone";
    this.#worker.terminate();
  }

  #flush(): void {
    const calls = this.#outbox;
    this.#outbox = [];
    if (calls.length === 0 || this.#state === "gone") return; // fail() rejected them
    this.#worker.postMessage({ type: "calls", calls } satisfies ToCallWorker);
  }

  #answer(results: readonly WireResult[]): void {
    for (const result of results) {
      const pending = this.#pending.get(result.id);
      if (pending === undefined) continue;
      this.#pending.delete(result.id);
      if (result.ok) {
        copyBuffersBack(pending.buffers, result.buffers);
        pending.resolve(valueFromWire(result.value));
      } else {
        pending.reject(new Error(`a fan-out pool Worker could not run a call: ${result.message}`));
      }
      this.#events.returned(this);
    }
  }
}
