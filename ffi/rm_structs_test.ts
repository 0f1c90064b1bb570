import assert from "node:assert/strict";
import { RM_FILTER_INFO, RM_PROCESS_INFO, RM_UNIQUE_PROCESS } from "./layouts.ts";
import {
  decodeFilterList,
  decodeProcessInfo,
  encodeUniqueProcesses,
  RmFilterTrigger,
} from "./rm_structs.ts";
import { encodeWide } from "./utf16.ts";
import { fileTimeToDate } from "./filetime.ts";

Deno.test("encodeUniqueProcesses() writes pid and the FILETIME as low/high DWORDs", () => {
  const startTime = 0x01da_1234_5678_9abcn;
  const bytes = encodeUniqueProcesses([{ pid: 4242, startTime }, {
    pid: 0xffffffff,
    startTime: 0n,
  }]);
  const { size, offsets } = RM_UNIQUE_PROCESS;
  assert.equal(bytes.byteLength, 2 * size);
  const view = new DataView(bytes.buffer);
  assert.equal(view.getUint32(offsets.dwProcessId, true), 4242);
  assert.equal(view.getUint32(offsets.ProcessStartTime, true), 0x5678_9abc);
  assert.equal(view.getUint32(offsets.ProcessStartTime + 4, true), 0x01da_1234);
  assert.equal(view.getUint32(size + offsets.dwProcessId, true), 0xffffffff);
  assert.equal(encodeUniqueProcesses([]).byteLength, 0);
});

Deno.test("encodeUniqueProcesses() rejects values that do not fit", () => {
  assert.throws(() => encodeUniqueProcesses([{ pid: -1, startTime: 0n }]), RangeError);
  assert.throws(() => encodeUniqueProcesses([{ pid: 2 ** 32, startTime: 0n }]), RangeError);
  assert.throws(() => encodeUniqueProcesses([{ pid: 1.5, startTime: 0n }]), RangeError);
  assert.throws(() => encodeUniqueProcesses([{ pid: 1, startTime: -1n }]), RangeError);
  assert.throws(() => encodeUniqueProcesses([{ pid: 1, startTime: 2n ** 64n }]), RangeError);
});

Deno.test("decodeProcessInfo() decodes RmGetList entries", () => {
  const { size, offsets } = RM_PROCESS_INFO;
  const bytes = new Uint8Array(3 * size);
  const view = new DataView(bytes.buffer);
  const processes = encodeUniqueProcesses([
    { pid: 100, startTime: 133_500_000_000_000_000n },
    { pid: 200, startTime: 1n },
  ]);
  bytes.set(processes.subarray(0, 12), offsets.Process);
  bytes.set(encodeWide("Microsoft Word"), offsets.strAppName);
  view.setUint32(offsets.ApplicationType, 1, true); // RmMainWindow
  view.setUint32(offsets.AppStatus, 1, true); // RmStatusRunning
  view.setUint32(offsets.TSSessionId, 2, true);
  view.setInt32(offsets.bRestartable, 1, true);
  bytes.set(processes.subarray(12, 24), size + offsets.Process);
  bytes.set(encodeWide("Print Spooler"), size + offsets.strAppName);
  bytes.set(encodeWide("Spooler"), size + offsets.strServiceShortName);
  view.setUint32(size + offsets.ApplicationType, 3, true); // RmService
  view.setUint32(size + offsets.TSSessionId, 0, true);
  view.setInt32(size + offsets.bRestartable, 0, true);
  // A full strAppName[256] with no NUL must stop at the array's end.
  bytes.set(encodeWide("N".repeat(256)).subarray(0, 512), 2 * size + offsets.strAppName);
  bytes.set(encodeWide("svc"), 2 * size + offsets.strServiceShortName);

  const rows = decodeProcessInfo(bytes, 3);
  assert.deepEqual(rows[0], {
    processId: 100,
    processStartTime: 133_500_000_000_000_000n,
    processStartDate: fileTimeToDate(133_500_000_000_000_000n),
    appName: "Microsoft Word",
    serviceShortName: "",
    applicationType: 1,
    appStatus: 1,
    tsSessionId: 2,
    restartable: true,
  });
  assert.deepEqual(rows[1], {
    processId: 200,
    processStartTime: 1n,
    processStartDate: fileTimeToDate(1n),
    appName: "Print Spooler",
    serviceShortName: "Spooler",
    applicationType: 3,
    appStatus: 0,
    tsSessionId: 0,
    restartable: false,
  });
  assert.equal(rows[2]!.appName, "N".repeat(256));
  assert.equal(rows[2]!.serviceShortName, "svc");
  assert.deepEqual(decodeProcessInfo(bytes, 0), []);
  assert.throws(() => decodeProcessInfo(bytes, 4), RangeError);
});

