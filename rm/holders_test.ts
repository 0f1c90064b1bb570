// identifyHolders against the doubles: executable and owner of each holder, null where Windows
// refuses, never a reused pid's identity, one account lookup per SID, no leaked handle.
import assert from "node:assert/strict";

import { identifyHolders } from "./holders.ts";
import type { RmProcess } from "./types.ts";
import { AccountNameCache } from "../wts/accounts.ts";
import { assertNoLeaks, doubles, useDoubles } from "../tests/doubles.ts";
import { accountDoubles } from "../tests/doubles_accounts.ts";

useDoubles();

const START = 133_500_000_000_000_000n;
const ALICE = "S-1-5-21-1-2-3-1001";

function rmProcess(pid: number, extra: Partial<RmProcess> = {}): RmProcess {
  return {
    pid,
    startTime: null,
    startFileTime: START + BigInt(pid),
    appName: `App ${pid}`,
    serviceName: null,
    type: "MainWindow",
    typeCode: 1,
    status: ["Running"],
    statusFlags: 1,
    sessionId: 1,
    restartable: true,
    ...extra,
  };
}

function seed(pid: number, extra: Record<string, unknown> = {}) {
  doubles.addProcess({
    pid,
    sessionId: 1,
    name: `app${pid}.exe`,
    imagePath: `C:\\Program Files\\App${pid}\\app${pid}.exe`,
    createTime: START + BigInt(pid),
    sid: ALICE,
    ...extra,
  });
}

Deno.test("identifyHolders: executable path and DOMAIN\\user; SYSTEM for a service", async () => {
  doubles.reset();
  accountDoubles.add({ sid: ALICE, domain: "CONTOSO", name: "alice" });
  accountDoubles.add({ sid: "S-1-5-18", domain: "NT AUTHORITY", name: "SYSTEM" });
  seed(10);
  seed(11);
  seed(12, { sid: "S-1-5-18", sessionId: 0 });
  const names = new AccountNameCache();
  const holders = await identifyHolders(
    [rmProcess(10), rmProcess(11), rmProcess(12, { serviceName: "Spooler", type: "Service" })],
    { names },
  );
  assert.deepEqual(holders.map((h) => [h.pid, h.executable, h.owner, h.ownerSid]), [
    [10, "C:\\Program Files\\App10\\app10.exe", "CONTOSO\\alice", ALICE],
    [11, "C:\\Program Files\\App11\\app11.exe", "CONTOSO\\alice", ALICE],
    [12, "C:\\Program Files\\App12\\app12.exe", "NT AUTHORITY\\SYSTEM", "S-1-5-18"],
  ]);
  assert.equal(holders[2]!.serviceName, "Spooler"); // the RmProcess fields are kept
  assert.equal(names.lookups, 2); // one lookup per distinct SID
  assert.equal(doubles.calls("OpenProcess"), 3);
  assert.equal(doubles.calls("CloseHandle"), 6); // each process handle and each token
  assertNoLeaks();
});

Deno.test("identifyHolders: null where Windows refuses; the SID when no account maps", async () => {
  doubles.reset();
  seed(20, { accessDenied: true }); // another user's process without elevation
  seed(21, { tokenDenied: true }); // a protected process: the image is readable, the token not
  seed(22, { sid: "S-1-5-21-9-9-9-1107" }); // a deleted account
  const holders = await identifyHolders([rmProcess(20), rmProcess(21), rmProcess(22)]);
  assert.deepEqual(holders.map((h) => [h.executable, h.owner]), [
    [null, null],
    ["C:\\Program Files\\App21\\app21.exe", null],
    ["C:\\Program Files\\App22\\app22.exe", "S-1-5-21-9-9-9-1107"],
  ]);
  assertNoLeaks();
});

Deno.test("identifyHolders: a pid reused by another process or gone is not described", async () => {
  doubles.reset();
  seed(30, { createTime: START + 999n }); // same pid, a later start: not the holder
  const holders = await identifyHolders([rmProcess(30), rmProcess(31)]);
  assert.deepEqual(holders.map((h) => [h.executable, h.owner]), [[null, null], [null, null]]);
  assertNoLeaks();
});

Deno.test("identifyHolders: a path longer than MAX_PATH takes one retry", async () => {
  doubles.reset();
  const long = `C:\\${"deep\\".repeat(70)}app.exe`;
  seed(40, { imagePath: long });
  const [holder] = await identifyHolders([rmProcess(40)]);
  assert.equal(holder!.executable, long);
  assert.equal(doubles.calls("QueryFullProcessImageNameW"), 2);
  assertNoLeaks();
});
