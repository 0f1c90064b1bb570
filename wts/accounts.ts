/**
 * Account names for SIDs (`LookupAccountSidW`), as `query process` and Task Manager show them,
 * and whether this process runs elevated (its token's `TokenElevation`).
 *
 * Names are looked up on the server the SID came from: a local account's SID
 * (`S-1-5-21-<machine>-1001`) only maps on that machine, so `lpSystemName` is the server a
 * listing asked, `NULL` for the local one. A SID no account maps to any more (a deleted account)
 * is not an error: the lookup answers `null` and callers keep the SID text.
 *
 * @example Who runs what, by name
 * ```ts ignore
 * import { AccountNameCache, listProcesses } from "../mod.ts";
 *
 * const names = new AccountNameCache({ server: "rdsh01" });
 * for (const p of await listProcesses({ server: "rdsh01" })) {
 *   console.log(p.pid, p.name, p.userSid && (await names.lookup(p.userSid))?.qualified);
 * }
 * ```
 *
 * @module
 */

import {
  ERROR_INSUFFICIENT_BUFFER,
  ERROR_NONE_MAPPED,
  ERROR_SUCCESS,
  NonblockingCallError,
  RPC_S_SERVER_UNAVAILABLE,
  WindowsError,
} from "../ffi/errors.ts";
import { callBoolBlocking, callBoolStatus, failureOf } from "../ffi/call.ts";
import { advapi32, kernel32 } from "../ffi/load.ts";
import { sidToString } from "../ffi/sid.ts";
import { encodeWide } from "../ffi/utf16.ts";
import { type CallContext, callContext, CONTEXT } from "./_context.ts";

/** What kind of account a SID names (`SID_NAME_USE`, winnt.h), by its `SidType…` name. */
export type SidNameUse =
  | "User"
  | "Group"
  | "Domain"
  | "Alias"
  | "WellKnownGroup"
  | "DeletedAccount"
  | "Invalid"
  | "Unknown"
  | "Computer"
  | "Label"
  | "LogonSession";

const SID_NAME_USES: readonly SidNameUse[] = [
  "User",
  "Group",
  "Domain",
  "Alias",
  "WellKnownGroup",
  "DeletedAccount",
  "Invalid",
  "Unknown",
  "Computer",
  "Label",
  "LogonSession",
];

/** The account a SID names. */
export interface AccountName {
  /** The referenced domain: `"CONTOSO"`, the computer name for local accounts, `"NT AUTHORITY"`,
   * `"BUILTIN"`, or `""` for a few well-known SIDs such as Everyone (`S-1-1-0`). */
  domain: string;
  /** The account name, such as `"alice"` or `"SYSTEM"`. */
  name: string;
  /** `"DOMAIN\\name"`, or just the name when the domain is empty. */
  qualified: string;
  /** The kind of account. */
  use: SidNameUse;
}

/** Options of {@linkcode lookupAccountName} and {@linkcode AccountNameCache}. */
export interface AccountLookupOptions {
  /** The computer to ask (`lpSystemName`); omit or `""` for the local one. */
  server?: string;
}

/** Units each buffer starts with: names are short (SAM names at most 20, domains 15), so the
 * retry is the exception; one that is not still costs a single extra call. */
const FIRST_BUFFER_UNITS = 64;
/** The most units a retry allocates: a size Windows asks beyond this is treated as garbage. */
const MAX_BUFFER_UNITS = 32_768;
/** `TOKEN_QUERY` access right. */
const TOKEN_QUERY = 0x0008;
/** `TokenElevation` in `TOKEN_INFORMATION_CLASS`. */
const TOKEN_ELEVATION = 20;

/**
 * Parses `"S-1-5-21-…"` into a binary SID, the inverse of `sidToString`: `S-1-`, an authority
 * (decimal below 2^48, or `0x` and 12 hexadecimal digits), then at most 15 `-` sub-authorities
 * of at most 32 bits. Written as one scan over the characters, without a regular expression or
 * BigInt: a process listing parses one per distinct SID, and the regular-expression version was
 * a tenth of `listProcesses` on 10,000 rows with 50 SIDs (measured).
 */
