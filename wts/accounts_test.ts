// Tests of wts/accounts.ts (and the `user` column of listProcesses) against the advapi32 double:
// mapped and unmapped SIDs, the buffer protocol's retry, the per-listing cache, the listing's
// server passed as lpSystemName, elevation, and no leaked token handle.
import assert from "node:assert/strict";

import { AccountNameCache, isElevated, lookupAccountName } from "./accounts.ts";
import { listProcesses } from "./processes.ts";
import { NonblockingCallError } from "./_context.ts";
import {
  ERROR_ACCESS_DENIED,
  ERROR_INSUFFICIENT_BUFFER,
  RPC_S_SERVER_UNAVAILABLE,
  WindowsError,
} from "../ffi/errors.ts";
import { assertNoLeaks, doubles, useDoubles } from "../tests/doubles.ts";
import { accountDoubles, SidNameUse } from "../tests/doubles_accounts.ts";

const ALICE = "S-1-5-21-1-2-3-1001";
const BOB = "S-1-5-21-1-2-3-1002";
const DELETED = "S-1-5-21-1-2-3-1107";
const ERROR_TRUSTED_RELATIONSHIP_FAILURE = 1789;

function setUp(): void {
  useDoubles();
  accountDoubles.add({ sid: ALICE, domain: "CONTOSO", name: "alice" });
  accountDoubles.add({ sid: BOB, domain: "CONTOSO", name: "bob" });
  accountDoubles.add({
    sid: "S-1-5-18",
    domain: "NT AUTHORITY",
    name: "SYSTEM",
    use: SidNameUse.WellKnownGroup,
  });
  accountDoubles.add({
    sid: "S-1-1-0",
    domain: "",
    name: "Everyone",
    use: SidNameUse.WellKnownGroup,
  });
}

function windowsError(code: number): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof WindowsError, `expected a WindowsError, got ${error}`);
    assert.equal(error.code, code);
    return true;
  };
}

Deno.test("lookupAccountName maps a SID given as text or as bytes", async () => {
  setUp();
  assert.deepEqual(await lookupAccountName(ALICE), {
    domain: "CONTOSO",
    name: "alice",
    qualified: "CONTOSO\\alice",
    use: "User",
  });
  const system = new Uint8Array([1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0]);
  assert.equal((await lookupAccountName(system))?.qualified, "NT AUTHORITY\\SYSTEM");
  assert.deepEqual(await lookupAccountName("S-1-1-0"), {
    domain: "",
    name: "Everyone",
    qualified: "Everyone",
    use: "WellKnownGroup",
  });
  assert.equal(doubles.calls("LookupAccountSidW"), 3); // names this short fit the first buffers
  assertNoLeaks();
});

Deno.test("lookupAccountName: an unmapped SID (deleted account) is null, not an error", async () => {
  setUp();
  assert.equal(await lookupAccountName(DELETED), null);
});

Deno.test("lookupAccountName rejects text that is not a SID before calling Windows", async () => {
  setUp();
  for (const bad of ["alice", "S-2-5-18", "S-1-5-18-", "S-1-5-4294967296", "S-1-281474976710656"]) {
    await assert.rejects(() => lookupAccountName(bad), TypeError, bad);
  }
  await assert.rejects(
    () => lookupAccountName(new Uint8Array([2, 0, 0, 0, 0, 0, 0, 5])),
    TypeError,
  );
  assert.equal(doubles.calls("LookupAccountSidW"), 0);
});

Deno.test("lookupAccountName: a name longer than the first buffer costs exactly one retry", async () => {
  setUp();
  const longName = "svc-" + "x".repeat(96);
  const longDomain = "D".repeat(80);
  accountDoubles.add({ sid: "S-1-5-21-9-9-9-500", domain: longDomain, name: longName });
  const account = await lookupAccountName("S-1-5-21-9-9-9-500");
  assert.equal(account?.qualified, `${longDomain}\\${longName}`);
  assert.equal(doubles.calls("LookupAccountSidW"), 2);
});

Deno.test("lookupAccountName: a second ERROR_INSUFFICIENT_BUFFER without a larger size is thrown, not looped on", async () => {
  setUp();
  doubles.failNext("LookupAccountSidW", ERROR_INSUFFICIENT_BUFFER, -1);
  await assert.rejects(() => lookupAccountName(ALICE), windowsError(ERROR_INSUFFICIENT_BUFFER));
  assert.equal(doubles.calls("LookupAccountSidW"), 1);
});

Deno.test("lookupAccountName asks the named server (lpSystemName) and reports one it cannot reach", async () => {
  setUp();
  accountDoubles.add({ server: "rdsh01", sid: ALICE, domain: "RDSH01", name: "localalice" });
  assert.equal(
    (await lookupAccountName(ALICE, { server: "rdsh01" }))?.qualified,
    "RDSH01\\localalice",
  );
  assert.equal(accountDoubles.calls("rdsh01"), 1);
  assert.equal(accountDoubles.calls(""), 0);
  await assert.rejects(
    () => lookupAccountName(ALICE, { server: "nowhere" }),
    windowsError(RPC_S_SERVER_UNAVAILABLE),
  );
  doubles.failNext("LookupAccountSidW", ERROR_TRUSTED_RELATIONSHIP_FAILURE);
  await assert.rejects(() => lookupAccountName(BOB), (error: unknown) => {
    assert.ok(error instanceof WindowsError);
    assert.equal(error.errorName, "ERROR_TRUSTED_RELATIONSHIP_FAILURE");
    return true;
  });
});

