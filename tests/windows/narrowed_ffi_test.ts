/**
 * A narrowed `--allow-ffi=<list>` on Windows (issue 9 point 5), against Wine's own DLLs: the
 * loader finds the system directory without a bare name (kernel32 from C:\Windows\System32, kept
 * only because GetSystemDirectoryW names that folder, compared case-insensitively: Wine answers
 * "C:\windows\system32"), checks every library's exact file, and says what is missing. The
 * unrestricted flag is still needed for Deno's pointer API (denoland/deno#15511), and the error
 * says so once the list covers every file.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { kernel32 } from "../../ffi/load.ts";
import { libraryPath, readSystemDirectory } from "../../ffi/library_path.ts";
import { announceSkip, windowsSkipReason, wineVersion } from "./wine.ts";

const ready = !announceSkip("tests/windows/narrowed_ffi_test.ts", windowsSkipReason());
const main = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));

async function sessionsWith(ffi: string) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", `--allow-ffi=${ffi}`, main, "sessions"],
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr).trimEnd();
  assert.equal(output.code, 4, stderr);
  const lines = stderr.split(/\r?\n/);
  assert.equal(lines.length, 1, stderr);
  return lines[0]!;
}

Deno.test({
  name:
    "narrowed --allow-ffi=C:\\Windows\\System32: every file covered; the pointer API is what is missing",
  ignore: !ready,
  async fn() {
    const line = await sessionsWith("C:\\Windows\\System32");
    assert.match(line, /needs --allow-ffi without a list/);
    assert.ok(line.includes("C:\\Windows\\System32\\wtsapi32.dll"), line);
    assert.match(line, /denoland\/deno#15511/);
  },
});

Deno.test({
  name: "narrowed --allow-ffi elsewhere: names the system file it needs first (kernel32)",
  ignore: !ready,
  async fn() {
    const line = await sessionsWith("C:\\nowhere");
    assert.ok(line.includes("--allow-ffi for C:\\Windows\\System32\\kernel32.dll"), line);
  },
});

Deno.test({
  name:
    "GetSystemDirectoryW through the loader: an absolute System32 (Wine: C:\\windows\\system32)",
  ignore: !ready,
  fn() {
    const directory = readSystemDirectory(kernel32());
    assert.match(directory, /^[A-Za-z]:\\windows\\system32$/i);
    if (wineVersion() !== undefined) assert.equal(directory, "C:\\windows\\system32");
    assert.equal(
      libraryPath("wtsapi32", { os: "windows", systemDirectory: directory }),
      `${directory}\\wtsapi32.dll`,
    );
  },
});
