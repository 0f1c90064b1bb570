/**
 * WTSQuerySessionInformationW, the per-session query every session function makes, in its
 * three forms: on the main thread with the last error kept for the caller
 * ({@linkcode queryBlocking}), optional (a failure leaves a field empty:
 * {@linkcode queryOptional}) and required (a failure is the real WindowsError:
 * {@linkcode queryRequired}). Each copies the answer into one reused buffer, decodes it and
 * frees Windows' block in `finally`.
 *
 * @module
 */

import { callBool, decodeThenFree, OutBlock, tryBool } from "../ffi/call.ts";
import { clearLastError, WindowsError } from "../ffi/errors.ts";
import { wtsapi32 } from "../ffi/load.ts";
import { WTSInfoClass } from "../ffi/wtsapi32.ts";
import type { CallContext } from "./_context.ts";

/** Reused by the blocking queries (the main thread runs one at a time). */
const blockingQuery = new OutBlock();

/**
 * Where every query result is copied before decoding. One reused buffer instead of one
 * `getArrayBuffer` per result: a listing of 1,000 sessions decodes thousands of small results,
 * and `copyInto` of the returned byte count measured about 6× cheaper per result than a fresh
 * native-backed `ArrayBuffer`. Decoding is synchronous and decoders return plain values, so one
 * buffer serves the blocking and the nonblocking paths alike.
 */
let scratch = new Uint8Array(4096);

/**
 * WTSFreeMemory with exactly its one argument. A call with a spread or with more arguments than
 * the symbol declares leaves V8's fast FFI path: measured with `process.cpuUsage()` against the
 * doubles, a spread in {@linkcode queryBlocking} made a 1,000-session listing take about 10 ms
 * of CPU instead of 7 ms. So the hot path spells its calls out. (Deno's FFI symbols are V8
 * fast API calls, denoland/deno#15125; "spread params don't let `call` optimize",
 * denoland/deno#15313.)
 */
const freeMemory = (block: Deno.PointerObject) => wtsapi32().WTSFreeMemory(block);

/** Copies the returned bytes into {@linkcode scratch} and frees the block; `decode` must not keep them. */
function decodeAndFree<T>(out: OutBlock, decode: (bytes: Uint8Array) => T): T | undefined {
  return decodeThenFree(out, undefined, (block, size) => {
    if (size > scratch.byteLength) scratch = new Uint8Array(Math.max(size, scratch.byteLength * 2));
    const bytes = scratch.subarray(0, size);
    if (size !== 0) Deno.UnsafePointerView.copyInto(block, bytes);
    return decode(bytes);
  }, freeMemory);
}

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
 * WTSQuerySessionInformationW on the main thread, decoded; `undefined` when it fails, in which
 * case nothing else has run since the call and `GetLastError` still holds its code.
 */
export function queryBlocking<T>(
  handle: Deno.PointerValue,
  sessionId: number,
  infoClass: number,
  decode: (bytes: Uint8Array) => T,
): T | undefined {
  const out = blockingQuery;
  out.cell[0] = 0n;
  clearLastError();
  // The hot path of a local listing (four calls per session): its arguments written out, since
  // a spread call leaves V8's fast FFI path (see freeMemory).
  const ok = wtsapi32().WTSQuerySessionInformationW(
    handle,
    sessionId,
    infoClass,
    out.cellBytes,
    out.numberBytes,
  );
  if (ok === 0) return undefined;
  return decodeAndFree(out, decode);
}

/**
 * WTSQuerySessionInformationW the way `context` says, decoded; `undefined` when it fails (the
 * code is not needed: the field stays empty).
 */
export async function queryOptional<T>(
  context: CallContext,
  sessionId: number,
  infoClass: number,
  decode: (bytes: Uint8Array) => T,
): Promise<T | undefined> {
  if (!context.nonblocking) return queryBlocking(context.handle, sessionId, infoClass, decode);
  const out = new OutBlock();
  const args = queryArgs(context.handle, sessionId, infoClass, out);
  let ok: boolean;
  try {
    ok = await tryBool(context, wtsapi32(), "WTSQuerySessionInformationW", args);
  } catch (error) {
    // Abandoned after the call returned: the block is still ours to release.
    decodeAndFree(out, () => undefined);
    throw error;
  }
  return ok ? decodeAndFree(out, decode) : undefined;
}

/**
 * WTSQuerySessionInformationW the way `context` says, decoded; throws the real WindowsError
 * when it fails (see `ffi/call.ts` for the nonblocking case).
 */
export async function queryRequired<T>(
  context: CallContext,
  sessionId: number,
  infoClass: number,
  decode: (bytes: Uint8Array) => T,
): Promise<T> {
  const out = context.nonblocking ? new OutBlock() : blockingQuery;
  out.cell[0] = 0n;
  const args = queryArgs(context.handle, sessionId, infoClass, out);
  await callBool(context, wtsapi32(), "WTSQuerySessionInformationW", args);
  const value = decodeAndFree(out, decode);
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