Deno.test("AccountNameCache asks each SID once, unmapped and failed ones included", async () => {
  setUp();
  const names = new AccountNameCache();
  for (let i = 0; i < 5; i++) {
    assert.equal(await names.qualified(ALICE), "CONTOSO\\alice");
    assert.equal(await names.qualified(DELETED), "");
    assert.equal(await names.qualified(null), "");
  }
  assert.equal(names.lookups, 2);
  assert.equal(accountDoubles.calls(), 2);
  doubles.failNext("LookupAccountSidW", ERROR_ACCESS_DENIED);
  await assert.rejects(() => names.lookup(BOB), windowsError(ERROR_ACCESS_DENIED));
  await assert.rejects(() => names.lookup(BOB), windowsError(ERROR_ACCESS_DENIED));
  assert.equal(await names.qualified(BOB), "");
  assert.equal(accountDoubles.calls(), 3);
});

Deno.test("AccountNameCache stops asking a server whose LSA is unreachable", async () => {
  setUp();
  const names = new AccountNameCache({ server: "nowhere" });
  assert.equal(names.server, "nowhere");
  for (const sid of [ALICE, BOB, "S-1-5-18"]) assert.equal(await names.qualified(sid), "");
  // The nonblocking call and its one blocking repeat (for an exact code), then nothing more.
  assert.equal(accountDoubles.calls("nowhere"), 2);
  await assert.rejects(() => names.lookup(BOB), windowsError(RPC_S_SERVER_UNAVAILABLE));
});

Deno.test("AccountNameCache: a remote failure too slow to repeat stops the lookups on that server", async () => {
  setUp();
  // Slower than FAST_FAILURE_MS: the nonblocking failure is not repeated on the main thread.
  accountDoubles.setDelay(1100);
  const names = new AccountNameCache({ server: "nowhere" });
  await assert.rejects(() => names.lookup(ALICE), NonblockingCallError);
  assert.equal(await names.qualified(BOB), "");
  assert.equal(accountDoubles.calls("nowhere"), 1);
});

Deno.test("listProcesses fills user with one lookup per distinct SID", async () => {
  setUp();
  const sids = [ALICE, BOB, "S-1-5-18", DELETED];
  for (let pid = 100; pid < 140; pid++) {
    doubles.addProcess({ pid, sessionId: 2, name: `p${pid}.exe`, sid: sids[pid % 4] });
  }
  doubles.addProcess({ pid: 200, sessionId: 2, name: "nosid.exe" });
  const processes = await listProcesses();
  assert.equal(processes.length, 41);
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  assert.deepEqual(
    [100, 101, 102, 103, 200].map((pid) => [byPid.get(pid)!.userSid, byPid.get(pid)!.user]),
    [
      [ALICE, "CONTOSO\\alice"],
      [BOB, "CONTOSO\\bob"],
      ["S-1-5-18", "NT AUTHORITY\\SYSTEM"],
      [DELETED, ""], // unmapped: the SID stays, no error
      [null, ""],
    ],
  );
  assert.equal(accountDoubles.calls(), 4);
  assertNoLeaks();
});

Deno.test("listProcesses on a server looks the names up on that server", async () => {
  setUp();
  doubles.addServer("rdsh01");
  doubles.addProcess({ server: "rdsh01", pid: 10, sessionId: 3, name: "a.exe", sid: ALICE });
  doubles.addProcess({ server: "rdsh01", pid: 11, sessionId: 3, name: "b.exe", sid: ALICE });
  doubles.addProcess({ server: "rdsh01", pid: 12, sessionId: 3, name: "c.exe", sid: BOB });
  accountDoubles.add({ server: "rdsh01", sid: ALICE, domain: "RDSH01", name: "localalice" });
  const processes = await listProcesses({ server: "rdsh01" });
  assert.deepEqual(processes.map((p) => [p.server, p.user]), [
    ["rdsh01", "RDSH01\\localalice"],
    ["rdsh01", "RDSH01\\localalice"],
    ["rdsh01", ""], // BOB is not an account of rdsh01: unmapped there (blocking repeat included)
  ]);
  assert.equal(accountDoubles.calls("rdsh01"), 3);
  assert.equal(accountDoubles.calls(""), 0);
  assertNoLeaks();
});

Deno.test("listProcesses: a server whose names cannot be looked up still lists its processes", async () => {
  setUp();
  doubles.addServer("rdsh02"); // WTS answers, the LSA does not (no accounts seeded there)
  doubles.addProcess({ server: "rdsh02", pid: 10, sessionId: 3, name: "a.exe", sid: ALICE });
  doubles.addProcess({ server: "rdsh02", pid: 12, sessionId: 3, name: "c.exe", sid: BOB });
  const processes = await listProcesses({ server: "rdsh02" });
  assert.deepEqual(processes.map((p) => [p.userSid, p.user]), [[ALICE, ""], [BOB, ""]]);
  assertNoLeaks();
});

Deno.test("isElevated reads TokenElevation and closes the token", () => {
  useDoubles();
  assert.equal(isElevated(), false);
  accountDoubles.setElevated(true);
  assert.equal(isElevated(), true);
  assert.equal(doubles.calls("CloseHandle"), 2);
  assertNoLeaks();
});

Deno.test("isElevated reports a failure as a WindowsError and still closes the token", () => {
  useDoubles();
  doubles.failNext("OpenProcessToken", ERROR_ACCESS_DENIED);
  assert.throws(() => isElevated(), windowsError(ERROR_ACCESS_DENIED));
  doubles.failNext("GetTokenInformation", ERROR_ACCESS_DENIED);
  assert.throws(() => isElevated(), (error: unknown) => {
    assert.ok(error instanceof WindowsError);
    assert.equal(error.functionName, "GetTokenInformation");
    return true;
  });
  assert.equal(doubles.calls("CloseHandle"), 1);
  assertNoLeaks();
});
