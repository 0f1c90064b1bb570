/**
 * Session benchmarks against the test doubles (ratios within one run; no timed assertions).
 * `deno task bench` runs this file with `deno bench --json` and bench/run.ts prints every ratio
 * of issue 10 against its target; `deno bench` on this file alone prints the group summaries.
 *
 * - `listSessions, 1,000 sessions` and `listProcesses, 10,000 processes`: the library against the C baseline `bench/c/sessions_baseline.c` (a careful C programmer's
 *   version: bench/c/text.h). Before timing, this file checks that both make the same wtsapi32
 *   calls on the same double (counted by the double) and produce the same rows (the C dump
 *   against the library's objects, field by field). The C code is called through FFI so both
 *   sides are timed by the same `deno bench` harness. Per-row flatness from 1,000 to 100,000
 *   rows is measured on the decode alone (bench/decode_bench.ts).
 * - `fan-out`: `listSessionsOnServers` / `listProcessesOnServers` on 32 and 64 servers whose
 *   every WTS call (the open included: `setOpenDelay`) waits 50 ms in the double (an RPC round
 *   trip), against
 *   `listSessions({ server })` / `listProcesses({ server })` on one of them.
 *
 * @module
 */

import {
  listProcesses,
  listProcessesOnServers,
  listSessions,
  listSessionsOnServers,
  type ProcessInfo,
  type Session,
} from "../mod.ts";
import { doubles, useDoubles } from "../tests/doubles.ts";

const SESSIONS = 1000;
const PROCESSES = 10_000;
const FAN_OUT = [32, 64] as const;
const DELAY_MS = 50;
const SESSIONS_PER_SERVER = 2;
const PROCESSES_PER_SERVER = 100;

// ---- the C baseline as a separate program: its own doubles, its own loop -----------------------
// (stderr: stdout carries the --json results bench/run.ts reads)
const program = new URL("./build/sessions_baseline", import.meta.url);
const output = await new Deno.Command(program, { args: ["100"], stderr: "inherit" }).output();
if (!output.success) throw new Error(`${program.pathname} failed (run bash bench/build.sh)`);
const standalone = JSON.parse(new TextDecoder().decode(output.stdout));
const us = (ns: number) => `${(ns / 1000).toFixed(0)} µs/iter`;
console.error(
  `C program (bench/build/sessions_baseline, ${standalone.iterations} iterations): ` +
    `listSessions ${SESSIONS} sessions ${us(standalone.listSessions1000NsPerIter)}, ` +
    `listProcesses ${PROCESSES} processes ${us(standalone.listProcesses10000NsPerIter)}`,
);

// ---- set-up in this process --------------------------------------------------------------------
useDoubles();
doubles.generateSessions(SESSIONS);
doubles.generateProcesses(PROCESSES);
const servers = Array.from(
  { length: Math.max(...FAN_OUT) },
  (_, i) => `RDS${String(i).padStart(2, "0")}`,
);
for (const server of servers) {
  doubles.addServer(server, DELAY_MS);
  // The fixture: every call answers after 50 ms, the open included (as in
  // bench/_fanout_ratios.ts); without it one server was two round trips instead of three.
  doubles.setOpenDelay(server, DELAY_MS);
  doubles.generateSessions(SESSIONS_PER_SERVER, server);
  doubles.generateProcesses(PROCESSES_PER_SERVER, server);
}

const baseline = Deno.dlopen(new URL("./build/libsessions_baseline.so", import.meta.url), {
  bench_list_sessions: { parameters: [], result: "i32" },
  bench_list_processes: { parameters: [], result: "i32" },
  bench_dump_sessions: { parameters: ["buffer", "u64"], result: "i64" },
  bench_dump_processes: { parameters: ["buffer", "u64"], result: "i64" },
}).symbols;

// ---- same calls, same rows, before anything is timed --------------------------------------------
const FUNCTIONS = [
  "WTSOpenServerExW",
  "WTSOpenServerW",
  "WTSCloseServer",
  "WTSEnumerateSessionsExW",
  "WTSEnumerateSessionsW",
  "WTSQuerySessionInformationW",
  "WTSEnumerateProcessesExW",
  "WTSEnumerateProcessesW",
] as const;
async function callsOf(run: () => unknown): Promise<string> {
  const before = FUNCTIONS.map((f) => doubles.calls(f));
  await run();
  return JSON.stringify(
    Object.fromEntries(FUNCTIONS.map((f, i) => [f, doubles.calls(f) - before[i]!])),
  );
}