Deno.test("decodeProcessInfo() decodes a buffer at an odd address, and lone surrogates", () => {
  const { size, offsets } = RM_PROCESS_INFO;
  const aligned = new Uint8Array(2 * size);
  const view = new DataView(aligned.buffer);
  view.setUint32(offsets.Process, 7, true);
  aligned.set(encodeWide("Größe 😀"), offsets.strAppName);
  aligned.set(encodeWide("svc\udc00"), offsets.strServiceShortName);
  view.setUint32(size + offsets.Process, 8, true);
  aligned.set(encodeWide("x".repeat(200)), size + offsets.strAppName);
  const expected = decodeProcessInfo(aligned, 2);
  assert.equal(expected[0]!.appName, "Größe 😀");
  assert.equal(expected[0]!.serviceShortName, "svc\ufffd");
  assert.equal(expected[1]!.appName, "x".repeat(200));
  assert.equal(expected[1]!.serviceShortName, "");
  const backing = new Uint8Array(2 * size + 1);
  backing.set(aligned, 1);
  assert.deepEqual(decodeProcessInfo(backing.subarray(1), 2), expected);
});

/** Packs filter records the way RmGetFilterList does: each string right after its record. */
function packFilters(
  buffer: Uint8Array,
  filters: { action: number; trigger: number; text?: string; pid?: number; start?: bigint }[],
): number {
  const { size, offsets } = RM_FILTER_INFO;
  const view = new DataView(buffer.buffer, buffer.byteOffset);
  const base = Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer));
  let at = 0;
  filters.forEach((filter, i) => {
    const text = filter.text === undefined ? undefined : encodeWide(filter.text);
    const recordSize = (size + (text?.byteLength ?? 0) + 7) & ~7;
    view.setUint32(at + offsets.FilterAction, filter.action, true);
    view.setUint32(at + offsets.FilterTrigger, filter.trigger, true);
    view.setUint32(at + offsets.cbNextOffset, i + 1 < filters.length ? recordSize : 0, true);
    if (text) {
      buffer.set(text, at + size);
      view.setBigUint64(at + offsets.strFilename, base + BigInt(at + size), true);
    } else {
      buffer.set(
        encodeUniqueProcesses([{ pid: filter.pid!, startTime: filter.start! }]),
        at + offsets.Process,
      );
    }
    at += recordSize;
  });
  return at;
}

Deno.test("decodeFilterList() walks cbNextOffset and decodes each trigger kind", () => {
  const buffer = new Uint8Array(1024);
  const used = packFilters(buffer, [
    { action: 1, trigger: RmFilterTrigger.File, text: "C:\\app\\tool.exe" },
    { action: 2, trigger: RmFilterTrigger.Process, pid: 4242, start: 133_000_000_000_000_123n },
    { action: 1, trigger: RmFilterTrigger.Service, text: "Spooler" },
    { action: 2, trigger: RmFilterTrigger.File, text: "D:\\😀\\a.dll" },
  ]);
  assert.deepEqual(decodeFilterList(buffer, used), [
    { action: 1, trigger: RmFilterTrigger.File, fileName: "C:\\app\\tool.exe" },
    {
      action: 2,
      trigger: RmFilterTrigger.Process,
      process: { pid: 4242, startTime: 133_000_000_000_000_123n },
    },
    { action: 1, trigger: RmFilterTrigger.Service, serviceShortName: "Spooler" },
    { action: 2, trigger: RmFilterTrigger.File, fileName: "D:\\😀\\a.dll" },
  ]);
});

Deno.test("decodeFilterList() works on a subarray of a larger buffer", () => {
  const backing = new Uint8Array(2048);
  const buffer = backing.subarray(512, 1024);
  const used = packFilters(buffer, [{
    action: 1,
    trigger: RmFilterTrigger.Service,
    text: "W32Time",
  }]);
  assert.deepEqual(decodeFilterList(buffer, used), [
    { action: 1, trigger: RmFilterTrigger.Service, serviceShortName: "W32Time" },
  ]);
});

Deno.test("decodeFilterList() returns nothing for an empty list", () => {
  assert.deepEqual(decodeFilterList(new Uint8Array(0), 0), []);
});

Deno.test("decodeFilterList() rejects records that run past the used bytes or loop", () => {
  const buffer = new Uint8Array(256);
  const used = packFilters(buffer, [
    { action: 1, trigger: RmFilterTrigger.Process, pid: 1, start: 1n },
    { action: 1, trigger: RmFilterTrigger.Process, pid: 2, start: 2n },
  ]);
  assert.throws(() => decodeFilterList(buffer, used - 8), RangeError);
  assert.throws(() => decodeFilterList(buffer, 1024), RangeError);
  const view = new DataView(buffer.buffer);
  view.setUint32(RM_FILTER_INFO.offsets.cbNextOffset, 4, true);
  assert.throws(() => decodeFilterList(buffer, used), /cbNextOffset 4/);
});
