/**
 * A `WTS_PROCESS_INFO_EXW[]` block built in memory the way Windows and the wtsapi32 double lay
 * it out (the structs first, then each process's name and SID packed after them, SIDs 4-byte
 * aligned), for decode benchmarks of 1,000 to 100,000 rows: filling the double's process table
 * with 100,000 processes takes ~35 s (its table is a list searched per insert), the block takes
 * milliseconds. Rows follow the double's generator: `procNNNNN.exe`, one of 50 user SIDs
 * `S-1-5-21-1000-2000-3000-(1000 + k mod 50)`.
 *
 * @module
 */

import { WTS_PROCESS_INFO_EXW } from "../ffi/layouts.ts";

/** A block and the row count; keep `bytes` reachable while its address is used. */
export interface ProcessBlock {
  bytes: Uint8Array<ArrayBuffer>;
  pointer: Deno.PointerObject;
  count: number;
}

/** Builds the block of `count` processes. */
export function processBlock(count: number): ProcessBlock {
  const { size, offsets } = WTS_PROCESS_INFO_EXW;
  const nameUnits = (k: number) => `proc${String(k).padStart(5, "0")}.exe`;
  const sidBytes = 8 + 4 * 5;
  let total = count * size;
  for (let k = 0; k < count; k++) total += (nameUnits(k).length + 1) * 2 + sidBytes + 3;
  const bytes = new Uint8Array(new ArrayBuffer(total + 8));
  const view = new DataView(bytes.buffer);
  const base = Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes)));
  const setPointer = (at: number, address: number) => {
    view.setUint32(at, address % 0x1_0000_0000, true);
    view.setUint32(at + 4, Math.floor(address / 0x1_0000_0000), true);
  };
  let offset = count * size;
  for (let k = 0, row = 0; k < count; k++, row += size) {
    view.setUint32(row + offsets.SessionId, 1 + (k % 10), true);
    view.setUint32(row + offsets.ProcessId, 10_000 + k, true);
    const name = nameUnits(k);
    setPointer(row + offsets.pProcessName, base + offset);
    for (let i = 0; i < name.length; i++) view.setUint16(offset + 2 * i, name.charCodeAt(i), true);
    offset += (name.length + 1) * 2;
    offset = (offset + 3) & ~3;
    setPointer(row + offsets.pUserSid, base + offset);
    bytes.set([1, 5, 0, 0, 0, 0, 0, 5], offset);
    [21, 1000, 2000, 3000, 1000 + (k % 50)].forEach((sub, i) =>
      view.setUint32(offset + 8 + 4 * i, sub, true)
    );
    offset += sidBytes;
    view.setUint32(row + offsets.NumberOfThreads, 1 + (k % 16), true);
    view.setUint32(row + offsets.HandleCount, 50 + (k % 200), true);
    view.setUint32(row + offsets.WorkingSetSize, 4096 * (1 + (k % 1000)), true);
    view.setBigInt64(row + offsets.UserTime, BigInt(k) * 1000n, true);
    view.setBigInt64(row + offsets.KernelTime, BigInt(k) * 500n, true);
  }
  return { bytes, pointer: Deno.UnsafePointer.of(bytes)!, count };
}
