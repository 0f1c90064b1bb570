/**
 * The fan-out ratios of `bench/fanout_bench.ts`, without side effects, so a ratio table can import
 * them: `listSessionsOnServers` and `listProcessesOnServers` on 1, 8, 32 and 64
 * servers that answer every call, the open included, after 50 ms (the doubles' delayed servers),
 * and the ratio time(N servers) / time(1 server) against the issue 10 targets
 * (32 servers ≤ 1.3×, 64 servers ≤ 1.6×), printed with ✔/✘.
 *
 * Fixture: each server has 2 sessions (so one listing is open + enumeration + 8 queries, 3 round
 * trips) and 100 processes (open + one WTSEnumerateProcessesExW, 2 round trips).
 *
 * Use: `setUpFanoutFixture()`, then `formatFanoutRatios(await measureFanoutRatios())`.
 *
 * @module
 */

import { listProcessesOnServers, listSessionsOnServers, settleLateAnswers } from "../mod.ts";
import { doubles, useDoubles } from "../tests/doubles.ts";

/** Every call on a server, the open included, answers after this many milliseconds. */
export const DELAY_MS = 50;
const SESSIONS_PER_SERVER = 2;
const PROCESSES_PER_SERVER = 100;
const MAX_SERVERS = 64;

/** One measured ratio and the target for it. */
export interface FanoutRatio {
  /** What was measured, e.g. `"sessions, 32 servers"`. */
  name: string;
  /** Median milliseconds of N servers. */
  manyMs: number;
  /** Median milliseconds of one server. */
  oneMs: number;
  /** manyMs / oneMs. */
  ratio: number;
  /** The ratio must not exceed this (`undefined`: measured only). */
  target: number | undefined;
}

const servers = Array.from({ length: MAX_SERVERS }, (_, i) => `RDS${String(i).padStart(2, "0")}`);

/** Points the library at the doubles and registers the fixture's servers. */
export function setUpFanoutFixture(): void {
  useDoubles();
  for (const server of servers) {
    doubles.addServer(server, DELAY_MS);
    doubles.setOpenDelay(server, DELAY_MS);
    doubles.generateSessions(SESSIONS_PER_SERVER, server);
    doubles.generateProcesses(PROCESSES_PER_SERVER, server);
  }
}

/** Which listing a fan-out runs. */
export type Kind = "sessions" | "processes";

/** One fan-out of `kind` over the first `count` fixture servers; throws if a server failed. */
export async function runFanout(kind: Kind, count: number): Promise<void> {
  const names = servers.slice(0, count);
  const results = kind === "sessions"
    ? await listSessionsOnServers(names)
    : await listProcessesOnServers(names);
  const failed = results.find((r) => !r.ok);
  if (failed && !failed.ok) throw failed.error;
  await settleLateAnswers();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed(kind: Kind, count: number): Promise<number> {
  const started = performance.now();
  await runFanout(kind, count);
  return performance.now() - started;
}

/**
 * Measures every ratio: for each (kind, N) runs one server and N servers alternately
 * `rounds` times and compares the medians.
 */
export async function measureFanoutRatios(rounds = 5): Promise<FanoutRatio[]> {
  const plan: [Kind, number, number | undefined][] = [
    ["sessions", 8, undefined],
    ["sessions", 32, 1.3],
    ["sessions", 64, 1.6],
    ["processes", 32, 1.3],
    ["processes", 64, 1.6],
  ];
  const ratios: FanoutRatio[] = [];
  for (const [kind, count, target] of plan) {
    await runFanout(kind, count); // warm-up: modules, libraries, worker code
    const one: number[] = [];
    const many: number[] = [];
    for (let i = 0; i < rounds; i++) {
      one.push(await timed(kind, 1));
      many.push(await timed(kind, count));
    }
    const oneMs = median(one);
    const manyMs = median(many);
    ratios.push({
      name: `${kind}, ${count} servers`,
      manyMs,
      oneMs,
      ratio: manyMs / oneMs,
      target,
    });
  }
  return ratios;
}

/** The ratios as printable lines, each with ✔ (target met), ✘ (missed) or · (no target). */
export function formatFanoutRatios(ratios: readonly FanoutRatio[]): string[] {
  return ratios.map(({ name, manyMs, oneMs, ratio, target }) => {
    const mark = target === undefined ? "·" : ratio <= target ? "✔" : "✘";
    const goal = target === undefined ? "" : ` (target ≤ ${target}×)`;
    return `${mark} fan-out ${name}: ${ratio.toFixed(2)}× one server ` +
      `(${manyMs.toFixed(0)} ms vs ${oneMs.toFixed(0)} ms)${goal}`;
  });
}

/**
 * The mixed case: 64 servers, 48 of them taking 1 s to open, 16 healthy (answering at
 * once), a 100 ms timeout. Prints whether every healthy server answered and how long the whole
 * fan-out took against the deadline (a dead server must cost nothing beyond its own deadline).
 */
export async function measureDeadServers(): Promise<string> {
  const names = Array.from({ length: 64 }, (_, i) => `DEAD${String(i).padStart(2, "0")}`);
  names.forEach((name, i) => {
    const healthy = i % 4 === 0;
    doubles.addServer(name, healthy ? 0 : DELAY_MS);
    doubles.setOpenDelay(name, healthy ? 0 : 1000);
    doubles.generateSessions(SESSIONS_PER_SERVER, name);
  });
  const started = performance.now();
  const results = await listSessionsOnServers(names, { timeoutMs: 100 });
  const elapsed = performance.now() - started;
  await settleLateAnswers();
  const healthy = results.filter((r, i) => i % 4 === 0 && r.ok).length;
  const mark = healthy === 16 ? "✔" : "✘";
  return `${mark} fan-out, 64 servers of which 48 dead, 100 ms timeout: ${healthy}/16 healthy ` +
    `answered, all results in ${elapsed.toFixed(0)} ms`;
}
