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
 * - `--help`: `deno run cli/main.ts --help`;
 * - two rows that say where `sessions --json` spends its time, printed but not judged:
 *   `commander only` (a script importing cli/commander.ts: the Node compatibility layer that
 *   commander's `node:` imports start) and `library only` (the same 300 sessions through
 *   `listSessions` and `JSON.stringify`, no CLI).
 *
 * `deno run -A bench/startup.ts [runs]` prints the medians and the ratios against the targets
 * (`sessions --json` ≤ 2.5× empty, `--help` ≤ 2×) with ✔/✘, then the in-process split of
 * `sessions --json` (import of mod.ts, open + bind + first listing, second listing, import of
 * commander, of cli/main.ts, the command's run) measured with `performance.now()`: the median
 * of 7 fresh processes (`--only-split` prints just that), and how many symbols it bound of all
 * the tables hold (ffi/load.ts binds each on first use).
 *
 * @module
 */

import { buildDir } from "../tests/doubles.ts";
import type { Ratio } from "./_ratios.ts";
import { ADVAPI32_SYMBOLS } from "../ffi/advapi32.ts";
import { KERNEL32_SYMBOLS } from "../ffi/kernel32.ts";
import { NETAPI32_SYMBOLS } from "../ffi/netapi32.ts";
import { NTDLL_SYMBOLS } from "../ffi/ntdll.ts";
import { RSTRTMGR_SYMBOLS } from "../ffi/rstrtmgr.ts";
import { WTSAPI32_SYMBOLS } from "../ffi/wtsapi32.ts";

/** Every symbol table ffi/load.ts can bind from, to say how few of them a listing binds. */
const LIBRARY_TABLES = [
  ADVAPI32_SYMBOLS,
  KERNEL32_SYMBOLS,
  NETAPI32_SYMBOLS,
  NTDLL_SYMBOLS,
  RSTRTMGR_SYMBOLS,
  WTSAPI32_SYMBOLS,
];

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

/** A script that imports commander the way the CLI does, and nothing else. */
function commanderOnly(folder: string): string {
  const path = `${folder}/commander_only.ts`;
  Deno.writeTextFileSync(
    path,
    `import { Command } from ${JSON.stringify(`file://${root}cli/commander.ts`)};
if (typeof Command !== "function") throw new Error("no commander");
`,
  );
  return path;
}

/** The 300 sessions through the library alone: what `sessions --json` costs without the CLI. */
function libraryOnly(folder: string): string {
  const path = `${folder}/library_only.ts`;
  Deno.writeTextFileSync(
    path,
    `const lib = Deno.dlopen(${JSON.stringify(`${buildDir}/wtsapi32.so`)}, {
  dbl_sessions_generate: { parameters: ["buffer", "i32"], result: "i32" },
});
lib.symbols.dbl_sessions_generate(new Uint8Array(1), ${SESSIONS});
const { listSessions } = await import(${JSON.stringify(`file://${root}mod.ts`)});
const text = JSON.stringify(await listSessions(), null, 2);
if (text.length === 0) throw new Error("no sessions");
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
      commander: [...flags, commanderOnly(folder)],
      library: [...flags, libraryOnly(folder)],
    };
    type Name = keyof typeof commands;
    const times: Record<Name, number[]> = {
      empty: [],
      sessions: [],
      help: [],
      commander: [],
      library: [],
    };
    const names = Object.keys(commands) as Name[];
    for (const name of names) await timeOnce(folder, commands[name]); // warm caches
    for (let i = 0; i < runs; i++) {
      // Alternate the order within each round (forwards, then backwards), so drift in the
      // machine's load falls on every command alike.
      for (const name of i % 2 ? [...names].reverse() : names) {
        times[name].push(await timeOnce(folder, commands[name]));
      }
    }
    const ms = (name: Name) => `${median(times[name]).toFixed(1)} ms`;
    const empty = median(times.empty);
    const over = (name: Name) => `${(median(times[name]) / empty).toFixed(2)}× empty`;
    console.log(
      `start-up, median of ${runs} alternating runs: empty ${ms("empty")}, ` +
        `sessions --json (${SESSIONS} sessions) ${ms("sessions")}, --help ${ms("help")}; ` +
        `where sessions --json goes: commander only ${ms("commander")} (${over("commander")}), ` +
        `library only ${ms("library")} (${over("library")})`,
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

/** The in-process split steps, in order, with what each one measures. */
const STEPS = [
  ["seed", "seeding the doubles"],
  ["mod", "import mod.ts"],
  ["firstList", "first listSessions (open + bind + listing)"],
  ["secondList", "second listSessions"],
  ["commander", "import cli/commander.ts (Node layer)"],
  ["cli", "import cli/main.ts"],
  ["firstMain", "main sessions --json (imports cli/sessions.ts)"],
  ["secondMain", "second main sessions --json"],
] as const;

/** One in-process split, measured in this (fresh) process: run with `--split`. */
async function split(): Promise<void> {
  const marks = [performance.now()];
  const lib = Deno.dlopen(`${buildDir}/wtsapi32.so`, {
    dbl_sessions_generate: { parameters: ["buffer", "i32"], result: "i32" },
  });
  lib.symbols.dbl_sessions_generate(new Uint8Array(1), SESSIONS);
  marks.push(performance.now());
  const mod = await import("../mod.ts");
  marks.push(performance.now());
  await mod.listSessions();
  marks.push(performance.now());
  await mod.listSessions();
  marks.push(performance.now());
  const { openHandleCounts } = await import("../ffi/load.ts"); // already loaded by mod.ts
  await import("../cli/commander.ts");
  marks.push(performance.now());
  const cli = await import("../cli/main.ts");
  marks.push(performance.now());
  await cli.main(["sessions", "--json"]); // stdout: null in the parent
  marks.push(performance.now());
  await cli.main(["sessions", "--json"]);
  marks.push(performance.now());
  const steps = Object.fromEntries(STEPS.map(([key], i) => [key, marks[i + 1]! - marks[i]!]));
  // Handles beyond the one that maps each file: the symbols a listing bound (ffi/load.ts binds
  // each on first use).
  const bound = Object.values(openHandleCounts()).reduce((sum, handles) => sum + handles! - 1, 0);
  console.error(JSON.stringify({ start: marks[0], ...steps, bound }));
}

/** The median of `processes` fresh in-process splits, printed one step a line. */
async function printSplit(processes = 7): Promise<void> {
  const runs: Record<string, number>[] = [];
  for (let i = 0; i < processes; i++) {
    const child = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-ffi", "--allow-env", "--allow-read", import.meta.filename!, "--split"],
      env: { WINSESSION_DLL_DIR: buildDir, NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(child.stderr);
    if (!child.success) throw new Error(`split run failed: ${text}`);
    runs.push(JSON.parse(text.trim().split("\n").at(-1)!));
  }
  console.log(
    `in-process split of sessions --json (${SESSIONS} sessions), median of ${processes}:`,
  );
  const rows: [string, string][] = [["start", "process start to this module's first line"]];
  for (const [key, what] of [...rows, ...STEPS]) {
    console.log(`  ${what.padEnd(48)} ${median(runs.map((run) => run[key]!)).toFixed(1)} ms`);
  }
  const total = Object.values(LIBRARY_TABLES).reduce((sum, t) => sum + Object.keys(t).length, 0);
  console.log(
    `  ${"symbols bound (of all in the tables)".padEnd(48)} ${runs[0]!.bound} of ${total}`,
  );
}

if (import.meta.main) {
  if (Deno.args.includes("--split")) {
    await split();
  } else if (Deno.args.includes("--only-split")) {
    await printSplit();
  } else {
    const runs = Number(Deno.args[0] ?? 31);
    const { printRatios } = await import("./_ratios.ts");
    printRatios(await measureStartup(runs));
    await printSplit();
  }
}
