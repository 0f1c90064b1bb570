import assert from "node:assert/strict";
import { PackedArea } from "./_packed_area.ts";
import { SidTextCache } from "./sid.ts";
import { encodeWide } from "./utf16.ts";
import { WideColumn } from "./wide_column.ts";
import { useDoubles } from "../tests/doubles.ts";

const STRIDE = 24; // a struct of two pointers (name at 8, SID at 16) after a DWORD
const SID_OF = (rid: number) => {
  const bytes = new Uint8Array(8 + 4 * 5);
  bytes.set([1, 5, 0, 0, 0, 0, 0, 5]);
  new DataView(bytes.buffer).setUint32(8 + 4 * 4, rid, true);
  [21, 1, 2, 3].forEach((sub, i) => new DataView(bytes.buffer).setUint32(8 + 4 * i, sub, true));
  return bytes;
};

/** Rows of (name, SID RID) with the items placed where `place` says in one heap. */
function table(rows: [string | null, number | null][], place: (item: number) => number) {
  const view = new DataView(new ArrayBuffer(rows.length * STRIDE));
  const heap = new Uint8Array(1 << 16);
  const base = Deno.UnsafePointer.value(Deno.UnsafePointer.of(heap));
  rows.forEach(([name, rid], i) => {
    if (name !== null) {
      heap.set(encodeWide(name), place(2 * i));
      view.setBigUint64(i * STRIDE + 8, base + BigInt(place(2 * i)), true);
    }
    if (rid !== null) {
      heap.set(SID_OF(rid), place(2 * i + 1));
      view.setBigUint64(i * STRIDE + 16, base + BigInt(place(2 * i + 1)), true);
    }
  });
  return { view, heap };
}
const NAME = { offset: 8, kind: "wide" } as const;
const SID = { offset: 16, kind: "sid" } as const;

/** Both columns decoded as the process decode does: each column mapped on its own. */
function decode(view: DataView, count: number) {
  const nameArea = PackedArea.map(view, STRIDE, count, NAME);
  const sidArea = PackedArea.map(view, STRIDE, count, SID);
  const names = new WideColumn(view, 8, STRIDE, count, nameArea);
  const sids = new SidTextCache();
  const rows = Array.from({ length: count }, (_, i) => {
    const address = Number(view.getBigUint64(i * STRIDE + 16, true));
    const sid = address === 0
      ? null
      : sidArea === null
      ? sids.read(address)
      : sids.readPacked(sidArea, sidArea.offsets[i]!);
    const name = nameArea === null ? names.at(i * STRIDE + 8) : nameArea.wide(nameArea.offsets[i]!);
    assert.equal(name, names.at(i * STRIDE + 8));
    return [name, sid];
  });
  return { nameArea, sidArea, rows };
}

const ROWS: [string | null, number | null][] = [
  ["System", 18],
  ["svchost.exe", 19],
  [null, null],
  ["naïve 😀.exe", 1001],
  ["x".repeat(300), 1001],
  ["", 20],
];
const EXPECTED = ROWS.map((
  [name, rid],
) => [name ?? "", rid === null ? null : `S-1-5-21-1-2-3-${rid}`]);

Deno.test("PackedArea maps names and SIDs packed row by row, as Windows lays them out", () => {
  useDoubles(); // lstrlenW measures the last string
  let next = 0;
  const packed: number[] = [];
  ROWS.forEach(([name]) => {
    packed.push(next); // the name, then the SID 4-aligned after it
    next = (next + ((name?.length ?? 0) + 1) * 2 + 3) & ~3;
    packed.push(next);
    next += 28;
  });
  const { view, heap } = table(ROWS, (item) => packed[item]!);
  const { nameArea, sidArea, rows } = decode(view, ROWS.length);
  assert.notEqual(nameArea, null);
  assert.notEqual(sidArea, null);
  assert.deepEqual(rows, EXPECTED);
  assert.ok(heap.byteLength > 0); // alive while its addresses are read
});

Deno.test("PackedArea refuses other layouts, and the decode gives the same rows anyway", () => {
  useDoubles();
  // Each layout, and which of the two columns it leaves unmapped (the SIDs of the third are
  // packed: only the names are at odd addresses).
  const layouts: [(item: number) => number, { names: boolean; sids: boolean }][] = [
    [(item) => (2 * ROWS.length - item) * 1024, { names: false, sids: false }], // descending
    [(item) => item * 5000, { names: false, sids: false }], // gaps over a page
    [(item) => item * 700 + (item % 2 === 0 ? 1 : 0), { names: false, sids: true }], // odd names
  ];
  for (const [place, mapped] of layouts) {
    const { view, heap } = table(ROWS, place);
    const { nameArea, sidArea, rows } = decode(view, ROWS.length);
    assert.equal(nameArea !== null, mapped.names);
    assert.equal(sidArea !== null, mapped.sids);
    assert.deepEqual(rows, EXPECTED);
    assert.ok(heap.byteLength > 0);
  }
});

Deno.test("SidTextCache.readPacked reads a SID that is not 4-aligned, or runs past the area, on its own", () => {
  useDoubles();
  // 2-aligned SIDs: packed (ascending, even names), but their words are not at 4-byte steps.
  let next = 0;
  const at: number[] = [];
  ROWS.forEach(([name]) => {
    at.push(next);
    next += ((name?.length ?? 0) + 1) * 2 + 2;
    at.push(next | 2);
    next = (next | 2) + 28;
  });
  const { view, heap } = table(ROWS, (item) => at[item]!);
  const { rows } = decode(view, ROWS.length);
  assert.deepEqual(rows, EXPECTED);
  assert.ok(heap.byteLength > 0);
});

Deno.test("PackedArea of a column with no pointers, or no rows, is null", () => {
  useDoubles();
  for (const column of [NAME, SID]) {
    assert.equal(
      PackedArea.map(new DataView(new ArrayBuffer(3 * STRIDE)), STRIDE, 3, column),
      null,
    );
    assert.equal(PackedArea.map(new DataView(new ArrayBuffer(0)), STRIDE, 0, column), null);
  }
});

Deno.test("PackedArea maps all names then all SIDs, one column at a time", () => {
  useDoubles();
  // Names packed first, then the SIDs 4 pages further: together they would not be one packed
  // run, each column alone is (the process decode maps the columns separately).
  let next = 0;
  const at: number[] = new Array(2 * ROWS.length);
  ROWS.forEach(([name], i) => {
    at[2 * i] = next;
    next = (next + ((name?.length ?? 0) + 1) * 2 + 3) & ~3;
  });
  ROWS.forEach((_, i) => (at[2 * i + 1] = 4 * 4096 + 28 * i));
  const { view, heap } = table(ROWS, (item) => at[item]!);
  const { nameArea, sidArea, rows } = decode(view, ROWS.length);
  assert.notEqual(nameArea, null);
  assert.notEqual(sidArea, null);
  assert.deepEqual(rows, EXPECTED);
  assert.ok(heap.byteLength > 0);
});
