import assert from "node:assert/strict";
import { listServers, openServer } from "./server.ts";
import {
  ERROR_CALL_NOT_IMPLEMENTED,
  ERROR_CTX_WINSTATION_NOT_FOUND,
  ERROR_NO_SUCH_DOMAIN,
  RPC_S_SERVER_UNAVAILABLE,
  WindowsError,
} from "../ffi/errors.ts";
import { assertNoLeaks, ConnectState, doubles, useDoubles } from "../tests/doubles.ts";

function setUp(): void {
  useDoubles();
  doubles.addServer("rdsh01");
  doubles.addSession({
    server: "rdsh01",
    id: 3,
    winStation: "RDP-Tcp#1",
    state: ConnectState.Active,
    user: "carol",
  });
  doubles.addProcess({ server: "rdsh01", pid: 900, sessionId: 3, name: "word.exe" });
}

function expectWindowsError(code: number): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof WindowsError, `expected a WindowsError, got ${error}`);
    assert.equal(error.code, code);
    return true;
  };
}

Deno.test("Server runs every method on one handle and using closes it", async () => {
  setUp();
  {
    using server = openServer("rdsh01");
    assert.equal(server.name, "rdsh01");
    assert.equal(doubles.counters().serverHandles, 1);
    const sessions = await server.listSessions();
    assert.deepEqual(sessions.map((s) => [s.server, s.id, s.user]), [["rdsh01", 3, "carol"]]);
    assert.equal((await server.getSession(3)).user, "carol");
    assert.deepEqual((await server.listProcesses({ session: 3 })).map((p) => p.pid), [900]);
    assert.equal(await server.sendMessage(3, { title: "T", text: "hi" }), "async");
    assert.equal(await server.sendMessage(3, { title: "T", text: "ok?", wait: true }), "ok");
    await server.terminateProcess(900, { exitCode: 2 });
    assert.equal(doubles.processExitCode(900, "rdsh01"), 2);
    await server.disconnectSession(3, { wait: true });
    assert.equal(doubles.sessionState(3, "rdsh01"), ConnectState.Disconnected);
    await server.logoffSession(3);
    await assert.rejects(server.getSession(3), expectWindowsError(ERROR_CTX_WINSTATION_NOT_FOUND));
    assert.equal(doubles.calls("WTSOpenServerW"), 1);
  }
  assertNoLeaks();
});

Deno.test("Server: double close is harmless, methods after close throw clearly", async () => {
  setUp();
  const server = openServer("rdsh01");
  server.close();
  server.close();
  server[Symbol.dispose]();
  assert.equal(server.closed, true);
  await assert.rejects(server.listSessions(), /Server "rdsh01" is closed/);
  assertNoLeaks();
});

Deno.test("Server: closing during a call waits for the call before closing the handle", async () => {
  setUp();
  const server = openServer("rdsh01");
  const pending = server.listSessions();
  server.close();
  assert.equal(doubles.counters().serverHandles, 1, "still open while the call runs");
  assert.equal((await pending).length, 1);
  assertNoLeaks();
});

Deno.test("openServer uses WTSOpenServerW; the virtual-machine view only when asked", async () => {
  setUp();
  {
    using server = openServer("rdsh01");
    assert.equal(server.virtualMachines, false);
    assert.equal((await server.listSessions()).length, 1);
    assert.equal(doubles.calls("WTSOpenServerW"), 1);
    assert.equal(doubles.calls("WTSOpenServerExW"), 0);
  }
  doubles.reset();
  setUp();
  {
    // rdsh01 as an RD Virtualization Host: its VMs run a session 3 of their own (dave's).
    doubles.addServer("rdsh01|vm");
    doubles.addSession({
      server: "rdsh01|vm",
      id: 3,
      winStation: "RDP-Tcp#0",
      state: 0,
      user: "dave",
    });
    using plain = openServer("rdsh01");
    assert.deepEqual((await plain.listSessions()).map((s) => [s.id, s.user]), [[3, "carol"]]);
    // WTSOpenServerExW lists the VMs' sessions, whose ids are not the host's: listing works,
    // acting by id through this handle is refused (it would hit carol's session 3).
    using host = openServer("rdsh01", { virtualMachines: true });
    assert.equal(doubles.calls("WTSOpenServerExW"), 1);
    assert.deepEqual((await host.listSessions()).map((s) => [s.id, s.user]), [[3, "dave"]]);
    await assert.rejects(host.logoffSession(3), /virtualMachines: true/);
    await assert.rejects(host.disconnectSession(3), /different session/);
    await assert.rejects(host.sendMessage(3, { title: "T", text: "x" }), TypeError);
    await assert.rejects(host.terminateProcess(900), TypeError);
    assert.equal(doubles.sessionState(3, "rdsh01"), ConnectState.Active);
  }
  doubles.failNext("WTSOpenServerW", ERROR_CALL_NOT_IMPLEMENTED);
  assert.throws(() => openServer("rdsh01"), expectWindowsError(ERROR_CALL_NOT_IMPLEMENTED));
  assert.throws(() => openServer(""), TypeError);
  assertNoLeaks();
});

Deno.test("a server that does not exist fails at the first call", async () => {
  useDoubles();
  using server = openServer("ghost");
  await assert.rejects(server.listSessions(), expectWindowsError(RPC_S_SERVER_UNAVAILABLE));
  await assert.rejects(server.listProcesses(), expectWindowsError(RPC_S_SERVER_UNAVAILABLE));
  server.close();
  assertNoLeaks();
});

Deno.test("listServers lists a domain's servers or says the domain is unknown", async () => {
  useDoubles();
  doubles.addDomainServer("CORP", "RDSH01");
  doubles.addDomainServer("CORP", "RDSH02");
  doubles.addDomainServer("", "LOCALDOM01");
  assert.deepEqual(await listServers("CORP"), ["RDSH01", "RDSH02"]);
  assert.deepEqual(await listServers(), ["LOCALDOM01"]);
  await assert.rejects(listServers("NOPE"), expectWindowsError(ERROR_NO_SUCH_DOMAIN));
  assertNoLeaks();
});
