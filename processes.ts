/**
 * Processes of a Remote Desktop Session Host, like `query process` and `tskill`: list them with
 * their session, user SID, counters and CPU times, and end one.
 *
 * @example The ten largest working sets in session 2
 * ```ts ignore
 * import { listProcesses } from "./mod.ts";
 *
 * const processes = await listProcesses({ session: 2 });
 * processes.sort((a, b) => (b.workingSetBytes ?? 0) - (a.workingSetBytes ?? 0));
 * for (const p of processes.slice(0, 10)) console.log(p.pid, p.name, p.workingSetBytes);
 * ```
 *
 * @module
 */

import { clearLastError, WindowsError } from "./errors.ts";
import { wtsapi32 } from "./ffi/load.ts";
import { durationFrom100ns } from "./ffi/filetime.ts";
import { WTS_PROCESS_INFO_EXW } from "./ffi/layouts.ts";
import { readSid, SID_MAX_SUB_AUTHORITIES, sidToString } from "./ffi/sid.ts";
import { readWideColumn } from "./ffi/utf16.ts";
import { decodeProcessInfoW } from "./ffi/wts_structs.ts";
import {
  type CallContext,
  callIdempotent,
  callOnce,
  checkDword,
  OutBlock,
  withContext,
  WTS_ANY_SESSION,
  WTSTypeProcessInfoLevel1,
} from "./_wts.ts";
import type { ServerOption } from "./sessions.ts";

/**
 * One process. The counters are `null` when the server only answered the basic enumeration
 * (WTSEnumerateProcessesW, the fallback when WTSEnumerateProcessesExW fails).
 */
export interface ProcessInfo {
  /** `""` for the local server, else the server name given. */
  server: string;
  /** The process ID. */
  pid: number;
  /** The image name, such as `"notepad.exe"`. */
  name: string;
  /** The session it runs in. */
  sessionId: number;
  /** The user's SID as text (`"S-1-5-18"`), or `null` when the server gave none. */
  userSid: string | null;
  /** Number of threads. */
  threads: number | null;
  /** Number of open handles. */
  handles: number | null;
  /** Page file bytes in use. */
  pagefileBytes: number | null;
  /** Peak page file bytes. */
  peakPagefileBytes: number | null;
  /** Working set in bytes. */
  workingSetBytes: number | null;
  /** Peak working set in bytes. */
  peakWorkingSetBytes: number | null;
  /** CPU time in user mode, in milliseconds. */
  userTimeMs: number | null;
  /** CPU time in kernel mode, in milliseconds. */
  kernelTimeMs: number | null;
}

/** Options of {@linkcode listProcesses}. */
export interface ListProcessesOptions extends ServerOption {
  /** Only this session's processes; omit for all sessions. */
  session?: number;
}

/** Options of {@linkcode terminateProcess}. */
export interface TerminateProcessOptions extends ServerOption {
  /** The exit code the process ends with; default 0. */
  exitCode?: number;
}

/** Bytes of a SID before its sub-authorities (revision, count, 6-byte authority). */
const SID_HEADER_SIZE = 8;

/**
 * SID text by SID bytes, for one listing. A server's processes run under a handful of accounts
 * (SYSTEM, LOCAL SERVICE, NETWORK SERVICE, the logged-on users), but WTSEnumerateProcessesExW
 * gives every process its own copy of the SID, so the pointers differ while the bytes repeat.
 * Building the text costs about 1 µs per SID; copying the bytes out (two `copyInto`) and using
 * them as a map key costs a fraction of that, so each distinct SID is formatted once.
 */
