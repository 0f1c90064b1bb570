// The process-array decoders: rows straight into ProcessInfo, the basic level's session filter,
// and CPU times identical to the BigInt conversion at every edge of a LARGE_INTEGER.
import assert from "node:assert/strict";
import { WTS_PROCESS_INFO_EXW, WTS_PROCESS_INFOW } from "./layouts.ts";
import { useDoubles } from "../tests/doubles.ts";
import { durationFrom100ns } from "./filetime.ts";
import { Block, sidBytes } from "./_test_block.ts";
import { decodeProcessInfoExW, decodeProcessInfoW, type ProcessInfo } from "./wts_process_rows.ts";

// Names are measured with kernel32's lstrlenW, here the test double's.
useDoubles();

const NO_COUNTERS = {
  user: "",
  threads: null,
  handles: null,
  pagefileBytes: null,
  peakPagefileBytes: null,
  workingSetBytes: null,
  peakWorkingSetBytes: null,
  userTimeMs: null,
  kernelTimeMs: null,
};

function basicBlock() {
  const { size, offsets } = WTS_PROCESS_INFOW;
  const block = new Block(size * 3);
  const rows = [
    { sessionId: 0, processId: 4, processName: "System", sid: sidBytes(5, 18) },
    { sessionId: 0, processId: 0, processName: "", sid: null },
    {
      sessionId: 2,
      processId: 0xfffffffc,
      processName: "explorer.exe",
      sid: sidBytes(5, 21, 1, 2, 3, 1001),
    },
  ];
  rows.forEach((row, i) => {
    const at = i * size;
    block.view.setUint32(at + offsets.SessionId, row.sessionId, true);
    block.view.setUint32(at + offsets.ProcessId, row.processId, true);
    block.string(at + offsets.pProcessName, row.processName);
    block.sid(at + offsets.pUserSid, row.sid);
  });
  return block;
}

Deno.test("decodeProcessInfoW() decodes names and SIDs, NULL SID as null, counters null", () => {
  const expected: ProcessInfo[] = [
    { server: "rds01", pid: 4, name: "System", sessionId: 0, userSid: "S-1-5-18", ...NO_COUNTERS },
    { server: "rds01", pid: 0, name: "", sessionId: 0, userSid: null, ...NO_COUNTERS },
    {
      server: "rds01",
      pid: 0xfffffffc,
      name: "explorer.exe",
      sessionId: 2,
      userSid: "S-1-5-21-1-2-3-1001",
      ...NO_COUNTERS,
    },
  ];
  const block = basicBlock();
  assert.deepEqual(decodeProcessInfoW(block.pointer, 3, "rds01"), expected);
  assert.deepEqual(decodeProcessInfoW(block.pointer, 3, "rds01", 2), [expected[2]]);
  assert.deepEqual(decodeProcessInfoW(block.pointer, 3, "rds01", 7), []);
  assert.deepEqual(decodeProcessInfoW(block.pointer, 0, "rds01"), []);
});

Deno.test("decodeProcessInfoExW() decodes counters and CPU times", () => {
  const { size, offsets } = WTS_PROCESS_INFO_EXW;
  const block = new Block(size * 2);
  for (let i = 0; i < 2; i++) {
    const at = i * size;
    block.view.setUint32(at + offsets.SessionId, i + 1, true);
    block.view.setUint32(at + offsets.ProcessId, 1000 + i, true);
    block.string(at + offsets.pProcessName, `app${i}.exe`);
    block.sid(at + offsets.pUserSid, sidBytes(5, 32, 544 + i));
    block.view.setUint32(at + offsets.NumberOfThreads, 10 + i, true);
    block.view.setUint32(at + offsets.HandleCount, 200 + i, true);
    block.view.setUint32(at + offsets.PagefileUsage, 0xffffffff, true);
    block.view.setUint32(at + offsets.PeakPagefileUsage, 4096 * (i + 1), true);
    block.view.setUint32(at + offsets.WorkingSetSize, 8192 * (i + 1), true);
    block.view.setUint32(at + offsets.PeakWorkingSetSize, 16384 * (i + 1), true);
    block.view.setBigInt64(at + offsets.UserTime, 15_625n * BigInt(i + 1), true);
    block.view.setBigInt64(at + offsets.KernelTime, 10_000_000_000n + BigInt(i), true);
  }
  const rows = decodeProcessInfoExW(block.pointer, 2, "");
  assert.deepEqual(rows[1], {
    server: "",
    pid: 1001,
    name: "app1.exe",
    sessionId: 2,
    userSid: "S-1-5-32-545",
    user: "",
    threads: 11,
    handles: 201,
    pagefileBytes: 0xffffffff,
    peakPagefileBytes: 8192,
    workingSetBytes: 16384,
    peakWorkingSetBytes: 32768,
    userTimeMs: 3.125,
    kernelTimeMs: 1_000_000.0001,
  });
  assert.equal(rows[0]!.name, "app0.exe");
  assert.equal(rows[0]!.userSid, "S-1-5-32-544");
  assert.deepEqual(decodeProcessInfoExW(block.pointer, 0, ""), []);
});

Deno.test("decodeProcessInfoExW() CPU times equal the BigInt conversion bit for bit, at extremes", () => {
  const ticks = [
    0n,
    1n,
    9_999n,
    10_000n,
    10_001n,
    0xffff_ffffn, // the largest low DWORD alone
    0x1_0000_0000n, // 2^32: the high DWORD's first bit
    0x1_0000_0000n + 2_703n, // where 7,296 + low first carries a whole millisecond
    0x1_0000_0000n * 10_000n - 1n,
    864_000_000_000n * 365n * 100n, // a century of CPU time
    (1n << 53n) - 1n,
    1n << 53n,
    (1n << 53n) + 1n,
    0x7fff_ffff_ffff_fffen,
    0x7fff_ffff_ffff_ffffn, // the largest LARGE_INTEGER
    -1n, // sign bit set: never reported, still converted as the BigInt path does
    -10_001n,
    -(1n << 63n),
  ];
  // A deterministic spread of high DWORDs and low DWORDs besides the edges above.
  for (let k = 1n; k < 200n; k++) ticks.push((k * 0x9e37_79b9_7f4a_7c15n) & 0x7fff_ffff_ffff_ffffn);
  const { size, offsets } = WTS_PROCESS_INFO_EXW;
  const block = new Block(size * ticks.length);
  ticks.forEach((value, i) => {
    block.view.setBigInt64(i * size + offsets.UserTime, value, true);
    block.view.setBigInt64(i * size + offsets.KernelTime, -value, true);
  });
  const rows = decodeProcessInfoExW(block.pointer, ticks.length, "");
  const bits = (value: number | null) => {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, value!);
    return view.getBigUint64(0);
  };
  ticks.forEach((value, i) => {
    const negated = BigInt.asIntN(64, -value);
    assert.equal(bits(rows[i]!.userTimeMs), bits(durationFrom100ns(value)), `${value}`);
    assert.equal(bits(rows[i]!.kernelTimeMs), bits(durationFrom100ns(negated)), `${negated}`);
  });
});
