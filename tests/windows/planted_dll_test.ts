/**
 * A wtsapi32.dll / rstrtmgr.dll planted next to deno.exe is never loaded by winsession (issue 9
 * point 1). The control reproduces the attack: with Wine told to prefer native DLLs
 * (WINEDLLOVERRIDES=wtsapi32,rstrtmgr=n,b, set by scripts/wine/test.sh for the whole run, which
 * makes Wine behave like Windows, where neither is a KnownDLL), a bare-name `Deno.dlopen("wtsapi32.dll")` DOES load the planted file, because the
 * DLL search order looks in the executable's folder before System32
 * (https://learn.microsoft.com/windows/win32/dlls/dynamic-link-library-search-order). Then the
 * library (tests/windows/planted/probe.ts: wtsapi32, rstrtmgr and kernel32) and the CLI
 * (`sessions`, `locks`) run in the same deno.exe with the same overrides, and the planted DLL's
 * DllMain, which appends to a marker file on every load, must never have run.
 *
 * The planted files go next to a private copy of deno.exe (.cache/wine/planted/bin, made by
 * tests/windows/planted/build.sh, which scripts/wine/test.sh runs), not the rootfs's shared
 * /opt/deno/deno.exe, and are removed in a finally even when an assertion fails.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { announceSkip, windowsSkipReason, wineVersion } from "./wine.ts";

const planted = fileURLToPath(new URL("../../.cache/wine/planted/", import.meta.url));
const markerDll = `${planted}marker.dll`;
const bin = `${planted}bin\\`;
const denoExe = `${bin}deno.exe`;
const markerLog = `${planted}loaded.txt`;
const repo = fileURLToPath(new URL("../../", import.meta.url));

/** Whether Wine was started preferring native wtsapi32/rstrtmgr (scripts/wine/test.sh does). */
function nativeFirst(): boolean {
  if (
    Deno.permissions.querySync({ name: "env", variable: "WINEDLLOVERRIDES" }).state !== "granted"
  ) {
    return false;
  }
  const overrides = Deno.env.get("WINEDLLOVERRIDES") ?? "";
  return /(?:^|;)wtsapi32,rstrtmgr=n,b(?:;|$)/.test(overrides);
}

function prepared(): string | undefined {
  const reason = windowsSkipReason();
  if (reason !== undefined) return reason;
  if (wineVersion() !== undefined && !nativeFirst()) {
    return "Wine must start with WINEDLLOVERRIDES=wtsapi32,rstrtmgr=n,b (scripts/wine/test.sh" +
      " sets it; a child's own environment cannot: Wine reads the one its first process got)";
  }
  for (const file of [markerDll, denoExe]) {
    try {
      Deno.statSync(file);
    } catch {
      return `${file} is missing: scripts/wine/test.sh builds it (tests/windows/planted/build.sh)`;
    }
  }
  return undefined;
}

const ready = !announceSkip("tests/windows/planted_dll_test.ts", prepared());

/** The planted copies, by the names of the system DLLs winsession loads. */
const PLANTED_NAMES = ["wtsapi32.dll", "rstrtmgr.dll"];

/** Removes `file`; a file that is not there is fine, any other failure is returned. */
function remove(file: string): unknown {
  try {
    Deno.removeSync(file);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) return error;
  }
  return undefined;
}

/** Plants the marker, runs `fn`, and removes everything planted and logged, whatever happens. */
async function withPlantedDlls(fn: () => Promise<void>): Promise<void> {
  const planted = PLANTED_NAMES.map((name) => `${bin}${name}`);
  try {
    for (const file of planted) Deno.copyFileSync(markerDll, file);
    await fn();
  } finally {
    // Every file is attempted; a failed removal is reported after, never hiding fn's failure.
    const failures = [...planted, markerLog].map(remove).filter((error) => error !== undefined);
    if (failures.length > 0) console.error("planted_dll_test: cleanup failed:", failures);
  }
  assert.deepEqual(PLANTED_NAMES.map((name) => exists(`${bin}${name}`)), [false, false]);
}

function exists(file: string): boolean {
  try {
    Deno.statSync(file);
    return true;
  } catch {
    return false;
  }
}

/** Which planted DLLs' DllMain ran (their paths, one per load), from the marker file. */
function loadsRecorded(): string[] {
  try {
    return Deno.readTextFileSync(markerLog).split("\n").filter((line) => line !== "");
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/** Runs the private deno.exe (the one with the planted DLLs beside it), native DLLs first. */
async function runPlantedDeno(args: string[]) {
  const output = await new Deno.Command(denoExe, {
    args,
    cwd: repo,
    // The child inherits the native-first WINEDLLOVERRIDES of this run (see prepared()).
    env: {
      WINSESSION_PLANTED_MARKER: markerLog,
      NO_COLOR: "1",
    },
    stdin: "null",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test({
  name: "planted DLL, control: a bare-name Deno.dlopen loads the wtsapi32.dll next to deno.exe",
  ignore: !ready,
  async fn() {
    await withPlantedDlls(async () => {
      const code = `const l = Deno.dlopen("wtsapi32.dll", { winsession_planted_marker:` +
        ` { parameters: [], result: "u32" } }); console.log(l.symbols.winsession_planted_marker()` +
        `.toString(16));`;
      const result = await runPlantedDeno(["eval", code]); // eval grants every permission
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim(), "504c4e54", "the planted DLL answered"); // "PLNT"
      const loads = loadsRecorded();
      assert.equal(loads.length, 1, loads.join("\n"));
      assert.match(loads[0]!, /\\planted\\bin\\wtsapi32\.dll$/i);
    });
  },
});

Deno.test({
  name: "planted DLL: the library (wtsapi32, rstrtmgr, kernel32) never loads it",
  ignore: !ready,
  async fn() {
    await withPlantedDlls(async () => {
      const probe = fileURLToPath(new URL("./planted/probe.ts", import.meta.url));
      const result = await runPlantedDeno([
        "run",
        "--quiet",
        "--allow-ffi",
        "--allow-read",
        "--allow-env",
        probe,
      ]);
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout);
      assert.ok(report.sessions >= 1, result.stdout); // Wine's builtin wtsapi32 answered
      assert.match(report.message, /denied/i, result.stdout); // FormatMessageW from kernel32
      assert.deepEqual(loadsRecorded(), [], "the planted DLL's DllMain ran");
    });
  },
});

Deno.test({
  name: "planted DLL: `winsession sessions` and `winsession locks` never load it",
  ignore: !ready,
  async fn() {
    await withPlantedDlls(async () => {
      const main = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));
      const flags = ["run", "--quiet", "--allow-ffi", "--allow-read", "--allow-env", main];
      const sessions = await runPlantedDeno([...flags, "sessions", "--json"]);
      assert.equal(sessions.code, 0, sessions.stderr);
      assert.ok(Array.isArray(JSON.parse(sessions.stdout)), sessions.stdout);
      const locks = await runPlantedDeno([...flags, "locks", main, "--json"]);
      assert.ok([0, 10].includes(locks.code), `locks exited ${locks.code}: ${locks.stderr}`);
      assert.deepEqual(loadsRecorded(), [], "the planted DLL's DllMain ran");
    });
  },
});
