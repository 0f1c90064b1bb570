/**
 * WTSQuerySessionInformationW, the per-session query every session function makes, in its
 * forms: a listing's many queries on the main thread ({@linkcode SessionQueries}), one on the
 * main thread with the last error kept for the caller ({@linkcode queryBlocking}), optional (a
 * failure leaves a field empty: {@linkcode queryOptional}) and required (a failure is the real
 * WindowsError: {@linkcode queryRequired}). Each copies the answer into one reused scratch
 * buffer, decodes it from there and frees Windows' block in `finally`. Also the level-1
 * `WTSEnumerate…ExW` call the session and process listings share ({@linkcode enumerateLevel1}).
 *
 * @module
 */

import { callBool, decodeThenFree, freeBlock, OutBlock, tryBool } from "../ffi/call.ts";
import { clearLastError, WindowsError } from "../ffi/errors.ts";
import { kernel32, wtsapi32 } from "../ffi/load.ts";
import { WTSInfoClass } from "../ffi/wtsapi32.ts";
import type { CallContext } from "./_context.ts";

/**
 * Decodes one query result from the scratch buffer: `bytes` is exactly the returned bytes,
 * `view` and `units` span the whole scratch from the same first byte (so struct offsets are
 * the same in all three, and a `Uint16Array` is always aligned). Decoders must return plain
 * values: the scratch is overwritten by the next query.
 */
export type ScratchDecoder<T> = (bytes: Uint8Array, view: DataView, units: Uint16Array) => T;

type WtsSymbols = ReturnType<typeof wtsapi32>;
type QuerySymbol = WtsSymbols["WTSQuerySessionInformationW"];
type FreeSymbol = WtsSymbols["WTSFreeMemory"];

/** Reused by the blocking queries of {@linkcode queryRequired} (one at a time). */
const blockingQuery = new OutBlock();

/**
 * The out-parameters of the hot blocking query, read without a BigInt: `*ppBuffer` is read
 * with `UnsafePointerView.getPointer` (one op, straight to a pointer object) instead of a
 * `BigUint64Array` read (a BigInt per query) then `UnsafePointer.create`. The cell is an
 * `ArrayBuffer` of its own, so its memory is off the V8 heap and does not move.
 */
const hotCell = new ArrayBuffer(8);
const hotCellWords = new Uint32Array(hotCell);
const hotCellBytes = new Uint8Array(hotCell);
/** Made on first use: the pointer API needs --allow-ffi, which importing must not require. */
let hotCellView: Deno.UnsafePointerView | undefined;
const hotNumber = new Uint32Array(1);
const hotNumberBytes = new Uint8Array(hotNumber.buffer);

/**
 * Where every query result is copied before decoding. One reused buffer instead of one
 * `getArrayBuffer` per result: a listing of 1,000 sessions decodes thousands of small results,
 * and `copyInto` of the returned byte count measured about 6× cheaper per result than a fresh
 * native-backed `ArrayBuffer`. Decoding is synchronous and decoders return plain values, so one
 * buffer serves the blocking and the nonblocking paths alike. Its `DataView` and `Uint16Array`
 * are made once per growth, and a `subarray` per result size once (sizes repeat: a WTSINFOW is
 * always 216 bytes), so a query allocates nothing but its block pointer and decoded values.
 */
let scratch = new Uint8Array(4096);
let scratchView = new DataView(scratch.buffer);
let scratchUnits = new Uint16Array(scratch.buffer);
let scratchBySize = new Map<number, Uint8Array>();
/** Results up to this size get a cached `subarray`; larger ones (rare) a fresh one. */
const CACHED_SIZE_LIMIT = 1024;

function scratchBytes(size: number): Uint8Array {
  const cached = scratchBySize.get(size);
  if (cached !== undefined) return cached;
  if (size > scratch.byteLength) {
    scratch = new Uint8Array(Math.max(size, scratch.byteLength * 2));
    scratchView = new DataView(scratch.buffer);
    scratchUnits = new Uint16Array(scratch.buffer, 0, scratch.byteLength >>> 1);
    scratchBySize = new Map();
  }
  const bytes = scratch.subarray(0, size);
  if (size <= CACHED_SIZE_LIMIT) scratchBySize.set(size, bytes);
  return bytes;
}

/**
 * Copies `block` (`size` bytes) into the scratch, decodes it there and frees it (in
 * `finally`); `undefined` when no block was returned. Written out rather than through
 * `decodeThenFree`: this runs four times per session, and a closure per call was measurable.
 */
