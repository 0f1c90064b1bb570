/**
 * Where a fan-out's nonblocking calls run: this isolate's own thread pool first, then pool
 * Workers, started at the moment a fan-out begins when its calls will not fit, and ended when
 * the last fan-out using them has settled.
 *
 * Why Workers: Deno runs a bounded number of nonblocking FFI calls at once per isolate (its
 * blocking thread pool, {@linkcode CALLS_PER_LANE}), and each Worker is an isolate with its
 * own. The scheduling is per call, not per server: the main thread runs every server's chain
 * (open, enumerate, query, decode, free) and hands single calls to whichever lane has a free
 * slot, by value (`_call_wire.ts`: a server handle is valid on every thread of the process), so
 * the lanes fill evenly, the main thread's own lane works while the Workers start, and no
 * result crosses `postMessage` but its out-pointer and counts.
 *
 * Without Workers (read permission for the Worker module not granted, a `deno compile` binary
 * built without it, a Worker that fails to start), the calls queue for this isolate's lane:
 * slower, never wrong.
 *
 * @module
 */

import { AbandonedError } from "../ffi/errors.ts";
import { ADVAPI32_SYMBOLS } from "../ffi/advapi32.ts";
import type { CallMode, NonblockingRunner } from "../ffi/call.ts";
import { advapi32, libraryFile, wtsapi32 } from "../ffi/load.ts";
import { WTSAPI32_SYMBOLS } from "../ffi/wtsapi32.ts";
import { CALL_WORKER_URL, PoolWorker } from "./_pool_worker.ts";

const CORES = Math.max(1, navigator.hardwareConcurrency ?? 8);

/**
 * Nonblocking FFI calls one isolate runs at once: the `max_blocking_threads` of the Tokio
 * runtime Deno builds for the main isolate and for every Worker (denoland/deno
 * runtime/tokio_util.rs, `create_basic_runtime`, used by runtime/ops/worker_host.rs for each
 * Worker thread): 32, except on Windows, where it is `4 × available_parallelism()` ("on
 * windows, tokio uses blocking tasks for child process IO"; `navigator.hardwareConcurrency` is
 * that same number). Measured with bench/blocking_pool.ts (N calls of 50 ms each): on Linux
 * (2 cores) 32 calls take 1 round and 33 take 2, in the main isolate and in a Worker alike;
 * with the Windows deno.exe under Wine 10 (2 cores) 8 calls take 1 round, 9 take 2, 32 take 4.
 */
export const CALLS_PER_LANE: number = Deno.build.os === "windows" ? 4 * CORES : 32;

/**
 * At most this many Workers per process. Each costs about 13 ms of CPU to start and ~8 MB of
 * memory, and Deno starts them about one at a time (measured on 2 Linux cores with
 * bench/blocking_pool.ts' Worker: 8 started at once were all ready after 100–130 ms; started two
 * at a time they came ready every ~14 ms), so a ninth Worker would be ready ~130 ms in: later
 * than most fan-outs need it, for memory every one of them pays. On a host whose lanes are small
 * (8 calls: a 2-core Windows) this still gives 9 × 8 = 72 calls at once instead of 8.
 */
export const MAX_WORKERS = 8;

/**
 * How long this thread may spend blocked in `new Worker` for the fan-outs of one busy period.
 * `new Worker` blocks the calling thread until the Worker's isolate exists (Deno's
 * op_create_worker waits for the new thread's handle): measured 13–25 ms per Worker on 2 quiet
 * Linux cores, 40–120 ms on the same cores under a load average of 5. While it blocks, no answer
 * is handled here and no deadline timer runs, so past this budget no further Worker starts:
 * eight quick ones fit, a slow host gets fewer. A fan-out with a short deadline lowers it to a
 * tenth of the deadline (the first Worker always starts): 48 dead servers and 16 healthy ones
 * with a 100 ms deadline got 11 of 16 healthy answers in 199 ms with the full budget.
 */
const STARTING_BUDGET_MS = 150;

/**
 * The first Worker starts only once calls are running and none has answered for this long: a
 * Worker blocks this thread 13–25 ms to start, more than calls to servers that answer faster
 * wait for a slot in this isolate's lane. Measured with 32 and 64 servers answering after 1 ms:
 * 15 and 28 ms without Workers; 250 and 340 ms when Workers started on "a call has been running
 * 5 ms" (this thread's own delays made fast calls look slow, and each start made the next look
 * justified). Judged on any call, not the open: a server may open at once and be slow to
 * enumerate (the sessions bench's servers do).
 */
export const SLOW_CALL_MS = 5;

/** At most this long blocked in `new Worker` per turn of the event loop (two quick Workers). */
const TURN_BLOCK_MS = 25;

type Library = "wtsapi32" | "advapi32";

const DEFINITIONS: Record<Library, Record<string, Deno.ForeignFunction>> = {
  wtsapi32: WTSAPI32_SYMBOLS,
  advapi32: ADVAPI32_SYMBOLS,
};

