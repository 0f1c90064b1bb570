// Tests of ffi/load.ts: the system directory read through the kernel32 double, and, in
// subprocesses, what a narrowed --allow-ffi does (covering every library: loads them, then Deno's
// pointer API needs the unrestricted flag; missing one: the error names the file), and that
// WINSESSION_DLL_DIR is ignored without --allow-env; and that symbols bind one by one on first
// use, on handles closeLibraries closes. The paths themselves: library_path_test.ts.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

import { closeLibraries, kernel32, openHandleCounts, wtsapi32 } from "./load.ts";
import { WTSAPI32_SYMBOLS } from "./wtsapi32.ts";
import { readSystemDirectory } from "./library_path.ts";
import { WindowsError } from "./errors.ts";
import { assertNoLeaks, buildDir, doubles, useDoubles, win32DoublePath } from "../tests/doubles.ts";

const SYSTEM_DIRECTORY_CONTROL = {
  dbl_set_system_directory: { parameters: ["buffer"], result: "i32" },
} as const;

function setSystemDirectory(path: string): void {
  const library = Deno.dlopen(win32DoublePath("kernel32"), SYSTEM_DIRECTORY_CONTROL);
  try {
    assert.equal(
      library.symbols.dbl_set_system_directory(new TextEncoder().encode(`${path}\0`)),
      0,
    );
  } finally {
    library.close();
  }
}

Deno.test("readSystemDirectory against the kernel32 double: default, > MAX_PATH, failure", () => {
  useDoubles();
  const k32 = kernel32();
  assert.equal(readSystemDirectory(k32), "C:\\WINDOWS\\system32");
  const long = `D:\\${"Windows\\".repeat(40)}System32`; // 331 characters
  setSystemDirectory(long);
  assert.equal(readSystemDirectory(k32), long);
  assert.equal(doubles.calls("GetSystemDirectoryW"), 3); // 19 fits; 331 asks twice
  doubles.failNext("GetSystemDirectoryW", 8);
  assert.throws(
    () => readSystemDirectory(k32),
    (error: unknown) => error instanceof WindowsError && error.code === 8,
  );
  doubles.reset();
  assert.equal(readSystemDirectory(k32), "C:\\WINDOWS\\system32");
  assertNoLeaks();
});

Deno.test("symbols bind on first use, each once, and closeLibraries closes every handle", () => {
  useDoubles(); // closes what earlier tests opened
  assert.deepEqual(openHandleCounts(), {});
  const wts = wtsapi32();
  assert.equal(wtsapi32(), wts, "one object per opening");
  assert.deepEqual(openHandleCounts(), { wtsapi32: 1 }, "mapped, nothing bound yet");
  for (const name of Object.keys(WTSAPI32_SYMBOLS)) assert.ok(name in wts, name);
  assert.deepEqual(Object.keys(wts), []);
  const free = wts.WTSFreeMemory;
  assert.equal(typeof free, "function");
  assert.equal(wts.WTSFreeMemory, free, "bound once, then a plain property");
  wts.WTSFreeMemory(null);
  assert.deepEqual(Object.keys(wts), ["WTSFreeMemory"]);
  assert.deepEqual(openHandleCounts(), { wtsapi32: 2 });
  kernel32().GetLastError();
  assert.deepEqual(openHandleCounts(), { wtsapi32: 2, kernel32: 2 });
  closeLibraries();
  assert.deepEqual(openHandleCounts(), {});
  // The old object keeps what it bound (as a closed library's symbols always did), but binds
  // nothing new: a handle opened now would be one nothing closes.
  assert.throws(() => wts.WTSCloseServer, /wtsapi32\.dll was closed/);
  assert.deepEqual(openHandleCounts(), {});
  useDoubles();
  assert.notEqual(wtsapi32(), wts);
  assertNoLeaks();
});

Deno.test("binding a symbol on first use keeps the thread's last error", () => {
  useDoubles();
  const k32 = kernel32();
  k32.SetLastError(0xbeef);
  assert.equal(typeof wtsapi32().WTSEnumerateSessionsExW, "function"); // mapped and bound now
  assert.equal(k32.GetLastError(), 0xbeef); // GetLastError itself bound now too
  // Real Windows (Wine's loader) does set it while loading: tests/windows/wine_test.ts, "stubs
  // fail without setting the last error", reads it after first-use binding.
  k32.SetLastError(0);
  assertNoLeaks();
});

// ---- subprocesses: narrowed --allow-ffi, and the override's permission ----------------------