function copyDecodeFree<T>(
  block: Deno.PointerValue,
  size: number,
  decode: ScratchDecoder<T>,
  free: FreeSymbol,
): T | undefined {
  if (block === null) return undefined;
  try {
    const bytes = scratchBytes(size);
    if (size !== 0) copyBlock(bytes, block, size);
    return decode(bytes, scratchView, scratchUnits);
  } finally {
    free(block);
  }
}

/** `RtlMoveMemory`'s `Length` by length: pointer objects, made once each (see below). */
const lengthArguments = new Map<number, Deno.PointerObject>();
let moveMemory: ReturnType<typeof kernel32>["RtlMoveMemory"] | undefined;

/**
 * Copies `size` bytes of `block` into `bytes` with kernel32's RtlMoveMemory, a V8 fast call
 * (its `Length` is passed as a pointer-sized value: see ffi/kernel32.ts), instead of
 * `UnsafePointerView.copyInto`, a Deno op: measured 17–36 ns against 207 per copy, and a listing
 * of 1,000 sessions makes 4,000. Only lengths of the cached sizes get a cached argument.
 */
function copyBlock(bytes: Uint8Array, block: Deno.PointerObject, size: number): void {
  let length = lengthArguments.get(size);
  if (length === undefined) {
    length = Deno.UnsafePointer.create(BigInt(size))!;
    if (size <= CACHED_SIZE_LIMIT) lengthArguments.set(size, length);
  }
  (moveMemory ??= kernel32().RtlMoveMemory)(bytes, block, length);
}

/** {@linkcode copyDecodeFree} for the block in `out`, whose cell is cleared first. */
function copyDecodeFreeOut<T>(
  out: OutBlock,
  decode: ScratchDecoder<T>,
  free: FreeSymbol,
): T | undefined {
  const block = out.pointer();
  out.cell[0] = 0n;
  return copyDecodeFree(block, out.number[0]!, decode, free);
}

/**
 * The blocking WTSQuerySessionInformationW with its arguments written out. A call with a
 * spread or with more arguments than the symbol declares leaves V8's fast FFI path: measured
 * with `process.cpuUsage()` against the doubles, a spread here made a 1,000-session listing
 * take about 10 ms of CPU instead of 7 ms. (Deno's FFI symbols are V8 fast API calls,
 * denoland/deno#15125; "spread params don't let `call` optimize", denoland/deno#15313.)
 */
function queryWith<T>(
  query: QuerySymbol,
  free: FreeSymbol,
  handle: Deno.PointerValue,
  sessionId: number,
  infoClass: number,
  decode: ScratchDecoder<T>,
): T | undefined {
  hotCellWords[0] = 0;
  hotCellWords[1] = 0;
  if (query(handle, sessionId, infoClass, hotCellBytes, hotNumberBytes) === 0) return undefined;
  hotCellView ??= new Deno.UnsafePointerView(Deno.UnsafePointer.of(hotCellBytes)!);
  return copyDecodeFree(hotCellView.getPointer(0), hotNumber[0]!, decode, free);
}

/**
 * The blocking queries of one listing on one server handle: the two symbols are fetched once
 * here, not once per query, and no last error is cleared or kept (a failed query only leaves
 * its field empty), so each query is the one WTSQuerySessionInformationW and one
 * WTSFreeMemory the C loop makes.
 */
export class SessionQueries {
  readonly #handle: Deno.PointerValue;
  readonly #query: QuerySymbol;
  readonly #free: FreeSymbol;

  /** Queries on `handle` (WTS_CURRENT_SERVER_HANDLE or an open server). */
  constructor(handle: Deno.PointerValue) {
    const wts = wtsapi32();
    this.#handle = handle;
    this.#query = wts.WTSQuerySessionInformationW;
    this.#free = wts.WTSFreeMemory;
  }