/** Which library `symbols` is, if its calls may run in a Worker. */
function libraryOf(symbols: object): Library | undefined {
  if (symbols === wtsapi32()) return "wtsapi32";
  if (symbols === advapi32()) return "advapi32";
  return undefined;
}

/**
 * Whether a Worker could load its module without a permission prompt or error: a local module
 * needs read permission for its file (Deno checks it for Workers, unlike the main module graph),
 * a remote one the import permission for its host. Asked, never requested.
 */
function workersAllowed(): boolean {
  try {
    const descriptor: Deno.PermissionDescriptor = CALL_WORKER_URL.protocol === "file:"
      ? { name: "read", path: CALL_WORKER_URL }
      : { name: "import", host: CALL_WORKER_URL.host };
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Which queued calls go first when there are fewer slots than calls: the ones furthest along a
 * server's chain (per-session queries 0, the enumeration 1, the open 2). Finishing the servers
 * that answer beats starting more: a dead server's open holds its slot until Windows gives up,
 * and with opens first the healthy servers' next calls queued behind ever more dead opens.
 * Measured on 64 servers of which 48 take 1 s to open, 100 ms deadline, under Wine (8 calls per
 * lane): opens first 0 of the 16 healthy answered, furthest first 5; the 50 ms fixture's ratios
 * came out lower under Wine (sessions 32: 2.76× against 3.62×) and the same within noise on
 * Linux.
 */
function chainRank(name: string): 0 | 1 | 2 {
  if (name.startsWith("WTSOpenServer")) return 2;
  return name.startsWith("WTSEnumerate") ? 1 : 0;
}

/** A call waiting for a free slot. */
interface Queued {
  mode: CallMode;
  symbols: object;
  name: string;
  args: readonly unknown[];
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** The lanes of this process: this isolate's pool plus the Workers, and the calls queued for them. */
class CallPool {
  #local = 0;
  /** Workers still to start for the fan-outs running now, one per turn of the event loop. */
  #toStart = 0;
  #startTimer: ReturnType<typeof setTimeout> | undefined;
  /** Milliseconds this thread has spent blocked in `new Worker` since the pool was last idle. */
  #startingSpent = 0;
  /** Calls running now, here or in a Worker. */
  #running = 0;
  /** When this thread last handled an answer (or a busy period began). */
  #lastAnswerAt = 0;
  /** How long the last `new Worker` blocked this thread, in milliseconds. */
  #lastStartMs = 0;
  /** The budget for {@linkcode #startingSpent}: see {@linkcode STARTING_BUDGET_MS}. */
  #startingBudget = STARTING_BUDGET_MS;
  #workers: PoolWorker[] = [];
  /** Calls waiting for a slot, by {@linkcode chainRank}: each rank first in, first out. */
  readonly #queues: [Queued[], Queued[], Queued[]] = [[], [], []];
  #queued = 0;
  #users = 0;
  /** Set when Workers could not be created: none are tried until the pool is idle again. */
  #workersFailed = false;

  /**
   * Reserves the lanes for a fan-out that will keep up to `peakCalls` calls in flight. When
   * they exceed this isolate's lane, the Workers for the rest start while the servers are quiet
   * (see {@linkcode SLOW_CALL_MS}): a Worker costs this thread more than a queue of calls to
   * servers that answer faster would. `timeoutMs` is the fan-out's deadline, which bounds how long starting Workers may
   * block this thread. Returns the release, to call once every call of the fan-out has returned
   * (late ones included).
   */
  reserve(peakCalls: number, timeoutMs: number): () => void {
    this.#users++;
    // Blocked in `new Worker`, this thread runs no deadline timer and handles no answer: the
    // starts may take at most a tenth of the shortest deadline of the fan-outs running.
    this.#startingBudget = Math.min(this.#startingBudget, timeoutMs / 10);
    const lanes = Math.ceil(peakCalls / CALLS_PER_LANE);
    const wanted = Math.min(MAX_WORKERS, lanes - 1) - this.#workers.length - this.#toStart;
    if (this.#users === 1) this.#lastAnswerAt = performance.now();
    if (wanted > 0 && !this.#workersFailed && workersAllowed()) this.#startWorkers(wanted);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#users--;
      this.#retireIfIdle();
    };
  }

  /** Notes when `call` answers: see {@linkcode SLOW_CALL_MS}. */
  #timed(call: Promise<unknown>): Promise<unknown> {
    this.#running++;
    return call.finally(() => {
      this.#running--;
      this.#lastAnswerAt = performance.now();
    });
  }

  /** The fan-out's {@linkcode NonblockingRunner}: a free slot now, or the queue. */
  readonly run: NonblockingRunner = (mode, symbols, name, args) => {
    if (this.#local < CALLS_PER_LANE || libraryOf(symbols) === undefined) {
      return this.#runHere(symbols, name, args);
    }
    const worker = this.#freeWorker();
    if (worker !== undefined) return this.#runThere(worker, symbols, name, args);
    return new Promise((resolve, reject) => {
      this.#queues[chainRank(name)].push({ mode, symbols, name, args, resolve, reject });
      this.#queued++;
    });
  };

  /** Workers running or starting now (for tests). */
  get workerCount(): number {
    return this.#workers.length;
  }

  #runHere(symbols: object, name: string, args: readonly unknown[]): Promise<unknown> {
    this.#local++;
    const twin = (symbols as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!;
    return this.#timed(twin(...args)).finally(() => {
      this.#local--;
      this.#drain();
    });
  }

  #runThere(
    worker: PoolWorker,
    symbols: object,
    name: string,
    args: readonly unknown[],
  ): Promise<unknown> {
    const library = libraryOf(symbols)!;
    return this.#timed(
      worker.call(libraryFile(library), name, DEFINITIONS[library][name]!, args),
    );
  }

  /** The ready Worker with the most free slots, if any has one. */
  #freeWorker(): PoolWorker | undefined {
    let best: PoolWorker | undefined;
    for (const worker of this.#workers) {
      if (!worker.ready || worker.inFlight >= CALLS_PER_LANE) continue;
      if (best === undefined || worker.inFlight < best.inFlight) best = worker;
    }
    return best;
  }

  /**
   * Hands queued calls to free slots, the furthest along a server's chain first (see
   * {@linkcode chainRank}), each rank oldest first; a call whose chain was given up is skipped.
   */
  #drain(): void {
    for (const queue of this.#queues) {
      while (queue.length > 0) {
        const head = queue[0]!;
        if (head.mode.abandoned) {
          queue.shift();
          this.#queued--;
          head.reject(new AbandonedError(head.name.replace(/Async$/, "")));
          continue;
        }
        let running: Promise<unknown>;
        if (this.#local < CALLS_PER_LANE) {
          running = this.#runHere(head.symbols, head.name, head.args);
        } else {
          const worker = this.#freeWorker();
          if (worker === undefined) return;
          running = this.#runThere(worker, head.symbols, head.name, head.args);
        }
        queue.shift();
        this.#queued--;
        running.then(head.resolve, head.reject);
      }
    }
  }

  /**
   * Starts `count` more Workers: one now, the next on a later turn of the event loop, and so
   * on. `new Worker` blocks this thread while the Worker's isolate is made, so one per turn
   * lets the answers of the calls already in flight be handled between two starts.
   */
  #startWorkers(count: number): void {
    this.#toStart += count;
    if (this.#startTimer === undefined) this.#startNext();
  }

  #startNext(): void {
    this.#startTimer = undefined;
    const turn = performance.now();
    while (this.#toStart > 0 && !this.#workersFailed) {
      // Only while the servers are quiet: calls running and no answer for SLOW_CALL_MS (for
      // the first Worker) or for as long as the last start blocked this thread. Faster
      // servers are served by the queue sooner than by a Worker, and a start inside a burst of
      // answers would hold them up.
      const quiet = performance.now() - this.#lastAnswerAt;
      const needed = this.#workers.length === 0 ? SLOW_CALL_MS : this.#lastStartMs;
      if (this.#running === 0 || quiet < needed) {
        this.#startTimer = setTimeout(() => this.#startNext(), SLOW_CALL_MS);
        return;
      }
      this.#toStart--;
      const started = performance.now();
      try {
        this.#workers.push(
          new PoolWorker({
            ready: () => this.#drain(),
            returned: () => {
              this.#drain();
              this.#retireIfIdle();
            },
            failedToStart: (worker) => {
              this.#workersFailed = true;
              this.#toStart = 0;
              this.#workers = this.#workers.filter((w) => w !== worker);
              this.#retireIfIdle();
            },
          }),
        );
      } catch {
        this.#workersFailed = true; // Workers unavailable here: this isolate's lane does it all
        return;
      }
      this.#lastStartMs = performance.now() - started;
      this.#startingSpent += this.#lastStartMs;
      // A host where Workers start slowly (a loaded machine; `deno test`, which checks the
      // Worker's module inside `new Worker`) gets fewer of them.
      if (this.#startingSpent >= this.#startingBudget) this.#toStart = 0;
      // The answers that arrived meanwhile are handled before this thread blocks again.
      if (performance.now() - turn >= TURN_BLOCK_MS) break;
    }
    if (this.#toStart > 0) this.#startTimer = setTimeout(() => this.#startNext(), 0);
  }

  /** Ends every Worker once no fan-out uses the pool and no call is in flight or queued. */
  #retireIfIdle(): void {
    if (this.#users > 0 || this.#queued > 0) return;
    if (this.#workers.some((worker) => worker.inFlight > 0)) return;
    for (const worker of this.#workers) worker.terminate();
    clearTimeout(this.#startTimer);
    this.#startTimer = undefined;
    this.#toStart = 0;
    this.#startingSpent = 0;
    this.#startingBudget = STARTING_BUDGET_MS;
    this.#workers = [];
    this.#workersFailed = false;
  }
}

/** The one pool of this process (its lanes are the process's, whichever fan-out asks). */
export const pool: CallPool = new CallPool();