const mainTs = fileURLToPath(new URL("../cli/main.ts", import.meta.url));
const separator = Deno.build.os === "windows" ? "\\" : "/";
const extension = Deno.build.os === "windows" ? "dll" : "so";

/** The file the loader opens for `name` from the doubles (winsession_<name>.dll on Windows). */
function doubleFile(name: "wtsapi32" | "kernel32" | "rstrtmgr" | "advapi32"): string {
  return win32DoublePath(name);
}

/** Runs `winsession sessions --json` in a fresh Deno with exactly `flags`. */
async function cli(
  flags: string[],
  env: Record<string, string> = { WINSESSION_DLL_DIR: buildDir },
) {
  // --allow-read of the doubles' folder: on Windows the loader looks for winsession_<name>.dll
  // only where it may read (see libraryPath), and the doubles go by that name there.
  const read = `--allow-read=${buildDir}`;
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-check",
      "--no-prompt",
      read,
      ...flags,
      mainTs,
      "sessions",
      "--json",
    ],
    // On Windows the doubles import wsdouble.dll, which the PE loader finds in the current folder.
    cwd: buildDir,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** Asserts one "winsession: ..." line on stderr, exit 4, nothing on stdout; returns the line. */
function permissionLine(result: { code: number; stdout: string; stderr: string }): string {
  assert.equal(result.code, 4, result.stderr);
  assert.equal(result.stdout, "");
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, result.stderr);
  assert.ok(lines[0]!.startsWith("winsession: "), result.stderr);
  assert.match(lines[0]!, /--allow-ffi/);
  return lines[0]!;
}

/** Whether this Deno lets the pointer API run under a narrowed --allow-ffi (2.9.5: no). */
async function pointersAllowedUnderAList(): Promise<boolean> {
  const probe = await new Deno.Command(Deno.execPath(), {
    args: ["eval", `--allow-ffi=${buildDir}`, "Deno.UnsafePointer.create(0n)"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
  return probe.code === 0;
}

Deno.test("--allow-ffi=<folder or exact files> covering every library: loads them", async () => {
  const all = ["wtsapi32", "kernel32", "rstrtmgr", "advapi32"] as const;
  const env = "--allow-env=WINSESSION_DLL_DIR";
  const results = await Promise.all([
    cli([`--allow-ffi=${buildDir}`, env]),
    cli([`--allow-ffi=${all.map(doubleFile).join(",")}`, env]),
  ]);
  const pointers = await pointersAllowedUnderAList();
  for (const result of results) {
    if (pointers) {
      assert.equal(result.code, 0, result.stderr);
      assert.ok(Array.isArray(JSON.parse(result.stdout)));
    } else {
      // Every file was covered, so the loader got past its path check: what stops it is Deno's
      // pointer API (denoland/deno#15511), said up front, once, naming the covered file.
      const line = permissionLine(result);
      assert.match(line, /needs --allow-ffi without a list/);
      assert.match(line, /denoland\/deno#15511/);
      assert.ok(all.some((name) => line.includes(doubleFile(name))), line);
    }
  }
});

Deno.test("--allow-ffi=<list> missing one library: exit 4, one line naming that file", async () => {
  const result = await cli([
    `--allow-ffi=${doubleFile("wtsapi32")},${doubleFile("rstrtmgr")}`,
    "--allow-env=WINSESSION_DLL_DIR",
  ]);
  const line = permissionLine(result);
  assert.ok(line.includes(`--allow-ffi for ${doubleFile("kernel32")}`), line);
});

Deno.test("no --allow-ffi at all (override set): exit 4, one line naming the flag", async () => {
  const line = permissionLine(await cli(["--allow-env=WINSESSION_DLL_DIR"]));
  assert.ok(line.includes(buildDir), line);
});

Deno.test({
  name: "WINSESSION_DLL_DIR without --allow-env is ignored: the system's DLLs, not the doubles",
  // On Windows that means the system DLLs load and answer: tests/windows/ covers that path.
  ignore: Deno.build.os === "windows",
}, async () => {
  const result = await cli(["--allow-ffi"]);
  assert.equal(result.code, 3, result.stderr); // Unsupported: the doubles were not used
  assert.match(result.stderr, /^winsession: winsession needs Windows/);
  assert.ok(!result.stderr.includes(buildDir));
});

Deno.test("the doubles' file names the subprocess tests rely on", () => {
  for (const name of ["wtsapi32", "kernel32", "rstrtmgr"] as const) {
    assert.ok(doubleFile(name).startsWith(`${buildDir}${separator}`));
    assert.ok(doubleFile(name).endsWith(`.${extension}`));
  }
});
