/**
 * Start-up cost of the CLI, timed as whole processes (issue 10 point 3): from a temporary folder
 * outside the project, A/B rounds alternating (so drift in machine load hits every command
 * alike), warm caches (one untimed run of each first), median of many runs. Judged:
 *
 * - `empty`: `deno run empty.ts`, an empty script: what any Deno program costs;
 * - `sessions --json`: `cli/main.ts sessions --json` against the doubles holding 300 sessions.
 *   A fresh process starts with empty doubles, so a two-line launcher in the folder fills them
 *   (one `dlopen` of the wtsapi32 double and `dbl_sessions_generate`, ~0.3 ms; it maps the
 *   library the CLI then opens again), then imports the entry and runs `main`;
 * - `--help`: `deno run cli/main.ts --help`;
 * - the same two from the pre-built CLI (`deno task bundle`, scripts/bundle_cli.ts), built into
 *   the folder first.
 *
 * Printed, not judged, to say where `sessions --json` goes, each one a script of its own:
 * `node layer` (only the six `node:` imports commander's lib/command.js makes), `commander`
 * (cli/commander.ts: those plus commander itself), `library` (the 300 sessions through
 * `listSessions` and `JSON.stringify`, no CLI) and `floor` (commander imported, then the library
 * path: what `sessions --json` cannot go below while it parses with commander), the floor also
 * as one bundled file (so without the per-module cost of loading ~75 modules: the floor itself).
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

function launcher(folder: string, entry: string): string {
  const path = `${folder}/sessions_${entry.replaceAll(/\W/g, "_")}.ts`;
  Deno.writeTextFileSync(
    path,
    `const lib = Deno.dlopen(${JSON.stringify(`${buildDir}/wtsapi32.so`)}, {
  dbl_sessions_generate: { parameters: ["buffer", "i32"], result: "i32" },
});
lib.symbols.dbl_sessions_generate(new Uint8Array(1), ${SESSIONS});
const { main } = await import(${JSON.stringify(`file://${entry}`)});
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

/** Only the `node:` imports commander 15.1.0's lib/command.js makes: Deno's Node layer alone. */
function nodeLayerOnly(folder: string): string {
  const path = `${folder}/node_layer_only.ts`;
  const modules = ["events", "child_process", "path", "fs", "process", "util"];
  Deno.writeTextFileSync(path, modules.map((m) => `import "node:${m}";\n`).join(""));
  return path;
}

/**
 * Commander imported, then the library path of `sessions --json` (list, stringify, one write):
 * the floor of a `sessions --json` that parses its command line with commander.
 */
function floor(folder: string): string {
  const path = `${folder}/floor.ts`;
  Deno.writeTextFileSync(
    path,
    `const lib = Deno.dlopen(${JSON.stringify(`${buildDir}/wtsapi32.so`)}, {
  dbl_sessions_generate: { parameters: ["buffer", "i32"], result: "i32" },
});
lib.symbols.dbl_sessions_generate(new Uint8Array(1), ${SESSIONS});
const { Command } = await import(${JSON.stringify(`file://${root}cli/commander.ts`)});
if (typeof Command !== "function") throw new Error("no commander");
const { listSessions } = await import(${JSON.stringify(`file://${root}mod.ts`)});
Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(await listSessions(), null, 2)));
`,
  );
  return path;
}

/** `script` as one bundled file (`deno bundle`, dynamic imports included) beside it. */
async function bundleScript(script: string): Promise<string> {
  const out = script.replace(/\.ts$/, ".bundle.js");
  const built = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "-o", out, script],
    stderr: "piped",
  }).output();
  if (!built.success) throw new Error(new TextDecoder().decode(built.stderr));
  return out;
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

/** What each timed command is, in the order printed. */
const WHAT = {
  empty: "an empty script",
  sessions: "sessions --json, cli/main.ts",
  help: "--help, cli/main.ts",
  bundledSessions: "sessions --json, pre-built (deno task bundle)",
  bundledHelp: "--help, pre-built",
  nodeLayer: "node layer only (commander's six node: imports)",
  commander: "commander only (cli/commander.ts)",
  library: "library only (mod.ts, listSessions, JSON)",
  floor: "floor: commander, then the library path",
  bundledFloor: "floor, pre-built (deno bundle of that script)",
} as const;

/** The ratios of issue 10 point 3, as bench/run.ts prints them. */
export async function measureStartup(
  runs = 31,
): Promise<Ratio[]> {
  const folder = Deno.makeTempDirSync({ prefix: "winsession_startup_" });
  try {
    Deno.writeTextFileSync(`${folder}/empty.ts`, "");
    const { bundleCli } = await import("../scripts/bundle_cli.ts");
    const bundled = await bundleCli(`${folder}/bundle`);
    const flags = ["run", "--allow-ffi", "--allow-env", "--allow-read"];
    const commands: Record<keyof typeof WHAT, string[]> = {
      empty: ["run", "empty.ts"],
      sessions: [...flags, launcher(folder, `${root}cli/main.ts`), "sessions", "--json"],
      help: [...flags, `${root}cli/main.ts`, "--help"],
      bundledSessions: [...flags, launcher(folder, bundled), "sessions", "--json"],
      bundledHelp: [...flags, bundled, "--help"],
      nodeLayer: ["run", nodeLayerOnly(folder)],
      commander: [...flags, commanderOnly(folder)],
      library: [...flags, libraryOnly(folder)],
      floor: [...flags, floor(folder)],
      bundledFloor: [...flags, await bundleScript(floor(folder))],
    };
    type Name = keyof typeof commands;
    const names = Object.keys(commands) as Name[];
    const times = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<
      Name,
      number[]
    >;
    for (const name of names) await timeOnce(folder, commands[name]); // warm caches
    for (let i = 0; i < runs; i++) {
      // Alternate the order within each round (forwards, then backwards), so drift in the
      // machine's load falls on every command alike.
      for (const name of i % 2 ? [...names].reverse() : names) {
        times[name].push(await timeOnce(folder, commands[name]));
      }
    }
    const empty = median(times.empty);
    const over = (name: Name) => median(times[name]) / empty;
    console.log(`start-up, median of ${runs} alternating runs (${SESSIONS} sessions):`);
    for (const name of names) {
      console.log(
        `  ${WHAT[name].padEnd(48)} ${median(times[name]).toFixed(1).padStart(6)} ms  ` +
          `${over(name).toFixed(2)}× empty`,
      );
    }
    return [
      { what: "start: sessions --json / empty script", ratio: over("sessions"), target: 2.5 },
      { what: "start: --help / empty script", ratio: over("help"), target: 2 },
      {
        what: "start: sessions --json, pre-built / empty",
        ratio: over("bundledSessions"),
        target: 2.5,
        note: `floor with commander ${over("bundledFloor").toFixed(2)}×`,
      },
      { what: "start: --help, pre-built / empty", ratio: over("bundledHelp"), target: 2 },
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
