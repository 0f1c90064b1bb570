import assert from "node:assert/strict";
import { readSid, sidLength, SidTextCache, sidToString } from "./sid.ts";

/** Builds a binary SID from its parts (authority as a number up to 2^48). */
function sid(authority: number, ...subAuthorities: number[]): Uint8Array {
  const bytes = new Uint8Array(8 + 4 * subAuthorities.length);
  const view = new DataView(bytes.buffer);
  bytes[0] = 1;
  bytes[1] = subAuthorities.length;
  view.setUint16(2, Math.floor(authority / 2 ** 32));
  view.setUint32(4, authority % 2 ** 32);
  subAuthorities.forEach((value, i) => view.setUint32(8 + 4 * i, value, true));
  return bytes;
}

Deno.test("sidToString() formats well-known SIDs", () => {
  assert.equal(sidToString(sid(5, 18)), "S-1-5-18"); // LocalSystem
  assert.equal(sidToString(sid(5, 19)), "S-1-5-19"); // LocalService
  assert.equal(sidToString(sid(5, 20)), "S-1-5-20"); // NetworkService
  assert.equal(sidToString(sid(1, 0)), "S-1-1-0"); // Everyone
  assert.equal(sidToString(sid(5, 32, 544)), "S-1-5-32-544"); // BUILTIN\Administrators
  assert.equal(sidToString(sid(0)), "S-1-0"); // no sub-authorities
  assert.equal(sidToString(sid(16, 12288)), "S-1-16-12288"); // High Mandatory Level
});

Deno.test("sidToString() formats a domain account SID with full-range sub-authorities", () => {
  assert.equal(
    sidToString(sid(5, 21, 3623811015, 3361044348, 30300820, 1013)),
    "S-1-5-21-3623811015-3361044348-30300820-1013",
  );
  assert.equal(sidToString(sid(5, 0xffffffff)), "S-1-5-4294967295");
});

Deno.test("sidToString() decodes a SID given as hex bytes", () => {
  const hex = "010500000000000515000000F2EBB9149329116C5E3528360E040000";
  const bytes = new Uint8Array(hex.match(/../g)!.map((pair) => parseInt(pair, 16)));
  assert.equal(sidToString(bytes), "S-1-5-21-347728882-1813064083-908604766-1038");
});

Deno.test("sidToString() prints authorities of 2^32 and above in hexadecimal", () => {
  assert.equal(sidToString(sid(2 ** 32 - 1, 7)), "S-1-4294967295-7");
  assert.equal(sidToString(sid(2 ** 32, 7)), "S-1-0x000100000000-7");
  assert.equal(sidToString(sid(0xabcdef012345, 1)), "S-1-0xABCDEF012345-1");
});

Deno.test("sidToString() ignores bytes after the SID", () => {
  const padded = new Uint8Array(32);
  padded.set(sid(5, 18));
  assert.equal(sidToString(padded), "S-1-5-18");
});

Deno.test("sidToString() works on a view at an odd offset", () => {
  const backing = new Uint8Array(40);
  backing.set(sid(5, 32, 545), 3);
  assert.equal(sidToString(backing.subarray(3)), "S-1-5-32-545");
});

Deno.test("sidToString() rejects invalid SIDs", () => {
  assert.throws(() => sidToString(new Uint8Array(4)), TypeError);
  const badRevision = sid(5, 18);
  badRevision[0] = 2;
  assert.throws(() => sidToString(badRevision), /revision 2/);
  const tooMany = new Uint8Array(8 + 4 * 16);
  tooMany[0] = 1;
  tooMany[1] = 16;
  assert.throws(() => sidToString(tooMany), /16 sub-authorities/);
  assert.throws(() => sidToString(sid(5, 21, 1, 2).subarray(0, 16)), /header says 20/);
});

Deno.test("sidToString() accepts the maximum of 15 sub-authorities", () => {
  const values = Array.from({ length: 15 }, (_, i) => i + 1);
  assert.equal(sidToString(sid(5, ...values)), `S-1-5-${values.join("-")}`);
});

