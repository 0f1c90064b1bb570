/**
 * Security identifiers (SIDs): the binary `SID` structure Windows returns, as the
 * `S-R-I-S-S…` text `ConvertSidToStringSidW` produces, such as `"S-1-5-18"`.
 *
 * Binary layout: `Revision` (BYTE, always 1), `SubAuthorityCount` (BYTE, at most 15),
 * `IdentifierAuthority` (6 bytes, big-endian), then `SubAuthorityCount` little-endian DWORDs.
 * An authority below 2^32 prints in decimal; a larger one prints as `0x` and 12 hexadecimal
 * digits, as `ConvertSidToStringSidW` and the SID string grammar of [MS-DTYP] 2.4.2.1 do.
 *
 * @module
 */

/** `SID_REVISION`: the only revision Windows defines. */
export const SID_REVISION = 1;
/** `SID_MAX_SUB_AUTHORITIES`. */
export const SID_MAX_SUB_AUTHORITIES = 15;
/** Bytes before the sub-authorities: revision, count and the 6-byte authority. */
const SID_HEADER_SIZE = 8;

/**
 * The byte length of the SID starting at `bytes[byteOffset]`, read from its header
 * (`8 + 4 * SubAuthorityCount`).
 *
 * @example
 * ```ts
 * import { sidLength } from "./sid.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(sidLength(new Uint8Array([1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0])), 12);
 * ```
 *
 * @param bytes A buffer holding at least the SID's first two bytes.
 * @param byteOffset Where the SID starts.
 * @returns The SID's size in bytes.
 */
export function sidLength(bytes: Uint8Array, byteOffset = 0): number {
  return SID_HEADER_SIZE + 4 * (bytes[byteOffset + 1] ?? 0);
}

/**
 * Formats a binary SID as text, such as `"S-1-5-21-3623811015-3361044348-30300820-1013"`.
 *
 * @example Well-known SIDs
 * ```ts
 * import { sidToString } from "./sid.ts";
 * import assert from "node:assert/strict";
 *
 * // LocalSystem: revision 1, one sub-authority, NT authority (5), RID 18
 * const system = new Uint8Array([1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0]);
 * assert.equal(sidToString(system), "S-1-5-18");
 * ```
 *
 * @param bytes The SID, starting at offset 0; extra bytes after it are ignored.
 * @returns The SID string.
 * @throws {TypeError} If `bytes` is not a valid SID (revision other than 1, more than 15
 * sub-authorities, or shorter than its header says).
 */
export function sidToString(bytes: Uint8Array): string {
  if (bytes.byteLength < SID_HEADER_SIZE) {
    throw new TypeError(`Not a valid SID: ${bytes.byteLength} bytes, fewer than 8`);
  }
  const revision = bytes[0]!;
  const count = bytes[1]!;
  if (revision !== SID_REVISION) {
    throw new TypeError(`Not a valid SID: revision ${revision}, expected ${SID_REVISION}`);
  }
  if (count > SID_MAX_SUB_AUTHORITIES) {
    throw new TypeError(`Not a valid SID: ${count} sub-authorities, at most 15 allowed`);
  }
  const length = SID_HEADER_SIZE + 4 * count;
  if (bytes.byteLength < length) {
    throw new TypeError(`Not a valid SID: ${bytes.byteLength} bytes, its header says ${length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  const high = view.getUint16(2); // IdentifierAuthority is big-endian
  const low = view.getUint32(4);
  let text: string;
  if (high === 0) {
    text = `S-${revision}-${low}`;
  } else {
    let hex = "";
    for (let i = 2; i < 8; i++) hex += bytes[i]!.toString(16).toUpperCase().padStart(2, "0");
    text = `S-${revision}-0x${hex}`;
  }
  for (let i = 0; i < count; i++) text += `-${view.getUint32(SID_HEADER_SIZE + 4 * i, true)}`;
  return text;
}

/**
 * Reads and formats the SID at `pointer`, such as `pUserSid` inside a `WTS_PROCESS_INFOW`;
 * `null` for a null pointer (a process whose user Windows does not report).
 *
 * Reads the header first to learn the length, then copies exactly that many bytes, so it never
 * reads past the end of the SID.
 *
 * @example
 * ```ts
 * import { readSid } from "./sid.ts";
 * import assert from "node:assert/strict";
 *
 * const sid = new Uint8Array([1, 1, 0, 0, 0, 0, 0, 5, 19, 0, 0, 0]);
 * assert.equal(readSid(Deno.UnsafePointer.of(sid)), "S-1-5-19");
 * assert.equal(readSid(null), null);
 * ```
 *
 * @param pointer The SID's address, or `null`.
 * @returns The SID string, or `null`.
 * @throws {TypeError} If the memory there is not a valid SID.
 */
export function readSid(pointer: Deno.PointerValue): string | null {
  if (pointer === null) return null;
  const count = new Deno.UnsafePointerView(pointer).getUint8(1);
  if (count > SID_MAX_SUB_AUTHORITIES) {
    throw new TypeError(`Not a valid SID: ${count} sub-authorities, at most 15 allowed`);
  }
  const bytes = new Uint8Array(SID_HEADER_SIZE + 4 * count);
  Deno.UnsafePointerView.copyInto(pointer, bytes);
  return sidToString(bytes);
}

/**
 * SID text by SID bytes, for one listing (create one per decoded block). A server's processes run under a handful of accounts
 * (SYSTEM, LOCAL SERVICE, NETWORK SERVICE, the logged-on users), but WTSEnumerateProcessesExW
 * gives every process its own copy of the SID, so the pointers differ while the bytes repeat.
 * Building the text costs about 1 µs per SID; copying the bytes out (two `copyInto`) and using
 * them as a map key costs a fraction of that, so each distinct SID is formatted once.
 *
 * @example
 * ```ts ignore
 * import { SidTextCache } from "./sid.ts";
 * const sids = new SidTextCache();
 * for (const address of sidPointers) console.log(sids.read(address));
 * ```
 */
export class SidTextCache {
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

  /**
   * The text of the SID at `address` (a non-zero pointer into an enumeration's block).
   *
   * @example
   * ```ts ignore
   * const sids = new SidTextCache();
   * const text = sids.read(view.getBigUint64(offset, true)); // "S-1-5-18"
   * ```
   */
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