function sidFromString(text: string): Uint8Array<ArrayBuffer> {
  const notSid = () =>
    new TypeError(`Not a SID: ${JSON.stringify(text)} (expected S-1-<authority>-<rid>…)`);
  if (!text.startsWith("S-1-")) throw notSid();
  const end = text.length;
  let at = 4;
  let authority = 0;
  if (text.startsWith("0x", at)) {
    at += 2;
    const digits = text.slice(at, at + 12);
    if (digits.length !== 12 || !/^[0-9A-Fa-f]{12}$/.test(digits)) throw notSid();
    authority = parseInt(digits, 16);
    at += 12;
  } else {
    const first = at;
    for (let c; at < end && (c = text.charCodeAt(at)) >= 48 && c <= 57; at++) {
      authority = authority * 10 + (c - 48);
    }
    if (at === first) throw notSid();
  }
  if (authority >= 2 ** 48) throw notSid();
  const subs: number[] = [];
  while (at < end) {
    if (text.charCodeAt(at) !== 45 || subs.length === 15) throw notSid(); // "-"
    const first = ++at;
    let sub = 0;
    for (let c; at < end && (c = text.charCodeAt(at)) >= 48 && c <= 57; at++) {
      sub = sub * 10 + (c - 48);
    }
    if (at === first) throw notSid();
    if (sub > 0xffff_ffff) {
      throw new TypeError(`Not a SID: sub-authority ${text.slice(first, at)} exceeds 32 bits`);
    }
    subs.push(sub);
  }
  const bytes = new Uint8Array(8 + 4 * subs.length);
  const view = new DataView(bytes.buffer);
  bytes[0] = 1;
  bytes[1] = subs.length;
  view.setUint16(2, Math.floor(authority / 2 ** 32)); // IdentifierAuthority is big-endian
  view.setUint32(4, authority % 2 ** 32);
  subs.forEach((sub, i) => view.setUint32(8 + 4 * i, sub, true));
  return bytes;
}

function sidBytes(sid: string | Uint8Array): Uint8Array<ArrayBuffer> {
  if (typeof sid === "string") return sidFromString(sid);
  sidToString(sid); // throws its TypeError for bytes that are not a SID
  return Uint8Array.from(sid);
}

function unwide(bytes: Uint8Array<ArrayBuffer>, units: number): string {
  return String.fromCharCode.apply(null, new Uint16Array(bytes.buffer, 0, units) as never);
}

/**
 * One lookup in `context` (its server is `lpSystemName`): the documented buffer protocol, with
 * one retry at the sizes a too-small first call asked for.
 *
 * Evidence: Microsoft's page says a too-small buffer fails and the count "receives the required
 * buffer size, including the terminating null character"
 * (https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-lookupaccountsidw);
 * Wine's conformance tests, run against native Windows (wine dlls/advapi32/tests/security.c,
 * test_LookupAccountSid), show that size is the success count + 1, so on success the counts are
 * lengths WITHOUT the NUL, and that an unknown lpSystemName fails with RPC_S_SERVER_UNAVAILABLE.
 * Go's syscall.LookupAccountSid also retries only while the size asked grows. Retrying ONCE is
 * this library's bound: a second ERROR_INSUFFICIENT_BUFFER is reported, never looped on.
 */