Deno.test("sidLength() reads the length from the header", () => {
  assert.equal(sidLength(sid(5, 21, 1, 2, 3, 500)), 28);
  assert.equal(sidLength(sid(0)), 8);
});

/** Buffers handed to native code by address stay reachable, so no GC can free them mid-read. */
const alive: Uint8Array[] = [];
function pointerTo(bytes: Uint8Array): Deno.PointerObject {
  alive.push(bytes);
  return Deno.UnsafePointer.of(bytes)!;
}

Deno.test("readSid() reads a SID from memory and returns null for a null pointer", () => {
  const bytes = sid(5, 21, 1, 2, 3, 1001);
  assert.equal(readSid(pointerTo(bytes)), "S-1-5-21-1-2-3-1001");
  assert.equal(readSid(null), null);
});

Deno.test("readSid() rejects a header claiming too many sub-authorities", () => {
  const bytes = new Uint8Array(80);
  bytes[0] = 1;
  bytes[1] = 200;
  assert.throws(() => readSid(pointerTo(bytes)), TypeError);
});

// ---- SidTextCache: reads SIDs out of one copied page, caches text by SID bytes -----------------

/** `count` packed SIDs S-1-5-21-1000-2000-3000-(1000 + k mod distinct) in one buffer. */
function packedSids(count: number, distinct: number, shift = 0) {
  const buffer = new Uint8Array(new ArrayBuffer(count * 28 + 3 * 4096));
  const base = Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer)));
  const addresses: number[] = [];
  const expected: string[] = [];
  const view = new DataView(buffer.buffer);
  for (let k = 0, at = shift; k < count; k++, at += 28) {
    buffer.set([1, 5, 0, 0, 0, 0, 0, 5], at);
    const subs = [21, 1000, 2000, 3000, 1000 + (k % distinct)];
    subs.forEach((sub, i) => view.setUint32(at + 8 + 4 * i, sub, true));
    addresses.push(base + at);
    expected.push(`S-1-5-${subs.join("-")}`);
  }
  return { buffer, addresses, expected };
}

Deno.test("SidTextCache.read gives sidToString's text for every SID, across page ends", () => {
  // 500 SIDs of 28 bytes span several 4 KiB pages; 4096 is not a multiple of 28, so some SIDs
  // cross a page end. Shifts move the crossings around (and test 2-aligned SIDs too).
  for (const shift of [0, 2, 4, 14]) {
    const { buffer, addresses, expected } = packedSids(500, 7, shift);
    const sids = new SidTextCache();
    assert.deepEqual(addresses.map((a) => sids.read(a)), expected);
    assert.deepEqual(buffer.byteLength > 0, true); // kept alive while its addresses are read
  }
});

Deno.test("SidTextCache.read keeps SIDs that share a length but differ in one word apart", () => {
  const { addresses, expected } = packedSids(200, 200);
  const sids = new SidTextCache();
  assert.deepEqual(addresses.map((a) => sids.read(a)), expected);
  assert.deepEqual(new Set(expected).size, 200);
});

Deno.test("SidTextCache.read of a SID with a different sub-authority count", () => {
  const system = new Uint8Array([1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0]);
  const sids = new SidTextCache();
  const at = Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(system)));
  assert.deepEqual(sids.read(at), "S-1-5-18");
  assert.deepEqual(sids.read(at), "S-1-5-18");
});

Deno.test("SidTextCache.read throws a TypeError for memory that is not a SID", () => {
  const bad = new Uint8Array([2, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0]); // revision 2
  const tooMany = new Uint8Array(80);
  tooMany.set([1, 16]); // 16 sub-authorities
  const sids = new SidTextCache();
  for (const bytes of [bad, tooMany]) {
    const at = Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes)));
    assert.throws(() => sids.read(at), TypeError);
  }
});
