/**
 * Where a fan-out's server tasks run: the main thread first, then Workers, started only when the
 * work needs them and ended as soon as they have nothing left to run.
 *
 * Why Workers: Deno runs at most 32 nonblocking FFI calls at once per isolate (its blocking
 * thread pool; measured: calls 33–64 wait for a second round), and each Worker is an isolate
 * with its own 32. A task keeps {@linkcode callsInFlight} calls in flight, so the tasks are
 * spread over as many lanes of 32 as their calls need, capped at {@linkcode MAX_LANES}; lane 0
 * is the main thread, which costs no start-up. Work that fits in 32 calls never starts a Worker.
 *
 * A Worker that fails to start (e.g. a `deno compile` binary built without the worker module)
 * hands its tasks back to the main thread, which runs them there: slower, never wrong.
 *
 * @module
 */

import { dllDirectoryInEffect } from "../ffi/load.ts";
import {
  abandon,
  type Abandonable,
  callsInFlight,
  errorFromWire,
  runServerTask,
  type ServerTask,
} from "./_fanout_task.ts";
import type { FromWorker, ToWorker } from "./_fanout_worker.ts";

/** Deno's nonblocking FFI calls per isolate that run at once (measured; not configurable). */
export const CALLS_PER_LANE = 32;

/**
 * At most this many lanes: the main thread plus one Worker per further core, 8 in all at most.
 * Starting a Worker is CPU work (a V8 isolate and Deno's bootstrap: about 20 ms of one core
 * measured, an empty Worker included), so Workers beyond the core count start one after another
 * and cost more than the round trips they save (measured on 2 cores: 32 servers' sessions took
 * 370–760 ms on 2 lanes and 630–930 ms on 8). Beyond the cap, calls queue within their lane.
 */
export const MAX_LANES: number = Math.min(8, Math.max(2, navigator.hardwareConcurrency ?? 2));

/** How one task ended. */
export type TaskOutcome = { ok: true; value: unknown } | { ok: false; error: Error };

/** A task on its way: its outcome, and how to give it up. */
export interface RunningTask {
  /** Settles once the task's last call returned and its handle is closed. Never rejects. */
  readonly done: Promise<TaskOutcome>;
  /** No further call of the task starts; what is running still frees what it returns. */
  abandon(): void;
  /** Which lane runs it: 0 is the main thread. */
  readonly lane: number;
}

const settle = (promise: Promise<unknown>): Promise<TaskOutcome> =>
  promise.then(
    (value): TaskOutcome => ({ ok: true, value }),
    (error): TaskOutcome => ({
      ok: false,
      error: error instanceof Error ? error : new Error(String(error)),
    }),
  );

function runOnMainThread(task: ServerTask): RunningTask {
  const state: Abandonable = { abandoned: false };
  return { done: settle(runServerTask(task, state)), abandon: () => abandon(state), lane: 0 };
}

const WORKER_URL = new URL("./_fanout_worker.ts", import.meta.url);

/**
 * Whether a Worker could load its module without a permission prompt or error: a local module
 * needs read permission for its file (Deno checks it for Workers, unlike the main module graph),
 * a remote one the import permission for its host. Asked, never requested. Without it the
 * fan-out runs every task on the main thread (slower, same results) instead of printing a
 * Worker's "Requires read access" error.
 */
function workersAllowed(): boolean {
  try {
    const descriptor: Deno.PermissionDescriptor = WORKER_URL.protocol === "file:"
      ? { name: "read", path: WORKER_URL }
      : { name: "import", host: WORKER_URL.host };
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

/** One Worker and the tasks it has not answered yet. */
class PoolWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { task: ServerTask; resolve: (outcome: TaskOutcome) => void; abandoned: boolean }
  >();
  #nextId = 0;
  #closed = false;

  constructor() {
    this.#worker = new Worker(WORKER_URL, { type: "module" });
    this.#post({ type: "init", dllDirectory: dllDirectoryInEffect() });
    this.#worker.onmessage = ({ data }: MessageEvent<FromWorker>) => {
      const entry = this.#pending.get(data.id);
      if (entry === undefined) return;
      this.#pending.delete(data.id);
      entry.resolve(data.ok ? data : { ok: false, error: errorFromWire(data.error) });
      this.#closeIfIdle();
    };
    this.#worker.onerror = (event) => {
      // The Worker could not start or died: its unanswered tasks run on the main thread.
      event.preventDefault();
      this.#closed = true;
      this.#worker.terminate();
      for (const { task, resolve, abandoned } of this.#pending.values()) {
        const rerun = runOnMainThread(task);
        if (abandoned) rerun.abandon();
        rerun.done.then(resolve);
      }
      this.#pending.clear();
    };
  }

  #post(message: ToWorker): void {
    this.#worker.postMessage(message);
  }

  run(task: ServerTask, lane: number): RunningTask {
    const id = this.#nextId++;
    let entry!: { task: ServerTask; resolve: (outcome: TaskOutcome) => void; abandoned: boolean };
    const done = new Promise<TaskOutcome>((resolve) => {
      entry = { task, resolve, abandoned: false };
    });
    this.#pending.set(id, entry);
    this.#post({ type: "run", id, task });
    return {
      done,
      lane,
      abandon: () => {
        entry.abandoned = true;
        if (!this.#closed && this.#pending.has(id)) this.#post({ type: "abandon", id });
      },
    };
  }

  /** Ends the Worker once every task it was given has answered (late ones included). */
  #closeIfIdle(): void {
    if (this.#pending.size === 0 && !this.#closed) {
      this.#closed = true;
      this.#worker.terminate();
    }
  }
}

/**
 * Starts every task, spread over as many lanes as their calls in flight need. Each task is put
 * on the lane with the fewest calls so far (the main thread wins ties), so lanes fill evenly.
 */
export function startTasks(tasks: readonly ServerTask[]): RunningTask[] {
  const calls = tasks.reduce((sum, task) => sum + callsInFlight(task), 0);
  const needed = Math.max(1, Math.ceil(calls / CALLS_PER_LANE));
  const laneCount = needed > 1 && workersAllowed() ? Math.min(MAX_LANES, needed) : 1;
  const load = new Array<number>(laneCount).fill(0);
  const lanes = tasks.map((task) => {
    let lane = 0;
    for (let i = 1; i < laneCount; i++) if (load[i]! < load[lane]!) lane = i;
    load[lane]! += callsInFlight(task);
    return lane;
  });
  const workers = new Map<number, PoolWorker>();
  return tasks.map((task, index) => {
    const lane = lanes[index]!;
    if (lane === 0) return runOnMainThread(task);
    let worker = workers.get(lane);
    if (worker === undefined) {
      try {
        workers.set(lane, worker = new PoolWorker());
      } catch {
        return runOnMainThread(task); // Workers unavailable here: same work, main thread
      }
    }
    return worker.run(task, lane);
  });
}