async function lookupIn(
  context: CallContext,
  sid: Uint8Array<ArrayBuffer>,
): Promise<AccountName | null> {
  const symbols = advapi32();
  const system = context.server === "" ? null : encodeWide(context.server, "server name");
  let nameUnits = FIRST_BUFFER_UNITS;
  let domainUnits = FIRST_BUFFER_UNITS;
  for (let attempt = 0;; attempt++) {
    const name = new Uint8Array(nameUnits * 2);
    const domain = new Uint8Array(domainUnits * 2);
    const counts = new Uint32Array(3);
    const bytes = new Uint8Array(counts.buffer);
    const cchName = bytes.subarray(0, 4);
    const cchDomain = bytes.subarray(4, 8);
    const use = bytes.subarray(8, 12);
    // Every attempt (the nonblocking one and its blocking repeat) starts from the capacities:
    // a failed call rewrites the counts to the sizes it needs, larger than these buffers.
    const arm = () => {
      counts[0] = nameUnits;
      counts[1] = domainUnits;
    };
    // The status, not a throw: ERROR_NONE_MAPPED (a deleted account, a foreign domain's SID)
    // and ERROR_INSUFFICIENT_BUFFER are answers here, and building an error (its stack and
    // system message) for each distinct SID cost ≈30 µs apiece (measured: 50 unmapped SIDs
    // were a fifth of listProcesses on 10,000 rows).
    const status = await callBoolStatus(context, symbols, "LookupAccountSidW", [
      system,
      sid,
      name,
      cchName,
      domain,
      cchDomain,
      use,
    ], { prepare: arm });
    if (status === ERROR_NONE_MAPPED) return null;
    if (status !== ERROR_SUCCESS) {
      // Too small: the counts now hold the sizes needed, NUL included. Retry once with them.
      const asked = [counts[0]!, counts[1]!];
      const grows = asked[0]! > nameUnits || asked[1]! > domainUnits;
      if (
        status !== ERROR_INSUFFICIENT_BUFFER || attempt > 0 || !grows ||
        Math.max(asked[0]!, asked[1]!) > MAX_BUFFER_UNITS
      ) throw failureOf("LookupAccountSidW", status);
      nameUnits = Math.max(nameUnits, asked[0]!);
      domainUnits = Math.max(domainUnits, asked[1]!);
      continue;
    }
    // Success: the counts are the lengths WITHOUT the NUL (bounded by the buffers, in case).
    const account = unwide(name, Math.min(counts[0]!, nameUnits));
    const domainName = unwide(domain, Math.min(counts[1]!, domainUnits));
    return {
      domain: domainName,
      name: account,
      qualified: domainName === "" ? account : `${domainName}\\${account}`,
      use: SID_NAME_USES[counts[2]! - 1] ?? "Unknown",
    };
  }
}

/**
 * The account `sid` names (LookupAccountSidW), on the local computer or on `options.server`.
 * Remote lookups run on Deno's FFI thread pool (they wait on RPC), local ones on the calling
 * thread.
 *
 * @example
 * ```ts ignore
 * import { lookupAccountName } from "../mod.ts";
 *
 * const system = await lookupAccountName("S-1-5-18");
 * console.log(system?.qualified); // "NT AUTHORITY\SYSTEM"
 * const gone = await lookupAccountName("S-1-5-21-1-2-3-1107", { server: "rdsh01" });
 * console.log(gone ?? "deleted account: show the SID");
 * ```
 *
 * @param sid The SID as text (`"S-1-5-18"`) or as binary `SID` bytes.
 * @param options The computer to ask.
 * @returns The account, or `null` when no account maps to the SID (ERROR_NONE_MAPPED: a deleted
 * account), so the caller keeps the SID text.
 * @throws {TypeError} When `sid` is not a SID.
 * @throws {WindowsError} For any other failure: RPC_S_SERVER_UNAVAILABLE for a server that
 * cannot be reached, ERROR_TRUSTED_RELATIONSHIP_FAILURE when the domain cannot be asked, ….
 * @throws {NonblockingCallError} When a remote lookup failed after more than a second on the
 * FFI thread pool, so its code could not be read without blocking as long again.
 */
export async function lookupAccountName(
  sid: string | Uint8Array,
  options?: AccountLookupOptions,
): Promise<AccountName | null> {
  const server = options?.server ?? "";
  const bytes = sidBytes(sid); // a bad SID rejects the promise, like every other failure
  return await lookupIn(callContext(null, server, server !== ""), bytes);
}

/** How a lookup failed: with its Win32 code, or too slowly on the pool for the code to be read. */
type LookupFailure = WindowsError | NonblockingCallError;

function isLookupFailure(value: unknown): value is LookupFailure {
  return value instanceof WindowsError || value instanceof NonblockingCallError;
}

/**
 * Account names by SID text for one listing on one server: a server's processes run under a
 * handful of accounts, so 10,000 processes cost one `LookupAccountSidW` per distinct SID.
 * Unmapped SIDs (`null`) and failures are remembered too, so no SID is asked twice; after
 * RPC_S_SERVER_UNAVAILABLE, or a remote failure too slow to read its code, no further SID is
 * asked at all (the server's LSA is unreachable, and each try could wait for an RPC timeout). Make a new cache per listing: names change (a
 * renamed account), and a long-lived cache would show old ones.
 *
 * @example
 * ```ts ignore
 * import { AccountNameCache } from "../mod.ts";
 *
 * const names = new AccountNameCache();
 * console.log(await names.qualified("S-1-5-18")); // "NT AUTHORITY\SYSTEM"
 * console.log(names.lookups); // 1, however often it is asked again
 * ```
 */