  /** One class of one session, decoded; `undefined` when the query fails. */
  query<T>(sessionId: number, infoClass: number, decode: ScratchDecoder<T>): T | undefined {
    return queryWith(this.#query, this.#free, this.#handle, sessionId, infoClass, decode);
  }
}

/**
 * WTSQuerySessionInformationW on the main thread, decoded; `undefined` when it fails, in which
 * case nothing else has run since the call and `GetLastError` still holds its code.
 */
export function queryBlocking<T>(
  handle: Deno.PointerValue,
  sessionId: number,
  infoClass: number,
  decode: ScratchDecoder<T>,
): T | undefined {
  const wts = wtsapi32();
  clearLastError();
  return queryWith(
    wts.WTSQuerySessionInformationW,
    wts.WTSFreeMemory,
    handle,
    sessionId,
    infoClass,
    decode,
  );
}

const freeMemory: FreeSymbol = (block) => wtsapi32().WTSFreeMemory(block);

/** The arguments of WTSQuerySessionInformationW for `out`. */
function queryArgs(
  handle: Deno.PointerValue,
  sessionId: number,
  infoClass: number,
  out: OutBlock,
): [Deno.PointerValue, number, number, Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>] {
  return [handle, sessionId, infoClass, out.cellBytes, out.numberBytes];
}

/**
 * WTSQuerySessionInformationW the way `context` says, decoded; `undefined` when it fails (the
 * code is not needed: the field stays empty).
 */
export async function queryOptional<T>(
  context: CallContext,
  sessionId: number,
  infoClass: number,
  decode: ScratchDecoder<T>,
): Promise<T | undefined> {
  if (!context.nonblocking) return queryBlocking(context.handle, sessionId, infoClass, decode);
  const out = new OutBlock();
  const args = queryArgs(context.handle, sessionId, infoClass, out);
  let ok: boolean;
  try {
    ok = await tryBool(context, wtsapi32(), "WTSQuerySessionInformationW", args);
  } catch (error) {
    // Abandoned after the call returned: the block is still ours to release.
    copyDecodeFreeOut(out, () => undefined, freeMemory);
    throw error;
  }
  return ok ? copyDecodeFreeOut(out, decode, freeMemory) : undefined;
}

/**
 * WTSQuerySessionInformationW the way `context` says, decoded; throws the real WindowsError
 * when it fails (see `ffi/call.ts` for the nonblocking case).
 */
export async function queryRequired<T>(
  context: CallContext,
  sessionId: number,
  infoClass: number,
  decode: ScratchDecoder<T>,
): Promise<T> {
  const out = context.nonblocking ? new OutBlock() : blockingQuery;
  out.cell[0] = 0n;
  const args = queryArgs(context.handle, sessionId, infoClass, out);
  await callBool(context, wtsapi32(), "WTSQuerySessionInformationW", args);
  const value = copyDecodeFreeOut(out, decode, freeMemory);
  if (value === undefined) {
    throw new TypeError("WTSQuerySessionInformationW succeeded without returning a buffer");
  }
  return value;
}

/**
 * Throws the real WindowsError when `sessionId` cannot be queried (unknown session, access
 * denied, unknown server), with a blocking call so that its last error is readable. Passing
 * says nothing about other rights on the session (messages need WINSTATION_MSG, not
 * WINSTATION_QUERY).
 */
export function validateSession(handle: Deno.PointerValue, sessionId: number): void {
  const state = queryBlocking(handle, sessionId, WTSInfoClass.WTSConnectState, () => true);
  if (state === undefined) throw WindowsError.fromLastError("WTSQuerySessionInformationW");
}

/** The level-1 enumerations: same five parameters, same freeing with WTSFreeMemoryExW. */
export type Level1Enumeration = "WTSEnumerateSessionsExW" | "WTSEnumerateProcessesExW";

/**
 * A level-1 `WTSEnumerate…ExW` call the way `context` says, its block decoded and freed with
 * `WTSFreeMemoryExW(typeClass, block, count)` (in `finally`, and also when the call is abandoned
 * after a late success: the block is still ours). `undefined` when the call failed, so that the
 * caller can fall back to the level-0 function (Wine 10 implements neither Ex function; some
 * older servers refuse them).
 *
 * @param filter `Filter` (reserved, 0) for sessions, `SessionId` (or WTS_ANY_SESSION) for processes.
 * @param typeClass The `WTS_TYPE_CLASS` matching `name`.
 */
export async function enumerateLevel1<T>(
  context: CallContext,
  name: Level1Enumeration,
  filter: number,
  typeClass: number,
  decode: (block: Deno.PointerObject, count: number) => T[],
): Promise<T[] | undefined> {
  const wts = wtsapi32();
  const levelBytes = new Uint8Array(new Uint32Array([1]).buffer);
  const out = new OutBlock();
  const free = (block: Deno.PointerObject, count: number) =>
    wts.WTSFreeMemoryExW(typeClass, block, count);
  let ok: boolean;
  try {
    ok = await tryBool(context, wts, name, [
      context.handle,
      levelBytes,
      filter,
      out.cellBytes,
      out.numberBytes,
    ]);
  } catch (error) {
    freeBlock(out, free); // abandoned after a late success: the block is still ours to free
    throw error;
  }
  return ok ? decodeThenFree(out, [], decode, free) : undefined;
}
