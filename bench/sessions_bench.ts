/**
 * Session benchmarks against the test doubles (ratios within one run; no timed assertions):
 *
 * - `listSessions, 1,000 sessions` and `listProcesses, 10,000 processes`: the library against
 *   the C baseline `bench/c/sessions_baseline.c`, which makes the same wtsapi32 calls on the same
 *   double (checked below by counting them) and decodes the same structs into owned data
 *   (UTF-8 strings, SID text, times). The C code is called through FFI so both sides are timed
 *   by the same `deno bench` harness; the group summary prints the ratio. The same C code also
 *   runs once as a separate program (Deno.Command) and its ns/iteration is printed before the
 *   table, as a check that the FFI call adds nothing noticeable.
 * - `fan-out, 32 servers answering after 50 ms`: `listSessionsOnServers` on 32 such servers
 *   against `listSessions` on one of them. Every WTS call on a server's handle waits 50 ms in
 *   the double (an RPC round trip), so one server's listing costs several round trips; the
 *   fan-out runs the 32 chains concurrently on Deno's nonblocking FFI threads. Deno runs at
 *   most 32 nonblocking FFI calls at a time (measured: 64 calls of 50 ms take 100 ms), so a
 *   server listing of 2 sessions (1 enumeration + 2 × 4 queries = 9 calls) fans out to 288
 *   calls = 9 waves. `fan-out (processes)` is the one-call-per-server case:
 *   `listProcessesOnServers` (one WTSEnumerateProcessesExW each) against one server.
 *
 * Run: `bash tests/doubles/build.sh && bash bench/build.sh && deno bench --allow-ffi
 * --allow-env --allow-read --allow-run bench/sessions_bench.ts`.
 *
 * @module
 */

import {
  listProcesses,
  listProcessesOnServers,
  listSessions,
  listSessionsOnServers,
} from "../mod.ts";
import { doubles, useDoubles } from "../tests/doubles.ts";

const SESSIONS = 1000;
const PROCESSES = 10_000;
const SERVERS = 32;
const DELAY_MS = 50;
const SESSIONS_PER_SERVER = 2;
const PROCESSES_PER_SERVER = 100;

// ---- the C baseline as a separate program: its own doubles, its own loop -----------------------
const program = new URL("./build/sessions_baseline", import.meta.url);
const output = await new Deno.Command(program, { args: ["200"], stderr: "inherit" }).output();
if (!output.success) throw new Error(`${program.pathname} failed (run bash bench/build.sh)`);
const standalone = JSON.parse(new TextDecoder().decode(output.stdout));
const us = (ns: number) => `${(ns / 1000).toFixed(0)} µs/iter`;
console.log(
  `C program (bench/build/sessions_baseline, ${standalone.iterations} iterations): ` +
    `listSessions ${SESSIONS} sessions ${us(standalone.listSessions1000NsPerIter)}, ` +
    `listProcesses ${PROCESSES} processes ${us(standalone.listProcesses10000NsPerIter)}`,
);

// ---- set-up in this process --------------------------------------------------------------------
useDoubles();
doubles.generateSessions(SESSIONS);
doubles.generateProcesses(PROCESSES);
const servers = Array.from({ length: SERVERS }, (_, i) => `RDS${String(i).padStart(2, "0")}`);
for (const server of servers) {
  doubles.addServer(server, DELAY_MS);
  doubles.generateSessions(SESSIONS_PER_SERVER, server);
  doubles.generateProcesses(PROCESSES_PER_SERVER, server);
}

const baseline = Deno.dlopen(new URL("./build/libsessions_baseline.so", import.meta.url), {
  bench_list_sessions: { parameters: [], result: "i32" },
  bench_list_processes: { parameters: [], result: "i32" },
}).symbols;

// Same work on both sides: the same WTS calls, the same rows.
const FUNCTIONS = [
  "WTSEnumerateSessionsExW",
  "WTSEnumerateSessionsW",
  "WTSQuerySessionInformationW",
  "WTSEnumerateProcessesExW",
  "WTSEnumerateProcessesW",
] as const;
function callsOf(run: () => unknown): Promise<Record<string, number>> {
  const before = Object.fromEntries(FUNCTIONS.map((f) => [f, doubles.calls(f)]));
  return Promise.resolve(run()).then(() =>
    Object.fromEntries(FUNCTIONS.map((f) => [f, doubles.calls(f) - before[f]!]))
  );
}
for (
  const [name, ts, c] of [
    ["listSessions", () => listSessions(), () => baseline.bench_list_sessions()],
    ["listProcesses", () => listProcesses(), () => baseline.bench_list_processes()],
  ] as const
) {
  const tsCalls = JSON.stringify(await callsOf(ts));
  const cCalls = JSON.stringify(await callsOf(c));
  if (tsCalls !== cCalls) throw new Error(`${name}: TS calls ${tsCalls}, C calls ${cCalls}`);
}
if ((await listSessions()).length !== SESSIONS) throw new Error("set-up: sessions");
if (baseline.bench_list_sessions() !== SESSIONS) throw new Error("set-up: C sessions");

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

// ---- listProcesses on 10,000 processes -----------------------------------------------------------
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

// ---- fan-out: 32 servers, 50 ms per call ------------------------------------------------------------
Deno.bench({
  name: "listSessions({ server }) on one server",
  group: "fan-out, 32 servers answering after 50 ms",
  baseline: true,
  n: 10,
  warmup: 1,
  async fn() {
    const sessions = await listSessions({ server: servers[0] });
    if (sessions.length !== SESSIONS_PER_SERVER) throw new Error("one server failed");
  },
});

Deno.bench({
  name: "listSessionsOnServers(32 servers)",
  group: "fan-out, 32 servers answering after 50 ms",
  n: 10,
  warmup: 1,
  async fn() {
    const results = await listSessionsOnServers(servers);
    const failed = results.filter((result) => !result.ok);
    if (failed.length > 0) throw new Error(`${failed.length} servers failed`);
  },
});

// ---- fan-out with one call per server: listProcesses ------------------------------------------
Deno.bench({
  name: "listProcesses({ server }) on one server",
  group: "fan-out (processes), 32 servers answering after 50 ms",
  baseline: true,
  n: 10,
  warmup: 1,
  async fn() {
    const processes = await listProcesses({ server: servers[0] });
    if (processes.length !== PROCESSES_PER_SERVER) throw new Error("one server failed");
  },
});

Deno.bench({
  name: "listProcessesOnServers(32 servers)",
  group: "fan-out (processes), 32 servers answering after 50 ms",
  n: 10,
  warmup: 1,
  async fn() {
    const results = await listProcessesOnServers(servers);
    const failed = results.filter((result) => !result.ok);
    if (failed.length > 0) throw new Error(`${failed.length} servers failed`);
  },
});
