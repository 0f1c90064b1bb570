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
  assert.deepEqual(Object.keys(events[0]), [
    "type",
    "flags",
    "at",
    "server",
    "sessionId",
    "user",
    "domain",
    "stateBefore",
    "state",
    "clientName",
    "clientAddress",
    "locked",
  ]);
  assert.equal(events[0].sessionId, null); // nothing changed in the table: the raw bit
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

test("watch: says who logged on and who disconnected, in text and JSON", async () => {
  const stop = new AbortController();
  const io = recordingIO();
  const running = main(["watch"], io, { signal: stop.signal });
  await doubles.waitUntilPending(1);
  doubles.addSession({
    id: 7,
    winStation: "RDP-Tcp#9",
    state: 0,
    user: "carol",
    domain: "CONTOSO",
    clientName: "PC-9",
    clientAddress: "10.0.0.9",
    protocol: 2,
  });
  doubles.injectEvent(WTS_EVENT_LOGON);
  await until(() => lines(io.stdout).length === 2);
  await doubles.waitUntilPending(1);
  assert.ok(doubles.setSessionField("", 7, "state", 4n));
  doubles.injectEvent(WTS_EVENT_DISCONNECT);
  await until(() => lines(io.stdout).length === 3);
  stop.abort();
  assert.equal(await running, ExitCode.Ok);
  const [create, logon, disconnect] = lines(io.stdout);
  assert.match(create!, / {2}create {2}session 7 {2}CONTOSO\\carol {2}Active {2}PC-9 10\.0\.0\.9$/);
  assert.match(logon!, / {2}logon {2}session 7 {2}CONTOSO\\carol {2}Active {2}PC-9 10\.0\.0\.9$/);
  assert.match(
    disconnect!,
    / {2}disconnect {2}session 7 {2}CONTOSO\\carol {2}Active -> Disconnected/,
  );

  const json = new AbortController();
  const out = recordingIO();
  const jsonRun = main(["watch", "--json"], out, { signal: json.signal });
  await doubles.waitUntilPending(1);
  assert.ok(doubles.setSessionField("", 7, "state", 0n));
  doubles.injectEvent(0x8); // WTS_EVENT_CONNECT
  await until(() => lines(out.stdout).length === 1);
  json.abort();
  assert.equal(await jsonRun, ExitCode.Ok);
  const event = JSON.parse(out.stdout);
  assert.deepEqual(
    [event.type, event.sessionId, event.user, event.stateBefore, event.state, event.flags],
    ["connect", 7, "carol", "Disconnected", "Active", 0x8],
  );
});

test("watch --server A --server B: one merged stream, a failing server is an error event (exit 6)", async () => {
  doubles.addServer("RDS01");
  doubles.addServer("RDS02");
  const stop = new AbortController();
  const io = recordingIO();
  const running = main(
    ["watch", "--server", "RDS01", "--server", "NOPE", "--server", "RDS02", "--json"],
    io,
    { signal: stop.signal },
  );
  await doubles.waitUntilPending(2);
  doubles.addSession({ server: "RDS01", id: 3, winStation: "RDP-Tcp#1", state: 0, user: "ann" });
  doubles.injectEvent(WTS_EVENT_LOGON, "RDS01");
  doubles.addSession({ server: "RDS02", id: 4, winStation: "RDP-Tcp#2", state: 0, user: "ben" });
  doubles.injectEvent(WTS_EVENT_LOGON, "RDS02");
  await until(() => lines(io.stdout).length === 5);
  stop.abort();
  assert.equal(await running, ExitCode.Partial);
  const events = lines(io.stdout).map((line) => JSON.parse(line));
  const error = events.find((e) => e.type === "error");
  assert.equal(error.server, "NOPE");
  assert.match(error.error, /RPC_S_SERVER_UNAVAILABLE/);
  assert.equal(error.errorCode, 1722);
  const logons = events.filter((e) => e.type === "logon").map((e) => [e.server, e.user]).sort();
  assert.deepEqual(logons, [["RDS01", "ann"], ["RDS02", "ben"]]);
  assert.equal(io.stderr, "");
  assert.equal(doubles.waitPending(), 0);
});

test("watch with several --server all failing: one stderr line each, exit 1", async () => {
  const { code, io } = await run(["watch", "--server", "NOPE1", "--server", "NOPE2"]);
  assert.equal(code, ExitCode.WindowsError);
  assert.equal(io.stdout, "");
  const errors = lines(io.stderr).sort();
  assert.equal(errors.length, 2);
  assert.match(errors[0]!, /^winsession: NOPE1: .*RPC_S_SERVER_UNAVAILABLE \(1722\)/);
  assert.match(errors[1]!, /^winsession: NOPE2: .*RPC_S_SERVER_UNAVAILABLE \(1722\)/);
});

test("watch --raw with --lock-state or --poll is a usage error", async () => {
  for (const extra of [["--lock-state"], ["--poll", "5"]]) {
    const { code, io } = await run(["watch", "--raw", ...extra]);
    assert.equal(code, ExitCode.Usage, extra.join(" "));
    assert.match(io.stderr, /--raw lists no sessions/);
  }
  assert.equal(doubles.calls("WTSWaitSystemEvent"), 0);
});

test("watch --raw: the bits only, as before, no listing", async () => {
  const stop = new AbortController();
  const io = recordingIO();
  const running = main(["watch", "--raw", "--json"], io, { signal: stop.signal });
  await doubles.waitUntilPending(1);
  doubles.addSession({ id: 9, winStation: "RDP-Tcp#5", state: 0, user: "zed" });
  doubles.injectEvent(WTS_EVENT_LOGON);
  await until(() => lines(io.stdout).length === 1);
  stop.abort();
  assert.equal(await running, ExitCode.Ok);
  const event = JSON.parse(io.stdout);
  assert.deepEqual([event.type, event.sessionId, event.user], ["logon", null, ""]);
  assert.equal(doubles.calls("WTSEnumerateSessionsExW"), 0);
});

test("watch --lock-state --poll: lock and unlock, found by re-reading", async () => {
  doubles.addSession({ id: 8, winStation: "RDP-Tcp#8", state: 0, user: "dan", sessionFlags: 1 });
  const stop = new AbortController();
  const io = recordingIO();
  const running = main(["watch", "--lock-state", "--poll", "0.005", "--json"], io, {
    signal: stop.signal,
  });
  await doubles.waitUntilPending(1);
  assert.ok(doubles.setSessionField("", 8, "session_flags", 0n)); // WTS_SESSIONSTATE_LOCK
  await until(() => lines(io.stdout).length === 1);
  assert.ok(doubles.setSessionField("", 8, "session_flags", 1n));
  await until(() => lines(io.stdout).length === 2);
  stop.abort();
  assert.equal(await running, ExitCode.Ok);
  const events = lines(io.stdout).map((line) => JSON.parse(line));
  assert.deepEqual(events.map((e) => [e.type, e.sessionId, e.user, e.locked, e.flags]), [
    ["lock", 8, "dan", true, 0],
    ["unlock", 8, "dan", false, 0],
  ]);
});

test("watch: a bad --poll is a usage error", async () => {
  const { code, io } = await run(["watch", "--poll", "soon"]);
  assert.equal(code, ExitCode.Usage);
  assert.match(io.stderr, /--poll must be/);
});
