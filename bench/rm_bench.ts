/**
 * Restart Manager benchmarks against the test doubles (ratios within one run; no timed
 * assertions anywhere):
 *
 * - `locks, 10,000 files`: {@linkcode findLockingProcesses} on a folder of 10,000 real files
 *   (one session, files registered in batches of 1,000) against the naive alternative that
 *   opens one session per file (start, register, list, end). Both walk the same folder.
 * - `registration strategy, 10,000 walked files`: the same two strategies on the same list of
 *   full paths, walked once before timing, so only the registration strategy differs.
 * - `RmGetList + decode, 1,000 processes`: `RestartManagerSession.list()` against the C
 *   baseline `bench/c/rm_baseline.c` making the same calls and decoding the same fields.
 * - `decode only, 1,000 RM_PROCESS_INFO`: the decode of `list()` (`decodeList`, rm/_list.ts)
 *   against the C decode of the same buffer, and what its Dates alone cost (V8 builds a Date in
 *   C++: the largest part of the difference).
 *
 * Run: `bash tests/doubles/build.sh && bash bench/build.sh && deno bench --allow-ffi
 * --allow-env --allow-read --allow-write --allow-run bench/rm_bench.ts`.
 *
 * @module
 */

import { findLockingProcesses, lockTargets } from "../rm/locks.ts";
import { RestartManagerSession, type RmProcess } from "../rm/session.ts";
import { decodeList } from "../rm/_list.ts";
import { RM_PROCESS_INFO } from "../ffi/layouts.ts";
import { rstrtmgr } from "../ffi/load.ts";
import { doubles, useDoubles } from "../tests/doubles.ts";
import { rmDoubles } from "../tests/doubles_rm.ts";

useDoubles();
doubles.reset();

// ---- set-up: 10,000 real files, locked by 10 processes; 1,000 processes for the list ------------
const FILES = 10_000;
const folder = await Deno.makeTempDir({ prefix: "winsession_rm_bench_" });
await Promise.all(
  Array.from({ length: FILES }, (_, i) => Deno.writeTextFile(`${folder}/f${i}`, "")),
);
rmDoubles.bulkLocks({ prefix: `${folder}/f`, files: FILES, pidBase: 60_000, processes: 10 });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(folder, { recursive: true });
  } catch {
    // Best effort: a temporary folder.
  }
});

const LIST_PREFIX = "/bench/rm/list/f";
rmDoubles.bulkLocks({ prefix: LIST_PREFIX, files: 1000, pidBase: 50_000, processes: 1000 });
const listSession = RestartManagerSession.start();
listSession.registerFiles(Array.from({ length: 1000 }, (_, i) => `${LIST_PREFIX}${i}`));
globalThis.addEventListener("unload", () => listSession.end());

const baseline = Deno.dlopen(new URL("./build/librm_baseline.so", import.meta.url), {
  bench_rm_list: { parameters: ["u32"], result: "i32" },
  bench_rm_decode: { parameters: ["buffer", "u32"], result: "i32" },
  bench_rm_dump: { parameters: ["u32", "buffer", "u64"], result: "i32" },
}).symbols;

// Same calls and same rows on both sides, before anything is timed (the C dump against list()).
{
  const calls = (run: () => unknown) => {
    const before = doubles.calls("RmGetList");
    run();
    return doubles.calls("RmGetList") - before;
  };
  // The first list of each side (room for 32, then for what Windows said), then the list as
  // it is timed (room for what the last one found: one call).
  for (const when of ["first list", "next list"]) {
    const tsCalls = calls(() => listSession.list());
    const cCalls = calls(() => baseline.bench_rm_list(listSession.handle));
    if (tsCalls !== cCalls) throw new Error(`RmGetList calls, ${when}: TS ${tsCalls}, C ${cCalls}`);
  }
  const out = new Uint8Array(1000 * 400);
  if (baseline.bench_rm_dump(listSession.handle, out, BigInt(out.byteLength)) !== 1000) {
    throw new Error("C dump failed");
  }
  const c = new TextDecoder().decode(out.subarray(0, out.indexOf(0)));
  const ts = listSession.list().processes.map((p) =>
    [
      p.pid,
      p.startTime?.getTime() ?? "\\N",
      p.appName,
      p.serviceName ?? "\\N",
      p.typeCode,
      p.statusFlags,
      p.sessionId ?? "\\N",
      p.restartable ? 1 : 0,
    ].join("\t") + "\n"
  ).join("");
  if (ts !== c) {
    throw new Error("RestartManagerSession.list() and the C baseline give different rows");
  }
}

