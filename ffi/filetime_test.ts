import assert from "node:assert/strict";
import {
  dateToFileTime,
  durationDwordsToMs,
  durationFrom100ns,
  FILETIME_UNIX_EPOCH,
  fileTimeDwordsToDate,
  fileTimeToDate,
  readFileTime,
} from "./filetime.ts";

Deno.test("fileTimeToDate() maps the Unix epoch", () => {
  assert.equal(fileTimeToDate(FILETIME_UNIX_EPOCH)?.toISOString(), "1970-01-01T00:00:00.000Z");
});

Deno.test("fileTimeToDate() maps 1601-01-01 plus one millisecond", () => {
  assert.equal(fileTimeToDate(10_000n)?.toISOString(), "1601-01-01T00:00:00.001Z");
});

Deno.test("fileTimeToDate() returns null for zero, negative and sign-bit values", () => {
  assert.equal(fileTimeToDate(0n), null);
  assert.equal(fileTimeToDate(-1n), null);
  assert.equal(fileTimeToDate(0x8000_0000_0000_0000n), null);
  assert.equal(fileTimeToDate(0xffff_ffff_ffff_ffffn), null);
});

Deno.test("fileTimeToDate() accepts the largest FILETIME Windows accepts", () => {
  const date = fileTimeToDate(0x7fff_ffff_ffff_ffffn);
  assert.ok(date);
  assert.equal(date.getUTCFullYear(), 30828);
});

Deno.test("fileTimeToDate() truncates sub-millisecond ticks, never rounding up", () => {
  assert.equal(fileTimeToDate(FILETIME_UNIX_EPOCH + 9_999n)?.getTime(), 0);
  assert.equal(fileTimeToDate(FILETIME_UNIX_EPOCH - 1n)?.getTime(), -1);
});

Deno.test("fileTimeToDate() decodes a known logon time", () => {
  // 2024-03-01T12:34:56.789Z
  const ms = Date.UTC(2024, 2, 1, 12, 34, 56, 789);
  const ticks = BigInt(ms) * 10_000n + FILETIME_UNIX_EPOCH + 1234n;
  assert.equal(fileTimeToDate(ticks)?.toISOString(), "2024-03-01T12:34:56.789Z");
});

Deno.test("dateToFileTime() round-trips with fileTimeToDate()", () => {
  for (
    const iso of ["1601-01-01T00:00:00.001Z", "1969-12-31T23:59:59.999Z", "2038-01-19T03:14:08Z"]
  ) {
    const date = new Date(iso);
    assert.equal(fileTimeToDate(dateToFileTime(date))?.getTime(), date.getTime());
  }
  assert.equal(dateToFileTime(new Date(0)), FILETIME_UNIX_EPOCH);
});

Deno.test("dateToFileTime() rejects invalid and pre-1601 dates", () => {
  assert.throws(() => dateToFileTime(new Date(NaN)), RangeError);
  assert.throws(() => dateToFileTime(new Date("1600-12-31T23:59:59Z")), RangeError);
});

Deno.test("readFileTime() reads two little-endian DWORDs at a 4-aligned offset", () => {
  const view = new DataView(new ArrayBuffer(12));
  view.setUint32(4, 0xd53e8000, true);
  view.setUint32(8, 0x019db1de, true);
  assert.equal(readFileTime(view, 4), FILETIME_UNIX_EPOCH);
  view.setUint32(4, 0xffffffff, true);
  view.setUint32(8, 0xffffffff, true);
  assert.equal(readFileTime(view, 4), 0xffff_ffff_ffff_ffffn);
});

Deno.test("durationFrom100ns() converts to milliseconds with a fraction", () => {
  assert.equal(durationFrom100ns(0n), 0);
  assert.equal(durationFrom100ns(10_000n), 1);
  assert.equal(durationFrom100ns(15_625n), 1.5625);
  assert.equal(durationFrom100ns(36_000_000_000n), 3_600_000); // one hour
});

Deno.test("durationDwordsToMs() equals durationFrom100ns() of the same 64-bit value", () => {
  for (
    const [low, high] of [
      [0, 0],
      [15_625, 0],
      [0xffff_ffff, 0],
      [0, 1],
      [2_703, 1],
      [
        0xffff_ffff,
        0x7fff_ffff,
      ],
      [0xffff_ffff, 0xffff_ffff],
      [0, 0x8000_0000],
    ]
  ) {
    const ticks = BigInt.asIntN(64, (BigInt(high!) << 32n) | BigInt(low!));
    assert.equal(durationDwordsToMs(low!, high!), durationFrom100ns(ticks), `${ticks}`);
  }
});

Deno.test("durationDwordsToMs() equals durationFrom100ns() bit for bit on 20,000 values", () => {
  // A fixed pseudo-random sequence (xorshift32), dense near multiples of 10,000 ticks too, where
  // a floor division would show an off-by-one first.
  let x = 0x9e3779b9;
  const next = () => (x ^= x << 13, x ^= x >>> 17, x ^= x << 5, x >>> 0);
  for (let i = 0; i < 20_000; i++) {
    const high = i % 4 === 0 ? 0 : next() % (i % 3 === 0 ? 0x8000_0000 : 4096);
    let low = next();
    if (i % 5 === 0) low = Math.max(0, low - (low % 10_000) - (i % 2)); // at or just below a ms
    const ticks = (BigInt(high) << 32n) | BigInt(low);
    assert.equal(durationDwordsToMs(low, high), durationFrom100ns(ticks), `${ticks}`);
  }
});

Deno.test("fileTimeDwordsToDate() equals exact BigInt math: edges and 10,000 values", () => {
  // The reference: whole milliseconds since 1601 by BigInt division (truncating), minus the epoch.
  const exact = (ticks: bigint) =>
    ticks <= 0n || ticks > 0x7fff_ffff_ffff_ffffn
      ? null
      : Number(ticks / 10_000n - 11_644_473_600_000n);
  const check = (ticks: bigint) => {
    const low = Number(ticks & 0xffff_ffffn);
    const high = Number(ticks >> 32n);
    assert.equal(fileTimeDwordsToDate(low, high)?.getTime() ?? null, exact(ticks), `${ticks}`);
  };
  const edges = [
    0n, // no time
    1n, // 1601-01-01 plus 100 ns: 1601-01-01T00:00:00.000Z
    9_999n,
    10_000n,
    0xffff_ffffn, // the low DWORD full, high 0
    0x1_0000_0000n, // the carry into the high DWORD
    116_444_735_999_999_999n, // the last tick before 1970: 1969-12-31T23:59:59.999Z
    116_444_736_000_000_000n, // the Unix epoch
    116_444_736_000_009_999n,
    0x7fff_ffff_ffff_ffffn, // the largest FILETIME Windows accepts
    0x8000_0000_0000_0000n, // the sign bit: no time
    0xffff_ffff_ffff_ffffn,
  ];
  for (const ticks of edges) check(ticks);
  assert.equal(
    fileTimeDwordsToDate(0xd53e7fff, 0x019db1de)?.toISOString(),
    "1969-12-31T23:59:59.999Z",
  );
  // Deterministic pseudo-random FILETIMEs over the whole valid range (xorshift64).
  let state = 0x9e37_79b9_7f4a_7c15n;
  for (let i = 0; i < 10_000; i++) {
    state ^= (state << 13n) & 0xffff_ffff_ffff_ffffn;
    state ^= state >> 7n;
    state ^= (state << 17n) & 0xffff_ffff_ffff_ffffn;
    check(state & 0x7fff_ffff_ffff_ffffn);
  }
});
