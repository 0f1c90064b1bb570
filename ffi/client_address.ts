/**
 * Client addresses as Windows reports them: `WTS_CLIENT_ADDRESS` (the `WTSClientAddress` class
 * of WTSQuerySessionInformationW) decoded to text, with IPv6 formatted canonically (RFC 5952).
 *
 * @module
 */

import { WTS_CLIENT_ADDRESS } from "./layouts.ts";

/** `AF_UNSPEC`: no address. */
export const AF_UNSPEC = 0;
/** `AF_INET`: IPv4. */
export const AF_INET = 2;
/** `AF_INET6` on Windows. */
export const AF_INET6 = 23;

/**
 * Formats 16 bytes as canonical IPv6 text (RFC 5952): lowercase, the longest run of two or more
 * zero groups as `::` (the first of equal runs), IPv4-mapped addresses as `::ffff:a.b.c.d`.
 *
 * @example
 * ```ts
 * import { formatIpv6 } from "./client_address.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = new Uint8Array(16);
 * bytes.set([0x20, 0x01, 0x0d, 0xb8]);
 * bytes[15] = 1;
 * assert.equal(formatIpv6(bytes), "2001:db8::1");
 * ```
 *
 * @param bytes The 16 address bytes, network order.
 * @returns The address as text.
 */
export function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // IPv4-mapped addresses (::ffff:a.b.c.d) keep the dotted form, as RFC 5952 §5 recommends.
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  let bestStart = -1;
  let bestLength = 1; // a single zero group is never shortened
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(":");
  const head = hex.slice(0, bestStart).join(":");
  const tail = hex.slice(bestStart + bestLength).join(":");
  return `${head}::${tail}`;
}

/** Where the address starts inside `WTS_CLIENT_ADDRESS.Address`, for IPv4 and IPv6 alike. */
const CLIENT_ADDRESS_OFFSET = 2;

/**
 * Formats the `Address` bytes of a `WTS_CLIENT_ADDRESS` as text.
 *
 * Both families start two bytes in: the IPv4 bytes sit at `Address[2..5]` (Microsoft documents
 * 192.168.0.1 as `00 00 C0 A8 00 01`, MicrosoftDocs/sdk-api PR #1183) and the 16 IPv6 bytes at
 * `Address[2..17]`. The WTS_CLIENT_ADDRESS page's wording suggests IPv6 starts at offset 0,
 * but real Windows answers otherwise: KB951422 shows a Windows Server 2008 host returning
 * `00 00 FE 80 …` for a `fe80::…` client, pywin32 issue #664 shows `(0, 0, 254, 128, 0, …)`
 * for `fe80::b33f` (Server 2008, pywin32 fixed it in 212974c), and Cassia (issue #39) copies
 * the 16 bytes from index 2. Unpatched Windows Vista/7/2008/2008 R2 hosts also compress
 * zero runs ambiguously (KB951422); nothing can undo that here, so such an address decodes as
 * the bytes say. `AF_UNSPEC` and other families give `null`.
 *
 * @example
 * ```ts
 * import { AF_INET, AF_INET6, decodeClientAddress } from "./client_address.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(decodeClientAddress(AF_INET, new Uint8Array([0, 0, 192, 168, 0, 1])), "192.168.0.1");
 * const v6 = new Uint8Array(20);
 * v6.set([0x20, 0x01, 0x0d, 0xb8], 2);
 * v6[17] = 1;
 * assert.equal(decodeClientAddress(AF_INET6, v6), "2001:db8::1");
 * ```
 *
 * @param family `AddressFamily`.
 * @param addressBytes The `Address` member (20 bytes; at least 6 for IPv4, 18 for IPv6).
 * @returns The address, or `null`.
 */
export function decodeClientAddress(family: number, addressBytes: Uint8Array): string | null {
  const at = CLIENT_ADDRESS_OFFSET;
  if (family === AF_INET && addressBytes.byteLength >= at + 4) {
    return `${addressBytes[at]}.${addressBytes[at + 1]}.${addressBytes[at + 2]}.${
      addressBytes[at + 3]
    }`;
  }
  if (family === AF_INET6 && addressBytes.byteLength >= at + 16) {
    return formatIpv6(addressBytes.subarray(at, at + 16));
  }
  return null;
}

/**
 * Decodes a `WTS_CLIENT_ADDRESS` (the `WTSClientAddress` class).
 *
 * @example
 * ```ts
 * import { decodeWtsClientAddress } from "./client_address.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = new Uint8Array(24);
 * bytes[0] = 2; // AF_INET
 * bytes.set([10, 0, 0, 7], 4 + 2);
 * assert.deepEqual(decodeWtsClientAddress(bytes), { addressFamily: 2, address: "10.0.0.7" });
 * ```
 *
 * @param bytes The struct's bytes (at least `WTS_CLIENT_ADDRESS.size`).
 * @returns The family and the address as text (`null` if unspecified or unknown).
 * @throws {RangeError} If `bytes` is too short.
 */
export function decodeWtsClientAddress(
  bytes: Uint8Array,
): { addressFamily: number; address: string | null } {
  const { size, offsets } = WTS_CLIENT_ADDRESS;
  if (bytes.byteLength < size) {
    throw new RangeError(`WTS_CLIENT_ADDRESS needs ${size} bytes, got ${bytes.byteLength}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  const addressFamily = view.getUint32(offsets.AddressFamily, true);
  const address = bytes.subarray(offsets.Address, size);
  return { addressFamily, address: decodeClientAddress(addressFamily, address) };
}
