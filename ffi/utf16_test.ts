import assert from "node:assert/strict";
import { decodeWide, encodeWide, pointerArray } from "./utf16.ts";

function units(bytes: Uint8Array): number[] {
  return Array.from(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2));
}

Deno.test("encodeWide() encodes ASCII as UTF-16LE plus a NUL", () => {
  const bytes = encodeWide("RDP");
  assert.deepEqual(Array.from(bytes), [0x52, 0, 0x44, 0, 0x50, 0, 0, 0]);
});

Deno.test("encodeWide() encodes the empty string as a lone NUL", () => {
  assert.deepEqual(Array.from(encodeWide("")), [0, 0]);
});

Deno.test("encodeWide() encodes BMP characters and surrogate pairs", () => {
  assert.deepEqual(units(encodeWide("é€")), [0x00e9, 0x20ac, 0]);
  assert.deepEqual(units(encodeWide("a😀")), [0x61, 0xd83d, 0xde00, 0]);
});

Deno.test("encodeWide() passes a lone surrogate through unchanged", () => {
  assert.deepEqual(units(encodeWide("x\ud800y")), [0x78, 0xd800, 0x79, 0]);
});

Deno.test("encodeWide() rejects a NUL inside the string, naming what it is", () => {
  assert.throws(() => encodeWide("C:\\a\0b", "path"), {
    name: "TypeError",
    message: /^path contains a NUL character/,
  });
  assert.throws(() => encodeWide("\0"), { message: /^string contains a NUL character/ });
});

Deno.test("encodeWide() returns a buffer that owns its whole ArrayBuffer", () => {
  const bytes = encodeWide("abc");
  assert.equal(bytes.byteOffset, 0);
  assert.equal(bytes.buffer.byteLength, bytes.byteLength);
});

Deno.test("decodeWide() round-trips ASCII, BMP and astral text", () => {
  for (const text of ["", "Console", "Größe €", "漢字かな", "a😀b🎉", "Services"]) {
    assert.equal(decodeWide(encodeWide(text)), text);
  }
});

Deno.test("decodeWide() stops at the first NUL", () => {
  const bytes = new Uint8Array(20);
  bytes.set(encodeWide("ab"), 0);
  bytes.set(encodeWide("zzz"), 6);
  assert.equal(decodeWide(bytes), "ab");
  assert.equal(decodeWide(bytes, 6), "zzz");
});

Deno.test("decodeWide() honours maxUnits when the array is full (no NUL)", () => {
  const bytes = encodeWide("abcdef");
  assert.equal(decodeWide(bytes, 0, 3), "abc");
  assert.equal(decodeWide(bytes, 2, 2), "bc");
  const full = bytes.subarray(0, 12); // no NUL at all
  assert.equal(decodeWide(full), "abcdef");
  assert.equal(decodeWide(full, 0, 100), "abcdef");
});

Deno.test("decodeWide() reads from an odd byte offset of the underlying buffer", () => {
  const backing = new Uint8Array(21);
  backing.set(encodeWide("odd"), 1);
  assert.equal(decodeWide(backing.subarray(1)), "odd");
  assert.equal(decodeWide(backing, 1, 10), "odd");
});

Deno.test("decodeWide() replaces a lone surrogate with U+FFFD instead of throwing", () => {
  const lone = new Uint8Array(new Uint16Array([0x61, 0xdc00, 0x62, 0]).buffer);
  assert.equal(decodeWide(lone), "a\ufffdb");
  const high = new Uint8Array(new Uint16Array([0xd83d, 0]).buffer);
  assert.equal(decodeWide(high), "\ufffd");
});

Deno.test("decodeWide() returns an empty string past the end of the buffer", () => {
  assert.equal(decodeWide(new Uint8Array(4), 8), "");
  assert.equal(decodeWide(new Uint8Array(3), 2), "");
});

Deno.test("pointerArray() points each slot at its encoded string", () => {
  const strings = ["C:\\a.dll", "D:\\😀.txt", "", "x\ud800y"];
  const { array, keep } = pointerArray(strings, "path");
  assert.equal(array.byteLength, 8 * strings.length);
  // One buffer holds every string; the pointer table is a view of that same buffer, so the
  // argument passed to the native call keeps the strings alive too.
  assert.equal(keep.length, 1);
  const [block] = keep;
  assert.ok(block);
  assert.equal(array.buffer, block.buffer);
  const blockStart = Deno.UnsafePointer.value(Deno.UnsafePointer.of(block));
  const blockEnd = blockStart + BigInt(block.byteLength);
  const slots = new BigUint64Array(array.buffer, array.byteOffset, strings.length);
  for (let i = 0; i < strings.length; i++) {
    const expected = encodeWide(strings[i]!);
    assert.ok(slots[i]! >= blockStart + BigInt(array.byteLength), `slot ${i} after the table`);
    assert.ok(slots[i]! + BigInt(expected.byteLength) <= blockEnd, `slot ${i} inside the block`);
    const pointer = Deno.UnsafePointer.create(slots[i]!);
    assert.ok(pointer);
    const copy = new Uint8Array(expected.byteLength);
    Deno.UnsafePointerView.copyInto(pointer, copy);
    assert.deepEqual(copy, expected); // code units as given, lone surrogate included, then NUL
    const inside: Uint8Array = block.subarray(Number(slots[i]! - blockStart));
    assert.equal(decodeWide(inside), strings[i]!.replace("\ud800", "\ufffd"));
  }
  // Strings do not overlap: each starts after the previous one's NUL.
  for (let i = 1; i < strings.length; i++) {
    assert.ok(slots[i]! >= slots[i - 1]! + BigInt(encodeWide(strings[i - 1]!).byteLength));
  }
});

Deno.test("pointerArray() packs a large batch into one buffer", () => {
  const strings = Array.from({ length: 1000 }, (_, i) => `/srv/data/file${i}.bin`);
  const { array, keep } = pointerArray(strings, "path");
  assert.equal(keep.length, 1);
  const slots = new BigUint64Array(array.buffer, array.byteOffset, strings.length);
  for (const i of [0, 1, 499, 998, 999]) {
    const expected = encodeWide(strings[i]!);
    const copy = new Uint8Array(expected.byteLength);
    Deno.UnsafePointerView.copyInto(Deno.UnsafePointer.create(slots[i]!)!, copy);
    assert.deepEqual(copy, expected);
  }
});

Deno.test("pointerArray() of nothing is empty", () => {
  const { array, keep } = pointerArray([]);
  assert.equal(array.byteLength, 0);
  assert.deepEqual(keep, []);
});

Deno.test("pointerArray() rejects a NUL, naming what it is", () => {
  assert.throws(() => pointerArray(["ok", "bad\0"], "path"), {
    name: "TypeError",
    message: /^path contains a NUL character/,
  });
});
