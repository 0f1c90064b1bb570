/**
 * Reads a session's lock state: WTSSessionInfoEx's SessionFlags, interpreted by the server's
 * Windows version (the flags are reversed on Windows 7 / Server 2008 R2; see `ffi/wts_lock.ts`).
 *
 * @module
 */

import { decodeWtsInfoExW, type LockState, lockStateFromFlags } from "../ffi/wts_lock.ts";
import { type CallContext, queryOptional, WTSInfoClass } from "./_context.ts";
import { localOsVersion, remoteOsVersion } from "./_os_version.ts";

/**
 * The lock state from WTSSessionInfoEx's SessionFlags, read by the server's Windows version
 * (the flags are reversed on Windows 7 / Server 2008 R2; see `ffi/wts_lock.ts`).
 */
export async function readLockState(context: CallContext, id: number): Promise<LockState> {
  const ex = await queryOptional(context, id, WTSInfoClass.WTSSessionInfoEx, decodeWtsInfoExW);
  if (ex === undefined) {
    return { locked: null, reason: "the server does not answer WTSSessionInfoEx" };
  }
  if (context.server === "") {
    return lockStateFromFlags(ex.sessionFlags, localOsVersion(), "RtlGetVersion did not answer");
  }
  const answer = await remoteOsVersion(context.server);
  return lockStateFromFlags(ex.sessionFlags, answer.version, answer.reason ?? undefined);
}