// A buffer RmGetList filled with the 1,000 processes, for the decode-only group.
const filled = new Uint8Array(1000 * RM_PROCESS_INFO.size);
{
  const needed = new Uint32Array(1);
  const count = new Uint32Array([1000]);
  const reasons = new Uint32Array(1);
  const code = rstrtmgr().RmGetList(listSession.handle, needed, count, filled, reasons);
  if (code !== 0 || count[0] !== 1000) throw new Error(`set-up RmGetList: ${code}, ${count[0]}`);
}

// ---- locks on 10,000 files ----------------------------------------------------------------------
Deno.bench({
  name: "findLockingProcesses: one session, batches of 1,000",
  group: "locks, 10,000 files",
  baseline: true,
  n: 20,
  warmup: 3,
  async fn() {
    const report = await findLockingProcesses([folder], { recursive: true });
    if (report.processes.length !== 10) throw new Error("expected 10 processes");
  },
});

Deno.bench({
  name: "one session per file",
  group: "locks, 10,000 files",
  n: 5,
  warmup: 1,
  async fn() {
    const files = await lockTargets([folder], { recursive: true });
    const seen = new Map<string, RmProcess>();
    for (const file of files) {
      using rm = RestartManagerSession.start();
      rm.registerFiles([file]);
      for (const p of rm.list().processes) seen.set(`${p.pid}:${p.startFileTime}`, p);
    }
    if (seen.size !== 10) throw new Error("expected 10 processes");
  },
});

// ---- the registration strategy alone, on the same walked list -----------------------------------
// The group above pays the folder walk and path checks on both sides; this one starts from the
// same 10,000 full paths, so it measures only one session with batches against a session per file.
const walked = await lockTargets([folder], { recursive: true });

Deno.bench({
  name: "one session, registered in batches of 1,000, one RmGetList",
  group: "registration strategy, 10,000 walked files",
  baseline: true,
  n: 50,
  warmup: 5,
  fn() {
    using rm = RestartManagerSession.start();
    for (let start = 0; start < walked.length; start += 1000) {
      rm.registerFiles(walked.slice(start, start + 1000));
    }
    if (rm.list().processes.length !== 10) throw new Error("expected 10 processes");
  },
});

Deno.bench({
  name: "one session per file (start, register, RmGetList, end)",
  group: "registration strategy, 10,000 walked files",
  n: 5,
  warmup: 1,
  fn() {
    const seen = new Set<string>();
    for (const file of walked) {
      using rm = RestartManagerSession.start();
      rm.registerFiles([file]);
      for (const p of rm.list().processes) seen.add(`${p.pid}:${p.startFileTime}`);
    }
    if (seen.size !== 10) throw new Error("expected 10 processes");
  },
});

// ---- RmGetList + decode of 1,000 processes ------------------------------------------------------
Deno.bench({
  name: "C baseline (rm_baseline.c)",
  group: "RmGetList + decode, 1,000 processes",
  baseline: true,
  fn() {
    if (baseline.bench_rm_list(listSession.handle) !== 1000) throw new Error("C list failed");
  },
});

Deno.bench({
  name: "RestartManagerSession.list()",
  group: "RmGetList + decode, 1,000 processes",
  fn() {
    if (listSession.list().processes.length !== 1000) throw new Error("list failed");
  },
});

// ---- decode only ---------------------------------------------------------------------------------
Deno.bench({
  name: "C decode (UTF-8 strings, ms times)",
  group: "decode only, 1,000 RM_PROCESS_INFO",
  baseline: true,
  fn() {
    if (baseline.bench_rm_decode(filled, 1000) !== 1000) throw new Error("C decode failed");
  },
});

Deno.bench({
  name: "decodeList (what list() decodes: RmProcess rows)",
  group: "decode only, 1,000 RM_PROCESS_INFO",
  fn() {
    if (decodeList(filled, 1000, 0).processes.length !== 1000) throw new Error("decode failed");
  },
});

// The part of the line above that is the 1,000 start-time Dates alone: `new Date(ms)` is a C++
// builtin in V8 (BUILTIN(DateConstructor), v8/src/builtins/builtins-date.cc), not inlined.
const startMs = Array.from({ length: 1000 }, (_, i) => 1_700_000_000_000 + i);
const dates: Date[] = new Array(1000);
Deno.bench({
  name: "1,000 new Date(ms) alone (part of decodeList)",
  group: "decode only, 1,000 RM_PROCESS_INFO",
  fn() {
    for (let i = 0; i < 1000; i++) dates[i] = new Date(startMs[i]!);
  },
});
