/**
 * Test helpers for decoders of WTS blocks: JS-owned buffers laid out the way Windows lays out
 * the blocks it returns (struct array first, strings and SIDs after it), kept alive for the
 * whole test file.
 *
 * @module
 */

import { encodeWide } from "./utf16.ts";

/**
 * Every buffer whose address a test hands to native code. A JS buffer referenced only by a raw
 * pointer can be garbage-collected mid-call (seen as a segfault in a 10,000-row probe), so the
 * tests keep them reachable for the whole file.
 */
const alive: Uint8Array[] = [];

/** `Deno.UnsafePointer.of(bytes)`, keeping `bytes` reachable. */
export function pointerTo(bytes: Uint8Array): Deno.PointerObject {
  alive.push(bytes);
  return Deno.UnsafePointer.of(bytes)!;
}

/**
 * A block laid out as Windows lays out WTS results: the struct array first, then the strings
 * and SIDs it points to, all in one JS-owned buffer that stays alive while the test runs.
 */
export class Block {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly view: DataView;
  readonly base: bigint;
  #next: number;

  constructor(arrayBytes: number, heapBytes = 4096) {
    this.bytes = new Uint8Array(arrayBytes + heapBytes);
    this.view = new DataView(this.bytes.buffer);
    this.base = Deno.UnsafePointer.value(pointerTo(this.bytes));
    this.#next = arrayBytes;
  }

  get pointer(): Deno.PointerObject {
    return Deno.UnsafePointer.create(this.base)!;
  }

  /** Copies `data` after the array (8-aligned) and returns its address. */
  put(data: Uint8Array): bigint {
    const at = this.#next;
    this.bytes.set(data, at);
    this.#next = at + ((data.byteLength + 7) & ~7);
    return this.base + BigInt(at);
  }

  /** Writes a pointer to `text` (UTF-16, NUL-terminated) at `offset`; `null` writes NULL. */
  string(offset: number, text: string | null): void {
    this.view.setBigUint64(offset, text === null ? 0n : this.put(encodeWide(text)), true);
  }

  sid(offset: number, bytes: Uint8Array | null): void {
    this.view.setBigUint64(offset, bytes === null ? 0n : this.put(bytes), true);
  }
}

export function sidBytes(authority: number, ...subAuthorities: number[]): Uint8Array {
  const bytes = new Uint8Array(8 + 4 * subAuthorities.length);
  const view = new DataView(bytes.buffer);
  bytes[0] = 1;
  bytes[1] = subAuthorities.length;
  view.setUint32(4, authority);
  subAuthorities.forEach((value, i) => view.setUint32(8 + 4 * i, value, true));
  return bytes;
}