class SidTexts {
  readonly #texts = new Map<string, string>();
  readonly #bytes = new Uint8Array(SID_HEADER_SIZE + 4 * SID_MAX_SUB_AUTHORITIES);
  readonly #units = new Uint16Array(this.#bytes.buffer);
  /** `#bytes` past the header, one view per sub-authority count (no allocation per row). */
  readonly #tails = Array.from(
    { length: SID_MAX_SUB_AUTHORITIES + 1 },
    (_, count) => this.#bytes.subarray(SID_HEADER_SIZE, SID_HEADER_SIZE + 4 * count),
  );
  readonly #header = this.#bytes.subarray(0, SID_HEADER_SIZE);
  /** The whole SID as 16-bit units (its length is always even), one view per count. */
  readonly #keys = Array.from(
    { length: SID_MAX_SUB_AUTHORITIES + 1 },
    (_, count) => this.#units.subarray(0, (SID_HEADER_SIZE + 4 * count) >>> 1),
  );

  /** The text of the SID at `address` (a non-zero pointer into the enumeration's block). */
  read(address: bigint): string {
    const pointer = Deno.UnsafePointer.create(address)!;
    // The header says how long the SID is: never read past its end (the next byte may not be
    // mapped), so the sub-authorities are a second copy sized by the header's count.
    Deno.UnsafePointerView.copyInto(pointer, this.#header);
    const count = this.#bytes[1]!;
    if (count > SID_MAX_SUB_AUTHORITIES) return readSid(pointer)!; // throws its TypeError
    Deno.UnsafePointerView.copyInto(pointer, this.#tails[count]!, SID_HEADER_SIZE);
    // The bytes themselves are the key (exact, so two SIDs never share a text).
    const key = String.fromCharCode.apply(null, this.#keys[count] as unknown as number[]);
    let text = this.#texts.get(key);
    if (text === undefined) {
      text = sidToString(this.#bytes.subarray(0, SID_HEADER_SIZE + 4 * count));
      this.#texts.set(key, text);
    }
    return text;
  }
}

/**
 * Decodes the `WTS_PROCESS_INFO_EXW[]` block into `ProcessInfo` objects in one pass: one view
 * over the whole block, the names read through their pointers, the SIDs through
 * {@linkcode SidTexts}. (The same fields as `decodeProcessInfoExW` in `ffi/wts_structs.ts`,
 * built straight into the public shape and with the SID texts shared within the listing.)
 */
function processesFromBlockEx(
  server: string,
  block: Deno.PointerObject,
  count: number,
): ProcessInfo[] {
  if (count === 0) return [];
  const { size, offsets } = WTS_PROCESS_INFO_EXW;
  const view = new DataView(Deno.UnsafePointerView.getArrayBuffer(block, count * size));
  const sids = new SidTexts();
  // The names sit packed after the array on Windows and in the doubles: one copy for all of them.
  const names = readWideColumn(view, offsets.pProcessName, size, count);
  const result: ProcessInfo[] = new Array(count);
  for (let i = 0, base = 0; i < count; i++, base += size) {
    const sidAddress = view.getBigUint64(base + offsets.pUserSid, true);
    result[i] = {
      server,
      pid: view.getUint32(base + offsets.ProcessId, true),
      name: names[i]!,
      sessionId: view.getUint32(base + offsets.SessionId, true),
      userSid: sidAddress === 0n ? null : sids.read(sidAddress),
      threads: view.getUint32(base + offsets.NumberOfThreads, true),
      handles: view.getUint32(base + offsets.HandleCount, true),
      pagefileBytes: view.getUint32(base + offsets.PagefileUsage, true),
      peakPagefileBytes: view.getUint32(base + offsets.PeakPagefileUsage, true),
      workingSetBytes: view.getUint32(base + offsets.WorkingSetSize, true),
      peakWorkingSetBytes: view.getUint32(base + offsets.PeakWorkingSetSize, true),
      userTimeMs: durationFrom100ns(view.getBigInt64(base + offsets.UserTime, true)),
      kernelTimeMs: durationFrom100ns(view.getBigInt64(base + offsets.KernelTime, true)),
    };
  }
  return result;
}

async function listProcessesIn(
  context: CallContext,
  session: number | undefined,
): Promise<ProcessInfo[]> {
  if (session !== undefined) checkDword(session, "session id");
  const wts = wtsapi32();
  const { handle, server } = context;
  const filter = session ?? WTS_ANY_SESSION;
  const level = new Uint32Array([1]);
  const levelBytes = new Uint8Array(level.buffer);
  const ex = new OutBlock();
  const freeEx = () => {
    const block = ex.pointer();
    if (block !== null) wts.WTSFreeMemoryExW(WTSTypeProcessInfoLevel1, block, ex.number[0]!);
  };
  let exOk: boolean;
  try {
    exOk = await callOnce(
      context,
      () => wts.WTSEnumerateProcessesExW(handle, levelBytes, filter, ex.cellBytes, ex.numberBytes),
      () =>
        wts.WTSEnumerateProcessesExWAsync(
          handle,
          levelBytes,
          filter,
          ex.cellBytes,
          ex.numberBytes,
        ),
    );
  } catch (error) {
    freeEx(); // abandoned after a late success: the block is still ours to free
    throw error;
  }
  if (exOk) {
    const block = ex.pointer();
    if (block === null) return [];
    try {
      return processesFromBlockEx(server, block, ex.number[0]!);
    } finally {
      freeEx();
    }
  }
  // Fallback: every session's processes at level 0; the Ex-only fields are null.
  const plain = new OutBlock();
  await callIdempotent(
    context,
    "WTSEnumerateProcessesW",
    () => wts.WTSEnumerateProcessesW(handle, 0, 1, plain.cellBytes, plain.numberBytes),
    () => wts.WTSEnumerateProcessesWAsync(handle, 0, 1, plain.cellBytes, plain.numberBytes),
  );
  const block = plain.pointer();
  if (block === null) return [];
  try {
    const result: ProcessInfo[] = [];
    for (const row of decodeProcessInfoW(block, plain.number[0]!)) {
      if (session !== undefined && row.sessionId !== session) continue;
      result.push({
        server,
        pid: row.processId,
        name: row.processName,
        sessionId: row.sessionId,
        userSid: row.userSid,
        threads: null,
        handles: null,
        pagefileBytes: null,
        peakPagefileBytes: null,
        workingSetBytes: null,
        peakWorkingSetBytes: null,
        userTimeMs: null,
        kernelTimeMs: null,
      });
    }
    return result;
  } finally {
    wts.WTSFreeMemory(block);
  }
}

/**
 * The server's processes (WTSEnumerateProcessesExW at level 1, falling back to
 * WTSEnumerateProcessesW when Ex fails, with the counters then `null`). The array is decoded
 * from one view of the returned block, which is freed before the promise settles.
 *
 * @example All processes, then one session's
 * ```ts ignore
 * import { listProcesses } from "./mod.ts";
 *
 * console.log((await listProcesses()).length, "processes");
 * for (const p of await listProcesses({ server: "rdsh01", session: 4 })) {
 *   console.log(p.pid, p.name, p.userSid);
 * }
 * ```
 *
 * @param options The server and an optional session filter.
 * @returns The processes, in the server's order.
 * @throws {WindowsError} When the server cannot be reached or refuses.
 */
export function listProcesses(options?: ListProcessesOptions): Promise<ProcessInfo[]> {
  return withContext(options, (context) => listProcessesIn(context, options?.session));
}

/**
 * Ends a process (WTSTerminateProcess), like `tskill`.
 *
 * @example
 * ```ts ignore
 * import { terminateProcess } from "./mod.ts";
 *
 * await terminateProcess(4242, { server: "rdsh01", exitCode: 1 });
 * ```
 *
 * @param pid The process ID.
 * @param options The exit code and the server.
 * @returns When the process has been told to end.
 * @throws {WindowsError} ERROR_ACCESS_DENIED, ERROR_INVALID_PARAMETER for an unknown pid, …
 */
export function terminateProcess(pid: number, options?: TerminateProcessOptions): Promise<void> {
  return withContext(options, (context) => {
    checkDword(pid, "process id");
    const exitCode = options?.exitCode ?? 0;
    checkDword(exitCode, "exit code");
    // Blocking: it returns at once, and its error code must be exact.
    clearLastError();
    if (wtsapi32().WTSTerminateProcess(context.handle, pid, exitCode) === 0) {
      throw WindowsError.fromLastError("WTSTerminateProcess");
    }
  });
}
