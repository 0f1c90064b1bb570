/**
 * The Windows version of the server a session lives on, which decides how WTSSessionInfoEx's
 * lock flags read (they are reversed on Windows 7 / Server 2008 R2; see `ffi/wts_lock.ts`).
 *
 * The local server's version comes from ntdll's RtlGetVersion; a remote server's from netapi32's
 * NetServerGetInfo at level 101 (`sv101_version_major` & MAJOR_VERSION_MASK, `sv101_version_minor`),
 * which answers to the same callers that may query sessions there. When neither answers, the
 * lock state is reported as unknown with the reason instead of being guessed.
 *
 * Measured under Wine 10: NetServerGetInfo for the local computer answers 6.2 (Wine derives it
 * from the caller's GetVersionExW, which answers 6.2 to a process without a compatibility
 * manifest) while RtlGetVersion answers 10.0. Only 6.1 changes how the flags read, and a
 * manifest shim never produces 6.1, so the lock state is unaffected; whether a real remote
 * server's answer can be shimmed is not documented (evidence missing), which is one more
 * reason the local server uses RtlGetVersion.
 *
 * @module
 */

import { errorName } from "../ffi/errors.ts";
import { SERVER_INFO_101 } from "../ffi/layouts.ts";
import { netapi32, ntdll } from "../ffi/load.ts";
import { MAJOR_VERSION_MASK } from "../ffi/netapi32.ts";
import { RTL_OSVERSIONINFOW_SIZE } from "../ffi/ntdll.ts";
import { encodeWide } from "../ffi/utf16.ts";
import type { OsVersion } from "../ffi/wts_lock.ts";

/** A server's version, or why it is unknown. */
export type VersionAnswer = { version: OsVersion; reason: null } | {
  version: null;
  reason: string;
};

/** Remote servers' versions by lowercased name: a version changes only with an upgrade and reboot. */
const remote = new Map<string, OsVersion>();

/**
 * A remote server's Windows version (NetServerGetInfo level 101, on Deno's FFI thread pool: it
 * may wait on the network; NET_API_STATUS is its return value, so the code is exact there too).
 *
 * @param server The server's name, as given to openServer / `{ server }`.
 * @returns The version, or `null` and the reason.
 */
export async function remoteOsVersion(server: string): Promise<VersionAnswer> {
  const key = server.toLowerCase();
  const known = remote.get(key);
  if (known !== undefined) return { version: known, reason: null };
  let netapi: ReturnType<typeof netapi32>;
  try {
    // Loaded like every library: by full path from the system directory (not a KnownDLL).
    netapi = netapi32();
  } catch (error) {
    return { version: null, reason: `netapi32 could not be opened (${(error as Error).message})` };
  }
  const cell = new BigUint64Array(1);
  const status = await netapi.NetServerGetInfoAsync(
    encodeWide(server, "server name"),
    101,
    new Uint8Array(cell.buffer),
  );
  const block = Deno.UnsafePointer.create(cell[0]!);
  if (status !== 0) {
    if (block !== null) netapi.NetApiBufferFree(block);
    return {
      version: null,
      reason: `NetServerGetInfo failed: ${errorName(status)} (${status})`,
    };
  }
  if (block === null) return { version: null, reason: "NetServerGetInfo returned no buffer" };
  try {
    const { size, offsets } = SERVER_INFO_101;
    const view = new DataView(Deno.UnsafePointerView.getArrayBuffer(block, size));
    const version = {
      major: view.getUint32(offsets.sv101_version_major, true) & MAJOR_VERSION_MASK,
      minor: view.getUint32(offsets.sv101_version_minor, true),
    };
    remote.set(key, version);
    return { version, reason: null };
  } finally {
    netapi.NetApiBufferFree(block);
  }
}

/** The cached answer for this process's server: it cannot change while the process runs. */
let local: { version: OsVersion | null } | undefined;

/**
 * The local Windows version (RtlGetVersion), or `null` when it cannot be read.
 *
 * @returns `{ major, minor }`, or `null`.
 */
export function localOsVersion(): OsVersion | null {
  if (local !== undefined) return local.version;
  let version: OsVersion | null = null;
  try {
    const info = new Uint32Array(RTL_OSVERSIONINFOW_SIZE / 4);
    info[0] = RTL_OSVERSIONINFOW_SIZE;
    if (ntdll().RtlGetVersion(new Uint8Array(info.buffer)) === 0) {
      version = { major: info[1]!, minor: info[2]! };
    }
  } catch {
    version = null; // no ntdll to open (not Windows, no doubles): the lock state stays unknown
  }
  local = { version };
  return version;
}

/** Forgets the cached versions (tests switch the doubles' answers). */
export function forgetOsVersions(): void {
  local = undefined;
  remote.clear();
}
