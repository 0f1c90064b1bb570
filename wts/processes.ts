/**
 * Processes of a Remote Desktop Session Host, like `query process` and `tskill`: list them with
 * their session, user (SID and `DOMAIN\\name`), counters and CPU times, and end one.
 *
 * @example The ten largest working sets in session 2
 * ```ts ignore
 * import { listProcesses } from "../mod.ts";
 *
 * const processes = await listProcesses({ session: 2 });
 * processes.sort((a, b) => (b.workingSetBytes ?? 0) - (a.workingSetBytes ?? 0));
 * for (const p of processes.slice(0, 10)) console.log(p.pid, p.name, p.workingSetBytes);
 * ```
 *
 * @module
 */

import { callBool, callBoolBlocking, decodeThenFree, OutBlock } from "../ffi/call.ts";
import { wtsapi32 } from "../ffi/load.ts";
import { WTS_ANY_SESSION, WTSInfoClass, WTSTypeClass } from "../ffi/wtsapi32.ts";
import {
  decodeProcessInfoExW,
  decodeProcessInfoW,
  type ProcessInfo,
  type ProcessSidIndex,
} from "../ffi/wts_process_rows.ts";
import { type CallContext, checkDword, contextOptions, withContext } from "./_context.ts";
import { enumerateLevel1, queryRequired } from "./_query.ts";
import { AccountNameCache } from "./accounts.ts";
import type { ServerOption } from "./sessions.ts";
import { type ProcessExpectation, recheckProcess } from "./_recheck.ts";

export { localProcessStartTime, type ProcessExpectation } from "./_recheck.ts";
export type { ProcessInfo } from "../ffi/wts_process_rows.ts";

/** Options of {@linkcode listProcesses}. */
export interface ListProcessesOptions extends ServerOption {
  /** Only this session's processes; omit for all sessions. */
  session?: number;
}

/** Options of {@linkcode terminateProcess}. */
export interface TerminateProcessOptions extends ServerOption {
  /** The exit code the process ends with; default 0. */
  exitCode?: number;
  /**
   * What the process must still be: it is re-read just before WTSTerminateProcess, and a
   * {@linkcode TargetChangedError} is thrown (nothing done) when it differs or is gone.
   */
  expect?: ProcessExpectation;
}

async function listProcessesIn(
  context: CallContext,
  session: number | undefined,
  sidIndex?: (index: ProcessSidIndex) => void,
): Promise<ProcessInfo[]> {
  if (session !== undefined) checkDword(session, "session id");
  const wts = wtsapi32();
  const { handle, server } = context;
  const filter = session ?? WTS_ANY_SESSION;
  // Rows come out ProcessInfo-shaped (one object each, counters and CPU times decoded there,
  // with the 100 ns unit evidence): no second pass here.
  const exRows = await enumerateLevel1(
    context,
    "WTSEnumerateProcessesExW",
    filter,
    WTSTypeClass.WTSTypeProcessInfoLevel1,
    (block, count) => decodeProcessInfoExW(block, count, server, sidIndex),
  );
  if (exRows !== undefined) return exRows;
  // Fallback: every session's processes at level 0; the Ex-only fields are null.
  const plain = new OutBlock();
  await callBool(context, wts, "WTSEnumerateProcessesW", [
    handle,
    0,
    1,
    plain.cellBytes,
    plain.numberBytes,
  ]);
  return decodeThenFree(
    plain,
    [],
    (block, count) => decodeProcessInfoW(block, count, server, session, sidIndex),
    wts.WTSFreeMemory,
  );
}

/**
 * The server's processes (WTSEnumerateProcessesExW at level 1, falling back to
 * WTSEnumerateProcessesW when Ex fails, with the counters then `null`). The array is decoded
 * from one view of the returned block, which is freed before the promise settles. Each distinct
 * user SID is then looked up once (LookupAccountSidW on the same server) to fill `user`.
 *
 * @example All processes, then one session's
 * ```ts ignore
 * import { listProcesses } from "../mod.ts";
 *
 * console.log((await listProcesses()).length, "processes");
 * for (const p of await listProcesses({ server: "rdsh01", session: 4 })) {
 *   console.log(p.pid, p.name, p.userSid);
 * }
 * ```
 *
 * @param options The server and an optional session filter.
 * @returns The processes, in the server's order.
 * @throws {WindowsError} When the server cannot be reached or refuses;
 * ERROR_CTX_WINSTATION_NOT_FOUND (7022) when the `session` filtered on does not exist.
 */
export function listProcesses(options?: ListProcessesOptions): Promise<ProcessInfo[]> {
  return withContext(options, async (context) => {
    const session = options?.session;
    let index: ProcessSidIndex = { texts: [], rows: new Int32Array(0) };
    const processes = await listProcessesIn(context, session, (found) => index = found);
    // An empty list for a session filter may mean the session does not exist: the fallback
    // path filters an all-sessions list itself, and whether WTSEnumerateProcessesExW fails or
    // answers an empty list for an unknown SessionId is not documented (no public evidence
    // found either way). Asking the session itself (one query, only when the list is empty)
    // reports ERROR_CTX_WINSTATION_NOT_FOUND either way instead of an empty table.
    if (processes.length === 0 && session !== undefined) {
      await queryRequired(context, session, WTSInfoClass.WTSConnectState, () => true);
    }
    // One lookup per distinct SID, on the listing's server, in the listing's call context,
    // then every row's name by its SID's index (no lookup by SID text per row).
    const names = new AccountNameCache(contextOptions(context));
    const users: string[] = [];
    for (const sid of index.texts) users.push(await names.qualified(sid));
    const rows = index.rows;
    for (let i = 0; i < processes.length; i++) {
      const at = rows[i]!;
      if (at >= 0) processes[i]!.user = users[at]!;
    }
    return processes;
  });
}

/**
 * Ends a process (WTSTerminateProcess), like `tskill`.
 *
 * @example
 * ```ts ignore
 * import { terminateProcess } from "../mod.ts";
 *
 * await terminateProcess(4242, { server: "rdsh01", exitCode: 1 });
 * ```
 *
 * @param pid The process ID.
 * @param options The exit code, the server, and what to `expect`.
 * @returns When the process has been told to end.
 * @throws {WindowsError} ERROR_ACCESS_DENIED, ERROR_INVALID_PARAMETER for an unknown pid, …
 * @throws {TargetChangedError} With `expect`, when the process changed or is gone.
 */
export function terminateProcess(pid: number, options?: TerminateProcessOptions): Promise<void> {
  return withContext(options, async (context) => {
    checkDword(pid, "process id");
    const exitCode = options?.exitCode ?? 0;
    checkDword(exitCode, "exit code");
    const expect = options?.expect;
    if (expect !== undefined) {
      await recheckProcess(context, pid, expect, () => listProcessesIn(context, undefined));
    }
    // Blocking: it returns at once, and its error code must be exact.
    callBoolBlocking(wtsapi32(), "WTSTerminateProcess", [context.handle, pid, exitCode]);
  });
}
