/**
 * Measures the two facts the fan-out pool (`wts/_pool.ts`) is sized from, on the machine it runs
 * on, with the platform's own Deno:
 *
 * 1. How many nonblocking FFI calls one isolate runs at once: N calls of WTSOpenServerW on a
 *    double that sleeps 50 ms in every open, for N = 4, 8, 9, 16, 17, 32, 33, 64; the rounds are
 *    elapsed / 50 ms. Deno's blocking pool has `max_blocking_threads(32)` on Linux and
 *    `4 × available_parallelism()` on Windows (runtime/tokio_util.rs), so a 2-core Windows host
 *    should take 2 rounds from N = 9 on, Linux from N = 33 on. Also in a Worker (its own pool).
 * 2. What a Worker costs to start: K pool Workers (`wts/_call_worker.ts`) started at once: how
 *    long each `new Worker` blocked this thread, when each said it was ready, and the CPU time
 *    of the whole process meanwhile.
 *
 * Run: `bash tests/doubles/build.sh && deno run --allow-ffi --allow-env --allow-read
 * --allow-write bench/blocking_pool.ts`; under Wine: `TARGET=windows bash tests/doubles/build.sh
 * && bash scripts/wine/run.sh run --allow-ffi --allow-env --allow-read --allow-write
 * bench/blocking_pool.ts`.
 *
 * @module
 */

import process from "node:process";
import { encodeWide } from "../ffi/utf16.ts";
import { dllDirectoryInEffect, setDllDirectory, wtsapi32 } from "../ffi/load.ts";
import { doubles, useDoubles } from "../tests/doubles.ts";
import { CALLS_PER_LANE } from "../wts/_pool.ts";

const DELAY_MS = 50;
const COUNTS = [4, 8, 9, 16, 17, 32, 33, 64];

/** Elapsed ms of `count` concurrent nonblocking opens of the slow server. */
async function concurrentOpens(count: number): Promise<number> {
  const wts = wtsapi32();
  const name = encodeWide("SLOW", "server");
  const started = performance.now();
  const handles = await Promise.all(
    Array.from({ length: count }, () => wts.WTSOpenServerWAsync(name)),
  );
  const elapsed = performance.now() - started;
  for (const handle of handles) if (handle !== null) wts.WTSCloseServer(handle);
  return elapsed;
}

async function roundsTable(where: string): Promise<string[]> {
  await concurrentOpens(1); // binds the symbols, warms the pool's first thread
  const lines = [];
  for (const count of COUNTS) {
    const elapsed = await concurrentOpens(count);
    lines.push(
      `${where}: ${String(count).padStart(2)} calls of ${DELAY_MS} ms: ` +
        `${elapsed.toFixed(0).padStart(4)} ms = ${(elapsed / DELAY_MS).toFixed(1)} rounds`,
    );
  }
  return lines;
}

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
};

if (!("WorkerGlobalScope" in globalThis)) {
  useDoubles();
  doubles.addServer("SLOW", DELAY_MS);
  doubles.setOpenDelay("SLOW", DELAY_MS);
  console.log(
    `${Deno.build.os}, ${navigator.hardwareConcurrency} logical cores; ` +
      `CALLS_PER_LANE here = ${CALLS_PER_LANE}`,
  );
  for (const line of await roundsTable("main isolate")) console.log(line);

  // The same inside one Worker: its own runtime, so its own pool.
  const probe = new Worker(import.meta.url, { type: "module" });
  const inWorker = await new Promise<string[]>((resolve) => {
    probe.onmessage = ({ data }) => resolve(data);
    probe.postMessage({ dllDirectory: dllDirectoryInEffect() });
  });
  probe.terminate();
  for (const line of inWorker) console.log(line);

  // Start-up of the pool's call Workers, K at once.
  for (const count of [1, 2, 4, 8]) {
    const url = new URL("../wts/_call_worker.ts", import.meta.url);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const blocked: number[] = [];
    const workers = Array.from({ length: count }, () => {
      const before = performance.now();
      const worker = new Worker(url, { type: "module" });
      blocked.push(performance.now() - before);
      return worker;
    });
    const ready = await Promise.all(workers.map((worker) =>
      new Promise<number>((resolve) => {
        worker.onmessage = () => resolve(performance.now() - started);
      })
    ));
    const cpu = process.cpuUsage(cpuBefore);
    for (const worker of workers) worker.terminate();
    console.log(
      `${count} call Worker(s) started at once: new Worker blocked ` +
        `${blocked.map((ms) => ms.toFixed(0)).join(", ")} ms; ready after ` +
        `${ready.map((ms) => ms.toFixed(0)).join(", ")} ms; process CPU ` +
        `${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`,
    );
  }
} else {
  scope.onmessage = async ({ data }) => {
    setDllDirectory(data.dllDirectory);
    scope.postMessage(await roundsTable("one Worker  "));
  };
}
