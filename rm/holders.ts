/**
 * Who and what holds the files: the executable path and the owning account of each process the
 * Restart Manager reports, so `locks` and `release` can say "C:\Program Files\Microsoft
 * Office\EXCEL.EXE run by CONTOSO\alice" instead of a bare pid and a friendly name.
 *
 * Each process is opened once with `PROCESS_QUERY_LIMITED_INFORMATION` (the right Windows grants
 * most often, even for protected processes), its start time compared with the Restart Manager's
 * so a reused pid is never described as the holder, its image read with
 * `QueryFullProcessImageNameW` and its token's user with `GetTokenInformation(TokenUser)`, named
 * through an {@linkcode AccountNameCache}. Every handle is closed in `finally`.
 *
 * @example
 * ```ts ignore
 * import { findLockingProcesses, identifyHolders } from "../mod.ts";
 *
 * const report = await findLockingProcesses(["D:\\Finance\\Budget.xlsx"]);
 * for (const holder of await identifyHolders(report.processes)) {
 *   console.log(holder.pid, holder.executable ?? "?", holder.owner ?? "?");
 * }
 * ```
 *
 * @module
 */

import { clearLastError } from "../ffi/errors.ts";
import { advapi32, kernel32 } from "../ffi/load.ts";
import { readSid } from "../ffi/sid.ts";
import { AccountNameCache } from "../wts/accounts.ts";
import type { RmProcess } from "./types.ts";
import { withProcessHandle } from "./_process_handle.ts";
import { readImagePath } from "./_process_image.ts";
import { readStartTime } from "./_process_start.ts";

/** `TOKEN_QUERY` access right. */
const TOKEN_QUERY = 0x0008;
/** `TokenUser` in `TOKEN_INFORMATION_CLASS`. */
const TOKEN_USER = 1;
/**
 * TOKEN_USER (16 bytes on x64) plus SECURITY_MAX_SID_SIZE (68): SE_TOKEN_USER (ntifs.h,
 * learn.microsoft.com/windows-hardware/drivers/ddi/ntifs/ns-ntifs-_se_token_user) is documented
 * as "the maximum-sized valid user SID that can be returned by … GetTokenInformation … with the
 * TokenUser information class", so one call always fits.
 */
const TOKEN_USER_BUFFER = 16 + 68;
/** What {@linkcode identifyHolders} adds to each process. */
export interface HolderIdentity {
  /**
   * The executable's full path (`QueryFullProcessImageNameW`), or `null` when the process could
   * not be opened (another user's without elevation, gone, or a pid now used by another process).
   */
  executable: string | null;
  /**
   * `DOMAIN\user` of the process's token (for a service, its service account, e.g.
   * `NT AUTHORITY\SYSTEM`); the SID text when no account maps to it; `null` when the token could
   * not be read (a protected process, another user's without elevation).
   */
  owner: string | null;
  /** The token user's SID text, or `null` with `owner`. */
  ownerSid: string | null;
}

/** Options of {@linkcode identifyHolders}. */
export interface IdentifyHoldersOptions {
  /** Account names already looked up (one cache per listing; a new one by default). */
  names?: AccountNameCache;
}

function closeQuietly(handle: Deno.PointerValue): void {
  if (handle !== null) kernel32().CloseHandle(handle);
}

/** The token user's SID text on an open process handle, or `null` when the token is refused. */
function tokenUserSid(handle: Deno.PointerValue): string | null {
  const adv = advapi32();
  const slot = new BigUint64Array(1);
  clearLastError();
  if (adv.OpenProcessToken(handle, TOKEN_QUERY, new Uint8Array(slot.buffer)) === 0) return null;
  const token = Deno.UnsafePointer.create(slot[0]!);
  try {
    // Eight-byte aligned: TOKEN_USER starts with a pointer into this very buffer.
    const storage = new BigUint64Array(Math.ceil(TOKEN_USER_BUFFER / 8));
    const buffer = new Uint8Array(storage.buffer);
    const returned = new Uint32Array(1);
    clearLastError();
    const ok = adv.GetTokenInformation(
      token,
      TOKEN_USER,
      buffer,
      buffer.byteLength,
      new Uint8Array(returned.buffer),
    );
    if (ok === 0) return null;
    // TOKEN_USER.User.Sid points inside `buffer`, which is alive until this returns.
    return readSid(Deno.UnsafePointer.create(storage[0]!));
  } finally {
    closeQuietly(token);
  }
}

/** Opens `process` once and reads its image and token user; both null when it cannot. */
function inspect(process: RmProcess): { executable: string | null; sid: string | null } {
  const unknown = { executable: null, sid: null };
  return withProcessHandle(process.pid, (handle) => {
    // RM_UNIQUE_PROCESS identifies a process by pid AND start time: a pid reused since the
    // Restart Manager listed it belongs to another program, which must not be named the holder.
    const started = readStartTime(handle);
    if (started === null || (process.startFileTime !== 0n && started !== process.startFileTime)) {
      return unknown;
    }
    return { executable: readImagePath(handle), sid: tokenUserSid(handle) };
  }, () => unknown);
}

/**
 * Adds the executable path and the owner to each process (see {@linkcode HolderIdentity}).
 * Never throws for a process it may not open: its fields are `null` instead.
 *
 * @example
 * ```ts ignore
 * import { identifyHolders, ReleasePlan } from "../mod.ts";
 *
 * using plan = await ReleasePlan.create(["C:\\app\\app.dll"]);
 * for (const holder of await identifyHolders(plan.processes)) {
 *   console.log(`${holder.appName}: ${holder.executable} (${holder.owner})`);
 * }
 * ```
 *
 * @param processes What the Restart Manager listed (`RmProcess` or `LockingProcess`).
 * @param options An account-name cache to share.
 * @returns Copies of the processes with `executable`, `owner` and `ownerSid`, in order.
 */
export async function identifyHolders<T extends RmProcess>(
  processes: readonly T[],
  options: IdentifyHoldersOptions = {},
): Promise<(T & HolderIdentity)[]> {
  const names = options.names ?? new AccountNameCache();
  const identified: (T & HolderIdentity)[] = [];
  for (const process of processes) {
    const { executable, sid } = inspect(process);
    const owner = sid === null ? null : (await names.qualified(sid)) || sid;
    identified.push({ ...process, executable, owner, ownerSid: sid });
  }
  return identified;
}
