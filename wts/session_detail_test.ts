import assert from "node:assert/strict";
import { colorDepthBits, getSessionDetail } from "./session_detail.ts";
import { ERROR_CTX_WINSTATION_NOT_FOUND, WindowsError } from "../ffi/errors.ts";
import { assertNoLeaks, ConnectState, doubles, useDoubles } from "../tests/doubles.ts";
import { forgetOsVersions } from "./_os_version.ts";

function addRdpSession(server = ""): void {
  doubles.addSession({
    server,
    id: 2,
    winStation: "RDP-Tcp#3",
    state: ConnectState.Active,
    user: "alice",
    domain: "CONTOSO",
    clientName: "LAPTOP-7",
    clientAddress: "10.0.0.5",
    clientDirectory: "C:\\Windows\\System32\\mstscax.dll",
    clientBuild: 22631,
    protocol: 2,
    hres: 2560,
    vres: 1440,
    colorDepth: 24,
    sessionFlags: 0,
    incomingBytes: 1_234_567,
    outgoingBytes: 0xffff_fff0,
    incomingFrames: 321,
    outgoingFrames: 654,
    incomingCompressedBytes: 1000,
    outgoingCompressedBytes: 2000,
  });
}

Deno.test("getSessionDetail reads display, build, directory, counters and lock state", async () => {
  useDoubles();
  forgetOsVersions();
  addRdpSession();
  const detail = await getSessionDetail(2);
  assert.equal(detail.user, "alice");
  assert.equal(detail.clientAddress, "10.0.0.5");
  assert.deepEqual(detail.clientDisplay, {
    width: 2560,
    height: 1440,
    colorDepthBits: 24,
    colorDepthCode: 24,
  });
  assert.equal(detail.clientBuild, 22631);
  assert.equal(detail.clientDirectory, "C:\\Windows\\System32\\mstscax.dll");
  assert.deepEqual(detail.counters, {
    incomingBytes: 1_234_567,
    outgoingBytes: 0xffff_fff0,
    incomingFrames: 321,
    outgoingFrames: 654,
    incomingCompressedBytes: 1000,
    outgoingCompressedBytes: 2000,
  });
  assert.equal(detail.locked, true);
  assert.equal(detail.lockedReason, null);
  assertNoLeaks();
});

Deno.test("getSessionDetail on a named server uses its handle and closes it", async () => {
  useDoubles();
  forgetOsVersions();
  doubles.addServer("rdsh01");
  addRdpSession("rdsh01");
  const detail = await getSessionDetail(2, { server: "rdsh01" });
  assert.equal(detail.server, "rdsh01");
  assert.equal(detail.clientDisplay?.width, 2560);
  assert.equal(detail.counters?.incomingFrames, 321);
  assertNoLeaks();
});

Deno.test("a session without a client has no display and no build, zero counters", async () => {
  useDoubles();
  forgetOsVersions();
  doubles.addSession({ id: 1, winStation: "Console", state: ConnectState.Active, user: "bob" });
  const detail = await getSessionDetail(1);
  assert.equal(detail.clientDisplay, null);
  assert.equal(detail.clientBuild, null);
  assert.equal(detail.clientDirectory, "");
  assert.equal(detail.counters?.incomingBytes, 0);
  assertNoLeaks();
});

Deno.test("getSessionDetail of an unknown session throws the real code", async () => {
  useDoubles();
  await assert.rejects(getSessionDetail(42), (error) => {
    assert.ok(error instanceof WindowsError);
    assert.equal(error.code, ERROR_CTX_WINSTATION_NOT_FOUND);
    return true;
  });
  assertNoLeaks();
});

Deno.test("colorDepthBits decodes the WTS_CLIENT_DISPLAY codes, not bits", () => {
  assert.deepEqual([1, 2, 4, 8, 16, 24, 32].map(colorDepthBits), [4, 8, 16, 24, 15, 24, 32]);
  assert.equal(colorDepthBits(0), null);
  assert.equal(colorDepthBits(15), null);
});
