/**
 * Blocks Windows allocated and hands back through out-parameters (`*ppBuffer`, `*pCount`): the
 * cells those parameters write to ({@linkcode OutBlock}), and "decode, then free in `finally`"
 * ({@linkcode decodeThenFree}, {@linkcode freeBlock}). Part of the calling conventions of
 * ffi/call.ts, which re-exports them.
 *
 * @module
 */

/**
 * Out-parameters of one call that returns an allocated block and a count or size
 * (`*ppBuffer`, `*pCount`), as the `"buffer"` arguments the symbols take.
 *
 * @example
 * ```ts
 * import { OutBlock } from "./call.ts";
 * import assert from "node:assert/strict";
 *
 * const out = new OutBlock();
 * assert.equal(out.pointer(), null);
 * assert.equal(out.cellBytes.byteLength, 8);
 * ```
 */
export class OutBlock {
  /** `*ppBuffer`: the block's address. */
  readonly cell: BigUint64Array<ArrayBuffer> = new BigUint64Array(1);
  /** `*pCount` or `*pBytesReturned`. */
  readonly number: Uint32Array<ArrayBuffer> = new Uint32Array(1);
  /** {@linkcode cell} as the `"buffer"` FFI parameter. */
  readonly cellBytes: Uint8Array<ArrayBuffer> = new Uint8Array(this.cell.buffer);
  /** {@linkcode number} as the `"buffer"` FFI parameter. */
  readonly numberBytes: Uint8Array<ArrayBuffer> = new Uint8Array(this.number.buffer);

  /**
   * The block's address, or null.
   *
   * @returns The pointer in {@linkcode cell}.
   */
  pointer(): Deno.PointerValue {
    return Deno.UnsafePointer.create(this.cell[0]!);
  }
}

/**
 * Decodes the block Windows returned in `out` and frees it in `finally`, whatever the decode
 * does; `empty` when no block was returned.
 *
 * @example
 * ```ts ignore
 * import { decodeThenFree } from "./call.ts";
 *
 * const rows = decodeThenFree(out, [], (block, count) => decodeSessionInfoW(block, count), wts.WTSFreeMemory);
 * ```
 *
 * @param out The call's out-parameters.
 * @param empty What to return when the block is NULL.
 * @param decode Reads the block (with `out`'s count); must not keep it.
 * @param free Releases it (WTSFreeMemory, or WTSFreeMemoryExW with its type and count).
 * @returns What `decode` returned.
 */
export function decodeThenFree<T>(
  out: OutBlock,
  empty: T,
  decode: (block: Deno.PointerObject, count: number) => T,
  free: (block: Deno.PointerObject, count: number) => unknown,
): T {
  const block = out.pointer();
  if (block === null) return empty;
  const count = out.number[0]!;
  try {
    return decode(block, count);
  } finally {
    out.cell[0] = 0n;
    free(block, count);
  }
}

/**
 * Frees the block in `out`, if any, without decoding it: for a call abandoned after it
 * returned (its block is still ours to release).
 *
 * @param out The call's out-parameters.
 * @param free Releases the block.
 */
export function freeBlock(
  out: OutBlock,
  free: (block: Deno.PointerObject, count: number) => unknown,
): void {
  decodeThenFree(out, undefined, () => undefined, free);
}
