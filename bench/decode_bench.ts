/**
 * Decode benchmarks: the library's `WTS_PROCESS_INFO_EXW[]` decode (`decodeProcessInfoExW`,
 * what `listProcesses` runs on the block Windows returns) against the C decode of
 * `bench/c/sessions_baseline.c`, on in-memory blocks of 1,000, 10,000 and 100,000 rows laid out
 * like Windows' (bench/_process_block.ts). Their per-row costs give issue 10's flatness ratio
 * (100k per row / 1k per row); the rows of both sides are compared before timing.
 *
 * @module
 */

import { decodeProcessInfoExW } from "../ffi/wts_process_rows.ts";
import { processBlock } from "./_process_block.ts";
import { doubles, useDoubles } from "../tests/doubles.ts";

/** The row counts of the decode groups; bench/run.ts reads the group names. */
export const DECODE_ROWS = [1000, 10_000, 100_000] as const;

useDoubles(); // libsessions_baseline.so links the doubles; the library's kernel32 is the double
doubles.reset();

const baseline = Deno.dlopen(new URL("./build/libsessions_baseline.so", import.meta.url), {
  bench_decode_processes: { parameters: ["pointer", "u32"], result: "i32" },
  bench_dump_decoded_processes: {
    parameters: ["pointer", "u32", "buffer", "u64"],
    result: "i64",
  },
}).symbols;

function bits(value: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getBigUint64(0).toString(16).padStart(16, "0");
}

for (const rows of DECODE_ROWS) {
  const block = processBlock(rows);
  // Same rows on both sides, before anything is timed.
  const ts = decodeProcessInfoExW(block.pointer, rows, "").map((p) =>
    [
      p.pid,
      p.sessionId,
      p.name,
      p.userSid ?? "\\N",
      p.threads,
      p.handles,
      p.pagefileBytes,
      p.peakPagefileBytes,
      p.workingSetBytes,
      p.peakWorkingSetBytes,
      bits(p.userTimeMs!),
      bits(p.kernelTimeMs!),
    ].join("\t") + "\t\n"
  ).join("");
  const out = new Uint8Array(rows * 200);
  const length = baseline.bench_dump_decoded_processes(
    block.pointer,
    rows,
    out,
    BigInt(out.byteLength),
  );
  const c = new TextDecoder().decode(out.subarray(0, Number(length)));
  if (ts !== c) throw new Error(`decode of ${rows} rows: TS and C rows differ`);

  const group = `decode WTS_PROCESS_INFO_EXW, ${rows.toLocaleString("en-US")} rows`;
  // The same number of rows decoded per group (warm-up included), so the JIT and the garbage
  // collector see every size equally long: the per-row comparison is then like for like.
  const n = Math.round(2_000_000 / rows);
  const warmup = Math.round(200_000 / rows);
  Deno.bench({
    name: "C decode (sessions_baseline.c)",
    group,
    baseline: true,
    n,
    warmup,
    fn() {
      if (baseline.bench_decode_processes(block.pointer, rows) !== rows) throw new Error("C");
    },
  });
  Deno.bench({
    name: "decodeProcessInfoExW",
    group,
    n,
    warmup,
    fn() {
      if (decodeProcessInfoExW(block.pointer, rows, "").length !== rows) throw new Error("TS");
    },
  });
}
