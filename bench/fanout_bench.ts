/**
 * Fan-out benchmark: `listSessionsOnServers` and `listProcessesOnServers` on 1, 8, 32 and 64 of
 * the doubles' servers answering every call, the open included, after 50 ms (fixture and
 * method in `_fanout_ratios.ts`). Prints the ratios time(N) / time(1) against the issue 10
 * targets with ✔/✘ first, then deno bench's own statistics for the same calls.
 *
 * Run: `bash tests/doubles/build.sh && deno bench --allow-ffi --allow-env --allow-read
 * --allow-write bench/fanout_bench.ts`
 *
 * @module
 */

import {
  formatFanoutRatios,
  measureDeadServers,
  measureFanoutRatios,
  runFanout,
  setUpFanoutFixture,
} from "./_fanout_ratios.ts";

setUpFanoutFixture();
for (const line of formatFanoutRatios(await measureFanoutRatios())) console.log(line);
console.log(await measureDeadServers());

for (const count of [1, 8, 32, 64]) {
  Deno.bench({
    name: `listSessionsOnServers(${count})`,
    group: "fan-out sessions",
    baseline: count === 1,
    n: 5,
    warmup: 1,
    fn: async () => await runFanout("sessions", count),
  });
}
for (const count of [1, 32, 64]) {
  Deno.bench({
    name: `listProcessesOnServers(${count})`,
    group: "fan-out processes",
    baseline: count === 1,
    n: 5,
    warmup: 1,
    fn: async () => await runFanout("processes", count),
  });
}
