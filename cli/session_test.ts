/**
 * `winsession session <id>` against the wtsapi32 double: detail lines, JSON, unknown and malformed ids.
 */
import assert from "node:assert/strict";
import { ExitCode } from "./common.ts";
import { doubles } from "../tests/doubles.ts";
import { lines, run, test } from "./_session_testing.ts";

test("session <id>: one session in detail", async () => {
  const { code, io } = await run(["session", "2"]);
  assert.equal(code, ExitCode.Ok);
  assert.match(io.stdout, /^Server: +\(local\)$/m);
  assert.match(io.stdout, /^User: +CONTOSO\\bob$/m);
  assert.match(io.stdout, /^Address: +10\.0\.0\.5 \(as the client reported it\)$/m);
  assert.match(io.stdout, /^Protocol: +rdp$/m);
});

test("session <id> --json: the same fields as sessions --json", async () => {
  const { io } = await run(["session", "1", "--json"]);
  const session = JSON.parse(io.stdout);
  assert.equal(session.user, "alice");
  assert.equal(session.protocol, "console");
  assert.equal(typeof session.logonTime, "string");
});

test("session: an unknown id names ERROR_CTX_WINSTATION_NOT_FOUND, exit 1", async () => {
  const { code, io } = await run(["session", "77"]);
  assert.equal(code, ExitCode.WindowsError);
  assert.equal(io.stdout, "");
  assert.equal(lines(io.stderr).length, 1);
  assert.match(io.stderr, /ERROR_CTX_WINSTATION_NOT_FOUND \(7022\)/);
});

test("session: non-numeric, negative and too large ids are usage errors; nothing is called", async () => {
  for (const id of ["abc", "4294967296", "1.5", "-1"]) {
    const { code, io } = await run(["session", id]);
    assert.equal(code, ExitCode.Usage, id);
    assert.equal(io.stdout, "");
    assert.match(io.stderr, /^winsession: /);
  }
  const { io } = await run(["session", "4294967296"]);
  assert.equal(
    io.stderr,
    'winsession: session id must be a whole number from 0 to 4294967295, got "4294967296"\n',
  );
  assert.equal(doubles.calls("WTSQuerySessionInformationW"), 0);
});

test("session --server: a failure names the server, one line", async () => {
  const { code, io } = await run(["session", "2", "--server", "NOPE"]);
  assert.equal(code, ExitCode.WindowsError);
  assert.equal(lines(io.stderr).length, 1);
  assert.match(
    io.stderr,
    /^winsession: NOPE: WTSQuerySessionInformationW failed: RPC_S_SERVER_UNAVAILABLE \(1722\)/,
  );
});

/** Gives bob's RDP session (id 2) a display, a build, a directory, counters and a lock. */
function detailBob(server = ""): void {
  for (
    const [field, value] of [
      ["hres", 1920n],
      ["vres", 1080n],
      ["color_depth", 4n],
      ["client_build", 22631n],
      ["incoming_bytes", 5n * 1024n * 1024n],
      ["outgoing_bytes", 2048n],
      ["incoming_frames", 10n],
      ["outgoing_frames", 20n],
      ["session_flags", 0n], // WTS_SESSIONSTATE_LOCK on Windows 8 and later
    ] as const
  ) {
    assert.ok(doubles.setSessionField(server, 2, field, value), field);
  }
  assert.ok(doubles.setSessionField(server, 2, "client_directory", "C:\\Windows\\System32"));
}

test("session <id>: display, build, directory, counters, lock, the address caveat", async () => {
  detailBob();
  const { code, io } = await run(["session", "2"]);
  assert.equal(code, ExitCode.Ok);
  assert.match(io.stdout, /^Locked: +yes$/m);
  assert.match(io.stdout, /^Display: +1920x1080, 16-bit$/m);
  assert.match(io.stdout, /^Client build: +22631$/m);
  assert.match(io.stdout, /^Client dir: +C:\\Windows\\System32$/m);
  assert.match(io.stdout, /^Bytes: +5\.0 MB in, 2\.0 KB out$/m);
  assert.match(io.stdout, /^Frames: +10 in, 20 out$/m);
  assert.match(io.stdout, /^Address: +10\.0\.0\.5 \(as the client reported it\)$/m);
});

test("session <id>: a console session shows no display and says why a lock is unknown", async () => {
  const { io } = await run(["session", "1"]);
  assert.match(io.stdout, /^Display:$/m);
  assert.match(io.stdout, /^Locked: +unknown \(Windows reports the lock state as unknown\)$/m);
  assert.match(io.stdout, /^Address:$/m);
});

test("session <id> --json: detail fields, locked and lockedReason", async () => {
  detailBob();
  const { io } = await run(["session", "2", "--json"]);
  const session = JSON.parse(io.stdout);
  assert.equal(session.locked, true);
  assert.equal(session.lockedReason, null);
  assert.deepEqual(session.clientDisplay, {
    width: 1920,
    height: 1080,
    colorDepthBits: 16,
    colorDepthCode: 4,
  });
  assert.equal(session.clientBuild, 22631);
  assert.equal(session.clientDirectory, "C:\\Windows\\System32");
  assert.deepEqual(session.counters, {
    incomingBytes: 5 * 1024 * 1024,
    outgoingBytes: 2048,
    incomingFrames: 10,
    outgoingFrames: 20,
    incomingCompressedBytes: 0,
    outgoingCompressedBytes: 0,
  });
});

test("session <id> --server: the detail of a named server's session", async () => {
  doubles.addServer("RDS01");
  doubles.addSession({ server: "RDS01", id: 2, winStation: "RDP-Tcp#0", state: 0, user: "eve" });
  detailBob("RDS01");
  const { code, io } = await run(["session", "2", "--server", "RDS01", "--json"]);
  assert.equal(code, ExitCode.Ok);
  const session = JSON.parse(io.stdout);
  assert.equal(session.server, "RDS01");
  assert.equal(session.user, "eve");
  assert.equal(session.clientDisplay.width, 1920);
  assert.equal(session.counters.incomingFrames, 10);
});
