// Tests of ffi/library_path.ts: the paths the loader builds (a pure function, so the Windows
// paths are proved here without Windows) and GetSystemDirectoryW's buffer protocol (fakes; the
// kernel32 double's answers are in load_test.ts).
import assert from "node:assert/strict";

import {
  DEFAULT_SYSTEM_DIRECTORY,
  libraryPath,
  readSystemDirectory,
  type SystemDirectorySource,
} from "./library_path.ts";
import { LibraryLoadError, WindowsError } from "./errors.ts";

// ---- libraryPath: what is loaded from where -------------------------------------------------

Deno.test("Windows without override: every library by full path in the system directory", () => {
  for (const name of ["wtsapi32", "rstrtmgr", "kernel32", "advapi32"]) {
    assert.equal(
      libraryPath(name, { os: "windows", systemDirectory: "C:\\WINDOWS\\system32" }),
      `C:\\WINDOWS\\system32\\${name}.dll`,
    );
  }
  // GetSystemDirectoryW ends with a backslash only for a root; either way one separator.
  assert.equal(
    libraryPath("wtsapi32", { os: "windows", systemDirectory: "D:\\" }),
    "D:\\wtsapi32.dll",
  );
  assert.equal(
    libraryPath("rstrtmgr", { os: "windows", systemDirectory: "\\\\?\\C:\\Windows\\System32" }),
    "\\\\?\\C:\\Windows\\System32\\rstrtmgr.dll",
  );
});

Deno.test("Windows without override: no bare name, no relative folder, ever", () => {
  // A bare name would go through the DLL search order (the executable's folder first).
  for (const systemDirectory of [undefined, "", "system32", "Windows\\System32", ".\\", "C:"]) {
    assert.throws(
      () => libraryPath("wtsapi32", { os: "windows", systemDirectory }),
      (error: unknown) =>
        error instanceof LibraryLoadError && /could not load wtsapi32\.dll/.test(error.message),
      String(systemDirectory),
    );
  }
});

Deno.test("the override: winsession_<name>.dll preferred on Windows, <name>.<ext> elsewhere", () => {
  const seen: string[] = [];
  const exists = (path: string) => (seen.push(path), path.includes("winsession_wtsapi32"));
  assert.equal(
    libraryPath("wtsapi32", { os: "windows", override: "Z:\\d\\", exists }),
    "Z:\\d\\winsession_wtsapi32.dll",
  );
  assert.equal(
    libraryPath("kernel32", { os: "windows", override: "Z:\\d", exists }),
    "Z:\\d\\kernel32.dll",
  );
  assert.deepEqual(seen, ["Z:\\d\\winsession_wtsapi32.dll", "Z:\\d\\winsession_kernel32.dll"]);
  // The override wins over the system directory (it is only honoured where it may be set).
  assert.equal(
    libraryPath("rstrtmgr", { os: "windows", override: "Z:\\d", systemDirectory: "C:\\W" }),
    "Z:\\d\\rstrtmgr.dll",
  );
  assert.equal(libraryPath("wtsapi32", { os: "linux", override: "/d//" }), "/d/wtsapi32.so");
  assert.equal(libraryPath("rstrtmgr", { os: "darwin", override: "/d" }), "/d/rstrtmgr.dylib");
});

Deno.test("not Windows and no override: NotSupported, naming the override", () => {
  assert.throws(
    () => libraryPath("wtsapi32", { os: "linux", systemDirectory: "/usr/lib" }),
    (error: unknown) =>
      error instanceof Deno.errors.NotSupported &&
      /^winsession needs Windows: wtsapi32\.dll .*WINSESSION_DLL_DIR/.test(error.message),
  );
});

Deno.test("a library name is a base name: no separators, dots or drive letters", () => {
  for (const name of ["..\\evil", "a/b", "wtsapi32.dll", "C:x", ""]) {
    assert.throws(
      () => libraryPath(name, { os: "windows", systemDirectory: "C:\\W" }),
      TypeError,
      name,
    );
  }
});

// ---- readSystemDirectory: GetSystemDirectoryW's buffer protocol -----------------------------

/** A fake GetSystemDirectoryW answering `answers` in turn (strings are copied like Windows). */
function fake(answers: (string | number)[], lastError = 0) {
  const sizes: number[] = [];
  let error = -1;
  const source: SystemDirectorySource = {
    GetSystemDirectoryW(buffer, size) {
      sizes.push(size);
      const answer = answers.shift();
      if (typeof answer === "number") {
        if (answer === 0) error = lastError;
        return answer;
      }
      const text = answer ?? "";
      if (size < text.length + 1) return text.length + 1;
      const view = new DataView(buffer!.buffer);
      for (let i = 0; i < text.length; i++) view.setUint16(i * 2, text.charCodeAt(i), true);
      view.setUint16(text.length * 2, 0, true);
      return text.length;
    },
    GetLastError: () => error,
    SetLastError: (code) => void (error = code),
  };
  return { source, sizes };
}

Deno.test("readSystemDirectory: success returns the string (length without the NUL)", () => {
  const { source, sizes } = fake(["C:\\WINDOWS\\system32"]);
  assert.equal(readSystemDirectory(source), "C:\\WINDOWS\\system32");
  assert.deepEqual(sizes, [260]);
});

Deno.test("readSystemDirectory: too small answers the size WITH the NUL; asks again", () => {
  const long = `C:\\${"x".repeat(300)}`;
  const { source, sizes } = fake([long, long]);
  assert.equal(readSystemDirectory(source), long);
  assert.deepEqual(sizes, [260, long.length + 1]);
});

Deno.test("readSystemDirectory: 0 is a failure with the last error, never an empty path", () => {
  const { source } = fake([0], 5);
  assert.throws(
    () => readSystemDirectory(source),
    (error: unknown) =>
      error instanceof WindowsError && error.code === 5 &&
      error.message === "GetSystemDirectoryW failed: ERROR_ACCESS_DENIED (5): Access is denied.",
  );
  const silent = fake([0], 0).source; // failed without setting a code: say so
  assert.throws(() => readSystemDirectory(silent), /without setting an error code/);
});

Deno.test("readSystemDirectory: a buffer that never suffices is an error, not a loop", () => {
  const { source, sizes } = fake([300, 400, 500, 600]);
  assert.throws(() => readSystemDirectory(source), /ERROR_INSUFFICIENT_BUFFER/);
  assert.deepEqual(sizes, [260, 300, 400]);
});

Deno.test("the narrowed-permission bootstrap starts from Windows' default folder", () => {
  assert.equal(DEFAULT_SYSTEM_DIRECTORY, "C:\\Windows\\System32");
});
