/**
 * `winsession watch` against the wtsapi32 double: JSON and text events, a clean end on abort and on a real Ctrl+C.
 */
import assert from "node:assert/strict";
import { ExitCode } from "./common.ts";
import { fileURLToPath } from "node:url";
import { main } from "./main.ts";
import { buildDir, doubles } from "../tests/doubles.ts";
import { recordingIO } from "./_testing.ts";
import {
  lines,
  run,
  test,
  until,
  WTS_EVENT_DISCONNECT,
  WTS_EVENT_LOGON,
} from "./_session_testing.ts";

test("watch --json: one object per event line; aborting ends it cleanly with exit 0", async () => {
  const stop = new AbortController();
  const io = recordingIO();
  const running = main(["watch", "--json"], io, { signal: stop.signal });
  await doubles.waitUntilPending(1);
  doubles.injectEvent(WTS_EVENT_LOGON);
  await until(() => io.stdout.includes("\n"));
  await doubles.waitUntilPending(1);
  doubles.injectEvent(WTS_EVENT_DISCONNECT | WTS_EVENT_LOGON);
  await until(() => lines(io.stdout).length === 3);
  stop.abort();
  assert.equal(await running, ExitCode.Ok);
  const events = lines(io.stdout).map((line) => JSON.parse(line));
  assert.deepEqual(Object.keys(events[0]), ["type", "flags", "at", "server"]);
  assert.deepEqual(events.map((e) => e.type), ["logon", "disconnect", "logon"]);
  assert.equal(events[0].flags, WTS_EVENT_LOGON);
  assert.match(events[0].at, /^\d{4}-\d\d-\d\dT/);
  assert.equal(io.stderr, "");
  assert.equal(doubles.waitPending(), 0);
});

test("watch: text lines, a note on stderr; abort before any event exits 0", async () => {
  const stop = new AbortController();
  const io = recordingIO();
  const running = main(["watch"], io, { signal: stop.signal });
  await doubles.waitUntilPending(1);
  doubles.injectEvent(WTS_EVENT_LOGON);
  await until(() => io.stdout.includes("\n"));
  stop.abort();
  assert.equal(await running, ExitCode.Ok);
  assert.match(io.stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}logon\n$/);
  assert.match(io.stderr, /Watching session events on the local server \(Ctrl\+C to stop\)/);
  const idle = new AbortController();
  const quiet = main(["watch"], recordingIO(), { signal: idle.signal });
  await doubles.waitUntilPending(1);
  idle.abort();
  assert.equal(await quiet, ExitCode.Ok);
});

test("watch: an unknown server fails at once with the Win32 error", async () => {
  const { code, io } = await run(["watch", "--server", "NOPE"]);
  assert.equal(code, ExitCode.WindowsError);
  assert.match(io.stderr, /^winsession: NOPE: .*RPC_S_SERVER_UNAVAILABLE/);
  assert.equal(lines(io.stderr).length, 1);
});

Deno.test({
  name: "watch: Ctrl+C (SIGINT) in a real process flushes the wait and exits 0",
  // Deno cannot deliver Ctrl+C to a child on Windows: child.kill("SIGINT") terminates it
  // (TerminateProcess, exit code 1), so the handler under test never runs there.
  ignore: Deno.build.os === "windows",
}, async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-check", "--allow-ffi", "--allow-env", "--allow-read", "main.ts", "watch"],
    cwd: fileURLToPath(new URL(".", import.meta.url)),
    env: { WINSESSION_DLL_DIR: buildDir, NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let stderr = "";
  while (!stderr.includes("Ctrl+C")) {
    const { value, done } = await reader.read();
    if (done) break;
    stderr += value;
  }
  child.kill("SIGINT");
  const status = await child.status;
  // Cancelling through the reader also cancels the piped source; the source itself stays
  // locked by pipeThrough until the pipe ends, so it cannot be cancelled directly.
  await reader.cancel();
  await child.stdout.cancel();
  assert.equal(status.code, ExitCode.Ok, stderr);
});
