import assert from "node:assert/strict";
import { listProcesses, terminateProcess } from "./processes.ts";
import {
  ERROR_ACCESS_DENIED,
  ERROR_INVALID_PARAMETER,
  RPC_S_SERVER_UNAVAILABLE,
  WindowsError,
} from "../ffi/errors.ts";
import { assertNoLeaks, doubles, useDoubles } from "../tests/doubles.ts";
import { accountDoubles, SidNameUse } from "../tests/doubles_accounts.ts";

function setUp(): void {
  useDoubles();
  doubles.addProcess({
    pid: 4,
    sessionId: 0,
    name: "System",
    sid: "S-1-5-18",
    threads: 150,
    handles: 3000,
    workingSet: 1_048_576,
    peakWorkingSet: 2_097_152,
    pagefile: 4096,
    peakPagefile: 8192,
    userTime: 15_625n,
    kernelTime: 20_000n,
  });
  doubles.addProcess({ pid: 800, sessionId: 2, name: "notepad.exe", sid: "S-1-5-21-1-2-3-1001" });
  doubles.addProcess({ pid: 801, sessionId: 2, name: "calc.exe", accessDenied: true });
  accountDoubles.add({
    sid: "S-1-5-18",
    domain: "NT AUTHORITY",
    name: "SYSTEM",
    use: SidNameUse.WellKnownGroup,
  });
}

function expectWindowsError(code: number): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof WindowsError, `expected a WindowsError, got ${error}`);
    assert.equal(error.code, code);
    return true;
  };
}

Deno.test("listProcesses decodes the Ex level-1 rows", async () => {
  setUp();
  const processes = await listProcesses();
  assert.equal(processes.length, 3);
  assert.deepEqual(processes.find((p) => p.pid === 4), {
    server: "",
    pid: 4,
    name: "System",
    sessionId: 0,
    userSid: "S-1-5-18",
    user: "NT AUTHORITY\\SYSTEM",
    threads: 150,
    handles: 3000,
    pagefileBytes: 4096,
    peakPagefileBytes: 8192,
    workingSetBytes: 1_048_576,
    peakWorkingSetBytes: 2_097_152,
    userTimeMs: 1.5625,
    kernelTimeMs: 2,
  });
  assert.equal(processes.find((p) => p.pid === 801)!.userSid, null);
  assert.deepEqual((await listProcesses({ session: 2 })).map((p) => p.pid).sort(), [800, 801]);
  assertNoLeaks();
});

Deno.test("listProcesses falls back to WTSEnumerateProcessesW and filters in JS", async () => {
  setUp();
  doubles.failNext("WTSEnumerateProcessesExW", 120, 2);
  const all = await listProcesses();
  assert.equal(all.length, 3);
  const mine = await listProcesses({ session: 2 });
  assert.deepEqual(mine.map((p) => p.name).sort(), ["calc.exe", "notepad.exe"]);
  assert.equal(mine[0]!.threads, null);
  assert.equal(mine[0]!.userTimeMs, null);
  assert.equal(mine.find((p) => p.pid === 800)!.userSid, "S-1-5-21-1-2-3-1001");
  assertNoLeaks();
});

Deno.test("listProcesses reports refusal and unknown servers", async () => {
  setUp();
  doubles.failNext("WTSEnumerateProcessesExW", ERROR_ACCESS_DENIED);
  doubles.failNext("WTSEnumerateProcessesW", ERROR_ACCESS_DENIED);
  await assert.rejects(listProcesses(), expectWindowsError(ERROR_ACCESS_DENIED));
  await assert.rejects(
    listProcesses({ server: "nowhere" }),
    expectWindowsError(RPC_S_SERVER_UNAVAILABLE),
  );
  await assert.rejects(listProcesses({ session: -2 }), RangeError);
  assertNoLeaks();
});

Deno.test("listProcesses on a named server", async () => {
  useDoubles();
  doubles.addServer("rdsh01");
  doubles.addProcess({ server: "rdsh01", pid: 77, sessionId: 3, name: "excel.exe" });
  const processes = await listProcesses({ server: "rdsh01" });
  assert.deepEqual(processes.map((p) => [p.server, p.pid, p.name]), [["rdsh01", 77, "excel.exe"]]);
  assertNoLeaks();
});

Deno.test("listProcesses handles 10,000 processes with one block freed", async () => {
  useDoubles();
  doubles.generateSessions(10);
  doubles.generateProcesses(10_000);
  const processes = await listProcesses();
  assert.equal(processes.length, 10_000);
  assert.equal(processes[9999]!.name, "proc09999.exe");
  assert.equal(processes[1]!.userSid, "S-1-5-21-1000-2000-3000-1001");
  assertNoLeaks();
});

Deno.test("listProcesses gives each process its own SID text when SIDs repeat", async () => {
  useDoubles();
  // Shared and distinct SIDs interleaved, of different lengths and authorities (the texts are
  // cached by SID bytes within one listing).
  const sids = [
    "S-1-5-18",
    "S-1-5-21-1-2-3-1001",
    "S-1-5-18",
    "S-1-5-21-1-2-3-1002",
    "S-1-5-21-1-2-3-1001",
    "S-1-16-12288",
    "S-1-5-19",
    "S-1-5-21-1-2-3-1002",
  ];
  sids.forEach((sid, i) => doubles.addProcess({ pid: 100 + i, sessionId: 1, name: `p${i}`, sid }));
  doubles.addProcess({ pid: 200, sessionId: 1, name: "nosid.exe" });
  const processes = await listProcesses();
  assert.deepEqual(processes.slice(0, sids.length).map((p) => p.userSid), sids);
  assert.equal(processes.find((p) => p.pid === 200)!.userSid, null);
  // A second listing starts from an empty cache and agrees.
  assert.deepEqual((await listProcesses()).map((p) => p.userSid), processes.map((p) => p.userSid));
  assertNoLeaks();
});

Deno.test("terminateProcess ends a process with its exit code, or says why not", async () => {
  setUp();
  await terminateProcess(800, { exitCode: 3 });
  assert.equal(doubles.processAlive(800), false);
  assert.equal(doubles.processExitCode(800), 3);
  await assert.rejects(terminateProcess(801), expectWindowsError(ERROR_ACCESS_DENIED));
  await assert.rejects(terminateProcess(12345), expectWindowsError(ERROR_INVALID_PARAMETER));
  await assert.rejects(terminateProcess(1.5), RangeError);
  assertNoLeaks();
});

Deno.test("CPU times are read as 100 ns units (NT counters), not the doc page's milliseconds", async () => {
  useDoubles();
  // One second of user time and 2.5 s of kernel time, as the kernel counts them (GetProcessTimes:
  // "if a process has spent one second in kernel mode, … 10 million").
  doubles.addProcess({
    pid: 1234,
    sessionId: 1,
    name: "busy.exe",
    userTime: 10_000_000n,
    kernelTime: 25_000_000n,
  });
  const [busy] = await listProcesses();
  assert.equal(busy!.userTimeMs, 1000);
  assert.equal(busy!.kernelTimeMs, 2500);
  assertNoLeaks();
});