/** A double's exact bits in hex, as the C dump prints them. */
function bits(value: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getBigUint64(0).toString(16).padStart(16, "0");
}
const field = (value: string | number | null) => `${value ?? "\\N"}\t`;
function sessionLine(s: Session): string {
  return [
    s.id,
    s.stationName,
    s.state,
    s.user,
    s.domain,
    s.clientName,
    s.clientAddress,
    s.protocol,
    s.connectTime?.getTime() ?? null,
    s.disconnectTime?.getTime() ?? null,
    s.lastInputTime?.getTime() ?? null,
    s.logonTime?.getTime() ?? null,
    s.idleMs === null ? null : "idle", // the double's clock moves: compare presence only
  ].map(field).join("") + "\n";
}
function processLine(p: ProcessInfo): string {
  return [
    p.pid,
    p.sessionId,
    p.name,
    p.userSid,
    p.threads,
    p.handles,
    p.pagefileBytes,
    p.peakPagefileBytes,
    p.workingSetBytes,
    p.peakWorkingSetBytes,
  ].map(field).join("") + `${bits(p.userTimeMs ?? NaN)}\t${bits(p.kernelTimeMs ?? NaN)}\t\n`;
}
function cDump(run: (out: Uint8Array<ArrayBuffer>) => bigint, rows: number): string {
  const out = new Uint8Array(rows * 400 + 1024);
  const length = run(out);
  if (length < 0n) throw new Error("C dump failed (buffer too small or a WTS call failed)");
  return new TextDecoder().decode(out.subarray(0, Number(length)));
}
function sameRows(what: string, ts: string, c: string): void {
  if (ts === c) return;
  const a = ts.split("\n");
  const b = c.split("\n");
  const i = a.findIndex((line, k) => line !== b[k]);
  throw new Error(`${what}: TS and C rows differ at row ${i}:\n  TS ${a[i]}\n  C  ${b[i]}`);
}

const checks = [
  {
    what: "listSessions",
    ts: async () => (await listSessions()).map(sessionLine).join(""),
    c: () => cDump((out) => baseline.bench_dump_sessions(out, BigInt(out.byteLength)), SESSIONS),
    tsCalls: () => listSessions(),
    cCalls: () => baseline.bench_list_sessions(),
  },
  {
    what: "listProcesses",
    ts: async () => (await listProcesses()).map(processLine).join(""),
    c: () => cDump((out) => baseline.bench_dump_processes(out, BigInt(out.byteLength)), PROCESSES),
    tsCalls: () => listProcesses(),
    cCalls: () => baseline.bench_list_processes(),
  },
];
for (const check of checks) {
  const [tsCalls, cCalls] = [await callsOf(check.tsCalls), await callsOf(check.cCalls)];
  if (tsCalls !== cCalls) throw new Error(`${check.what}: TS calls ${tsCalls}, C calls ${cCalls}`);
  sameRows(check.what, await check.ts(), check.c());
}

// ---- listSessions on 1,000 sessions ------------------------------------------------------------
Deno.bench({
  name: "C baseline (sessions_baseline.c)",
  group: "listSessions, 1,000 sessions",
  baseline: true,
  fn() {
    if (baseline.bench_list_sessions() !== SESSIONS) throw new Error("C listSessions failed");
  },
});

Deno.bench({
  name: "listSessions()",
  group: "listSessions, 1,000 sessions",
  async fn() {
    if ((await listSessions()).length !== SESSIONS) throw new Error("listSessions failed");
  },
});

// ---- listProcesses on 10,000 processes ---------------------------------------------------------
Deno.bench({
  name: "C baseline (sessions_baseline.c)",
  group: "listProcesses, 10,000 processes",
  baseline: true,
  fn() {
    if (baseline.bench_list_processes() !== PROCESSES) throw new Error("C listProcesses failed");
  },
});

Deno.bench({
  name: "listProcesses()",
  group: "listProcesses, 10,000 processes",
  async fn() {
    if ((await listProcesses()).length !== PROCESSES) throw new Error("listProcesses failed");
  },
});

// ---- fan-out: 32 and 64 servers, 50 ms per call --------------------------------------------------
const group = (what: string) => `fan-out (${what}), servers answering after ${DELAY_MS} ms`;
Deno.bench({
  name: "listSessions({ server }) on one server",
  group: group("sessions"),
  baseline: true,
  n: 8,
  warmup: 1,
  async fn() {
    const sessions = await listSessions({ server: servers[0] });
    if (sessions.length !== SESSIONS_PER_SERVER) throw new Error("one server failed");
  },
});
for (const count of FAN_OUT) {
  Deno.bench({
    name: `listSessionsOnServers(${count} servers)`,
    group: group("sessions"),
    n: count > 32 ? 4 : 6,
    warmup: 1,
    async fn() {
      const results = await listSessionsOnServers(servers.slice(0, count));
      const failed = results.filter((result) => !result.ok);
      if (failed.length > 0) throw new Error(`${failed.length} servers failed`);
    },
  });
}

Deno.bench({
  name: "listProcesses({ server }) on one server",
  group: group("processes"),
  baseline: true,
  n: 8,
  warmup: 1,
  async fn() {
    const processes = await listProcesses({ server: servers[0] });
    if (processes.length !== PROCESSES_PER_SERVER) throw new Error("one server failed");
  },
});
for (const count of FAN_OUT) {
  Deno.bench({
    name: `listProcessesOnServers(${count} servers)`,
    group: group("processes"),
    n: count > 32 ? 4 : 6,
    warmup: 1,
    async fn() {
      const results = await listProcessesOnServers(servers.slice(0, count));
      const failed = results.filter((result) => !result.ok);
      if (failed.length > 0) throw new Error(`${failed.length} servers failed`);
    },
  });
}
