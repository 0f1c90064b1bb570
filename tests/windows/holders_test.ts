/**
 * Integration tests of rm/holders.ts against the system's OWN kernel32.dll and advapi32.dll
 * (Wine's under the Wine lane, no test double): identifyHolders of this very process through the
 * real OpenProcess, GetProcessTimes, QueryFullProcessImageNameW, OpenProcessToken and
 * GetTokenInformation(TokenUser), cross-checked against the user SID WTSEnumerateProcesses gives.
 *
 * Run: sudo scripts/wine/run.sh test --allow-ffi --allow-env --allow-read tests/windows/
 *
 * @module
 */

import assert from "node:assert/strict";
import { identifyHolders, listProcesses, type RmProcess } from "../../mod.ts";
import { processStartTime } from "../../rm/_process_start.ts";
import { announceSkip, windowsSkipReason } from "./wine.ts";

const onWindows = !announceSkip("tests/windows holders (any Windows)", windowsSkipReason());

function self(startFileTime: bigint): RmProcess {
  return {
    pid: Deno.pid,
    startTime: null,
    startFileTime,
    appName: "deno",
    serviceName: null,
    type: "Console",
    typeCode: 5,
    status: ["Running"],
    statusFlags: 1,
    sessionId: null,
    restartable: false,
  };
}

Deno.test({
  name: "holders: this process's executable is deno.exe and its owner is the token's user",
  ignore: !onWindows,
  async fn() {
    const started = processStartTime(Deno.pid);
    const [me] = await identifyHolders([self(started)]);
    assert.match(me!.executable ?? "", /^[A-Za-z]:\\.*\\deno\.exe$/i);
    assert.match(me!.ownerSid ?? "", /^S-1-5-/);
    assert.ok(me!.owner && me!.owner.length > 0, "no owner");
    // The same SID as WTSEnumerateProcessesW's pUserSid for our pid: two Win32 paths agree.
    const listed = (await listProcesses()).find((p) => p.pid === Deno.pid);
    if (listed?.userSid) assert.equal(me!.ownerSid, listed.userSid);
  },
});

Deno.test({
  name: "holders: a wrong start time (a reused pid) and a pid that is gone are not described",
  ignore: !onWindows,
  async fn() {
    const started = processStartTime(Deno.pid);
    const [reused] = await identifyHolders([self(started + 1n)]);
    assert.deepEqual([reused!.executable, reused!.owner], [null, null]);
    const [gone] = await identifyHolders([{ ...self(1n), pid: 0xfffffff0 }]);
    assert.deepEqual([gone!.executable, gone!.owner], [null, null]);
  },
});
