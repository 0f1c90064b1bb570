import assert from "node:assert/strict";
import {
  decodeWide,
  decodeWideUnits,
  encodeWide,
  pointerArray,
  SHORT_STRING_UNITS,
} from "./utf16.ts";

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

Deno.test("decodeWide() gives the same text below, at and above the short-string cut-off", () => {
  const decoder = new TextDecoder("utf-16le");
  // Every length of the written-out calls (1–32, ffi/_short_strings.ts) and its edges.
  const lengths = Array.from({ length: 34 }, (_, i) => i + 1);
  for (const length of [...lengths, SHORT_STRING_UNITS - 1, SHORT_STRING_UNITS, 257, 300, 5000]) {
    for (const fill of ["a", "é", "漢", "😀", "\ud800", "\udc00"]) {
      const units = new Uint16Array(length + 1);
      for (let i = 0; i < length; i++) units[i] = fill.charCodeAt(i % fill.length);
      // Expected: what the non-fatal TextDecoder makes of the same units.
      const expected = decoder.decode(units.subarray(0, length));
      const bytes = new Uint8Array(units.buffer);
      assert.equal(decodeWide(bytes), expected, `${length} × ${JSON.stringify(fill)}`);
      assert.equal(decodeWideUnits(units), expected, `${length} × ${JSON.stringify(fill)} (units)`);
      const odd = new Uint8Array(bytes.byteLength + 1);
      odd.set(bytes, 1);
      assert.equal(
        decodeWide(odd, 1),
        expected,
        `${length} × ${JSON.stringify(fill)} (odd offset)`,
      );
    }
  }
});

Deno.test("decodeWide() replaces lone surrogates the way TextDecoder does, pairs intact", () => {
  const decoder = new TextDecoder("utf-16le");
  const cases = [
    [0x61, 0xd800], // high at the end
    [0xdc00, 0x61], // low first
    [0xdc00, 0xd800], // reversed pair
    [0xd800, 0xd800, 0xdc00], // high, then a valid pair
    [0xd83d, 0xde00, 0xd83d], // pair, then a high cut off by maxUnits below
    [0xfffd, 0xffff, 0xd7ff, 0xe000], // neighbours of the surrogate range
  ];
  for (const codes of cases) {
    const units = new Uint16Array([...codes, 0]);
    const expected = decoder.decode(new Uint16Array(codes));
    assert.equal(decodeWideUnits(units), expected, codes.join(","));
    assert.equal(decodeWide(new Uint8Array(units.buffer)), expected, codes.join(","));
  }
  const pair = new Uint16Array([0xd83d, 0xde00, 0]);
  assert.equal(decodeWideUnits(pair, 0, 1), "\ufffd"); // the array ends inside the pair
});

Deno.test("decodeWideUnits() reads fixed arrays from one view", () => {
  const units = new Uint16Array(40);
  units.set(new Uint16Array(encodeWide("Notepad").buffer), 0);
  units.set(new Uint16Array(encodeWide("Spooler").buffer), 16);
  units.fill(0x4e, 32, 40); // a full array with no NUL
  assert.equal(decodeWideUnits(units, 0, 16), "Notepad");
  assert.equal(decodeWideUnits(units, 16, 16), "Spooler");
  assert.equal(decodeWideUnits(units, 16, 3), "Spo");
  assert.equal(decodeWideUnits(units, 32, 8), "NNNNNNNN");
  assert.equal(decodeWideUnits(units, 32), "NNNNNNNN"); // stops at the end of the view
  assert.equal(decodeWideUnits(units, 40), "");
  assert.equal(decodeWideUnits(units, 8, 0), "");
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

Deno.test("_short_strings.ts is what scripts/gen_short_strings.ts makes", async () => {
  const { shortStringsSource } = await import("../scripts/gen_short_strings.ts");
  const onDisk = Deno.readTextFileSync(new URL("./_short_strings.ts", import.meta.url));
  assert.equal(
    onDisk,
    shortStringsSource(),
    "run: deno run --allow-write scripts/gen_short_strings.ts",
  );
});

Deno.test("decodeWideUnits() of a surrogate pair split by the cut-off at 32 units", () => {
  // 31 × "a" then "😀": 33 units, the pair straddling the last written-out length.
  const text = "a".repeat(31) + "😀";
  const units = new Uint16Array(text.length + 1);
  for (let i = 0; i < text.length; i++) units[i] = text.charCodeAt(i);
  assert.equal(decodeWideUnits(units), text);
  assert.equal(decodeWideUnits(units, 0, 32), "a".repeat(31) + "\ufffd");
});
