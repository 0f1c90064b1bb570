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
  assert.match(io.stdout, /^Address: +10\.0\.0\.5$/m);
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
