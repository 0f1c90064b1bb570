/**
 * Start-up cost of the CLI, timed as whole processes (issue 10 point 3): from a temporary folder
 * outside the project, A/B pairs alternating (so drift in machine load hits both sides), warm
 * caches (one untimed run of each first), median of many runs:
 *
 * - `empty`: `deno run empty.ts`, an empty script: what any Deno program costs;
 * - `sessions --json`: `cli/main.ts sessions --json` against the doubles holding 300 sessions.
 *   A fresh process starts with empty doubles, so a two-line launcher in the folder fills them
 *   (one `dlopen` of the wtsapi32 double and `dbl_sessions_generate`, ~0.3 ms; it maps the
 *   library the CLI then opens again), then imports cli/main.ts and runs `main`;
 * - `--help`: `deno run cli/main.ts --help`.
 *
 * `deno run -A bench/startup.ts [runs]` prints the medians and the ratios against the targets
 * (`sessions --json` ≤ 2.5× empty, `--help` ≤ 2×), then the in-process split of one
 * `sessions --json` (import of mod.ts, open + bind + first listing, second listing, import of
 * the CLI modules) measured with `performance.now()` in a fresh process.
 *
 * @module
 */

import { buildDir } from "../tests/doubles.ts";
import type { Ratio } from "./_ratios.ts";

const root = new URL("..", import.meta.url).pathname;
const SESSIONS = 300;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function launcher(folder: string): string {
  const path = `${folder}/sessions.ts`;
  Deno.writeTextFileSync(
    path,
    `const lib = Deno.dlopen(${JSON.stringify(`${buildDir}/wtsapi32.so`)}, {
  dbl_sessions_generate: { parameters: ["buffer", "i32"], result: "i32" },
});
lib.symbols.dbl_sessions_generate(new Uint8Array(1), ${SESSIONS});
const { main } = await import(${JSON.stringify(`file://${root}cli/main.ts`)});
Deno.exit(await main(Deno.args));
`,
  );
  return path;
}

async function timeOnce(folder: string, args: string[]): Promise<number> {
  const start = performance.now();
  const child = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: folder,
    env: { WINSESSION_DLL_DIR: buildDir, NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  const elapsed = performance.now() - start;
  if (!child.success) {
    throw new Error(`${args.join(" ")} failed: ${new TextDecoder().decode(child.stderr)}`);
  }
  return elapsed;
}

/** The ratios of issue 10 point 3, as bench/run.ts prints them. */
export async function measureStartup(
  runs = 31,
): Promise<Ratio[]> {
  const folder = Deno.makeTempDirSync({ prefix: "winsession_startup_" });
  try {
    Deno.writeTextFileSync(`${folder}/empty.ts`, "");
    const flags = ["run", "--allow-ffi", "--allow-env", "--allow-read"];
    const commands = {
      empty: ["run", "empty.ts"],
      sessions: [...flags, launcher(folder), "sessions", "--json"],
      help: [...flags, `${root}cli/main.ts`, "--help"],
    };
    const times: Record<keyof typeof commands, number[]> = { empty: [], sessions: [], help: [] };
    const names = Object.keys(commands) as (keyof typeof commands)[];
    for (const name of names) await timeOnce(folder, commands[name]); // warm caches
    for (let i = 0; i < runs; i++) {
      // Alternate the order within each round: empty, sessions, help / help, sessions, empty.
      for (const name of i % 2 ? [...names].reverse() : names) {
        times[name].push(await timeOnce(folder, commands[name]));
      }
    }
    const empty = median(times.empty);
    console.log(
      `start-up, median of ${runs} alternating runs: empty ${empty.toFixed(1)} ms, ` +
        `sessions --json (${SESSIONS} sessions) ${median(times.sessions).toFixed(1)} ms, ` +
        `--help ${median(times.help).toFixed(1)} ms`,
    );
    return [
      {
        what: "start: sessions --json / empty script",
        ratio: median(times.sessions) / empty,
        target: 2.5,
      },
      { what: "start: --help / empty script", ratio: median(times.help) / empty, target: 2 },
    ];
  } finally {
    Deno.removeSync(folder, { recursive: true });
  }
}

/** The in-process split, measured in this (fresh) process: run with `--split`. */
async function split(): Promise<void> {
  const t0 = performance.now();
  const lib = Deno.dlopen(`${buildDir}/wtsapi32.so`, {
    dbl_sessions_generate: { parameters: ["buffer", "i32"], result: "i32" },
  });
  lib.symbols.dbl_sessions_generate(new Uint8Array(1), SESSIONS);
  const t1 = performance.now();
  const mod = await import("../mod.ts");
  const t2 = performance.now();
  const first = await mod.listSessions();
  const t3 = performance.now();
  await mod.listSessions();
  const t4 = performance.now();
  const cli = await import("../cli/main.ts");
  const t5 = performance.now();
  await cli.main(["sessions", "--json"]); // stdout: null in the parent
  const t6 = performance.now();
  const ms = (a: number, b: number) => `${(b - a).toFixed(1)} ms`;
  console.error(
    `in-process split (${first.length} sessions): process start to this module's first line ${
      t0.toFixed(1)
    } ms, seeding the doubles ${ms(t0, t1)}, import mod.ts ${ms(t1, t2)}, ` +
      `first listSessions (open + bind + listing) ${ms(t2, t3)}, second listSessions ${
        ms(t3, t4)
      }, import cli/main.ts (commander + CLI modules) ${ms(t4, t5)}, main sessions --json ${
        ms(t5, t6)
      }`,
  );
}

if (import.meta.main) {
  if (Deno.args.includes("--split")) {
    await split();
  } else {
    const runs = Number(Deno.args[0] ?? 31);
    const { printRatios } = await import("./_ratios.ts");
    printRatios(await measureStartup(runs));
    const child = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-ffi", "--allow-env", "--allow-read", import.meta.filename!, "--split"],
      env: { WINSESSION_DLL_DIR: buildDir, NO_COLOR: "1" },
      stdout: "null",
      stderr: "inherit",
    }).output();
    if (!child.success) throw new Error("split run failed");
  }
}
