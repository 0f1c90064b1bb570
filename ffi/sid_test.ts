import assert from "node:assert/strict";
import { readSid, sidLength, sidToString } from "./sid.ts";

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