export class AccountNameCache {
  readonly #context: CallContext;
  readonly #answers = new Map<string, AccountName | null | LookupFailure>();
  #unreachable: LookupFailure | undefined;
  #lookups = 0;

  /**
   * A cache for `options.server` (omit for the local computer).
   *
   * @param options The computer the SIDs come from.
   */
  constructor(options?: AccountLookupOptions) {
    // A listing passes its own call context (contextOptions), so the lookups run the way its
    // WTS calls do (nonblocking for a remote server) and stop when it is abandoned.
    const given = (options as { [CONTEXT]?: CallContext } | undefined)?.[CONTEXT];
    const server = options?.server ?? "";
    this.#context = given ?? callContext(null, server, server !== "");
  }

  /** The server this cache asks (`""` = the local computer). */
  get server(): string {
    return this.#context.server;
  }

  /** How many SIDs this cache has asked Windows about. */
  get lookups(): number {
    return this.#lookups;
  }

  /**
   * The account `sid` names, from the cache when it was asked before.
   *
   * @param sid The SID as text.
   * @returns The account, or `null` when no account maps to it.
   * @throws {WindowsError} As {@linkcode lookupAccountName} does (the same error again for the
   * same SID; the server's RPC_S_SERVER_UNAVAILABLE for every SID once it was seen).
   * @throws {NonblockingCallError} When a remote lookup failed too slowly for its code to be
   * read (then for every later SID too: the server is as good as unreachable).
   */
  async lookup(sid: string): Promise<AccountName | null> {
    let answer = this.#answers.get(sid);
    if (answer === undefined) {
      if (this.#unreachable !== undefined) throw this.#unreachable;
      const bytes = sidFromString(sid);
      this.#lookups++;
      try {
        answer = await lookupIn(this.#context, bytes);
      } catch (error) {
        if (!isLookupFailure(error)) throw error; // AbandonedError, bugs: not the SID's fault
        answer = error;
        // Unreachable, or so slow to fail that it timed out: the next SID would wait as long.
        const hopeless = error instanceof NonblockingCallError ||
          error.code === RPC_S_SERVER_UNAVAILABLE;
        if (hopeless) this.#unreachable = error;
      }
      this.#answers.set(sid, answer);
    }
    if (isLookupFailure(answer)) throw answer;
    return answer;
  }

  /**
   * `"DOMAIN\\name"` for `sid`, or `""` when there is no SID, no account maps to it, or the
   * lookup failed (callers then show the SID text).
   *
   * @param sid The SID as text, or `null`.
   * @returns The qualified name, or `""`.
   */
  async qualified(sid: string | null): Promise<string> {
    if (sid === null) return "";
    try {
      return (await this.lookup(sid))?.qualified ?? "";
    } catch (error) {
      if (isLookupFailure(error)) return "";
      throw error;
    }
  }
}

/**
 * Whether this process runs elevated (`TOKEN_ELEVATION.TokenIsElevated` of its token): as an
 * administrator past UAC, or as SYSTEM. Not elevated, Windows hides other users' processes'
 * details and refuses to end them, so listings are partial.
 *
 * @example
 * ```ts ignore
 * import { isElevated } from "../mod.ts";
 *
 * if (!isElevated()) console.warn("not elevated: other users' processes may be missing");
 * ```
 *
 * @returns `true` when the token is elevated.
 * @throws {WindowsError} When the token cannot be opened or queried.
 */
export function isElevated(): boolean {
  const symbols = advapi32();
  const slot = new BigUint64Array(1);
  // GetCurrentProcess() is the constant pseudo-handle (HANDLE)-1; it needs no closing.
  const currentProcess = Deno.UnsafePointer.create(0xffff_ffff_ffff_ffffn);
  callBoolBlocking(symbols, "OpenProcessToken", [
    currentProcess,
    TOKEN_QUERY,
    new Uint8Array(slot.buffer),
  ]);
  const token = Deno.UnsafePointer.create(slot[0]!);
  try {
    const elevation = new Uint32Array(1);
    const returned = new Uint32Array(1);
    callBoolBlocking(symbols, "GetTokenInformation", [
      token,
      TOKEN_ELEVATION,
      new Uint8Array(elevation.buffer),
      elevation.byteLength,
      new Uint8Array(returned.buffer),
    ]);
    return elevation[0] !== 0;
  } finally {
    kernel32().CloseHandle(token);
  }
}
