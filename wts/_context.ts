/**
 * Internal plumbing shared by the session modules: server handles, the calling convention for
 * blocking versus nonblocking WTS calls, and the honest handling of Win32's last error.
 *
 * Not re-exported by `mod.ts` except {@linkcode NonblockingCallError}, which users may catch.
 *
 * ## The last error of a nonblocking call
 *
 * Win32 keeps the last error per thread. A symbol bound with `nonblocking: true` runs on one of
 * Deno's pool threads, so when it returns FALSE the code lives on that thread and
 * `GetLastError` on the main thread reads something unrelated. winsession never reports such a
 * made-up code. Instead:
 *
 * - Idempotent queries (enumerations, `WTSQuerySessionInformationW`) that fail on the pool are
 *   repeated ONCE synchronously on the main thread, and `GetLastError` is read right after that
 *   repeat. Failures worth reporting (access denied, unknown server, unknown session) come back
 *   in milliseconds, so the repeat is cheap. It is only done when the nonblocking attempt failed
 *   within {@linkcode FAST_FAILURE_MS}: a call that took longer (an unreachable host timing out)
 *   could block the event loop as long again, so it becomes a {@linkcode NonblockingCallError}
 *   that says the code is unknown. If the repeat succeeds, the failure was transient and its
 *   result is used.
 * - Calls that must not be repeated (a message box the user answers, an event wait) are
 *   preceded by a synchronous query, so the usual errors (unknown session, unreachable server)
 *   still carry their real code. The query proves only that the session can be QUERIED: a
 *   message needs WINSTATION_MSG, which an administrator can deny while granting
 *   WINSTATION_QUERY. A later failure on the pool is a {@linkcode NonblockingCallError}.
 *
 * @module
 */

import {
  AbandonedError,
  clearLastError,
  NonblockingCallError,
  WindowsError,
} from "../ffi/errors.ts";

export { AbandonedError, NonblockingCallError } from "../ffi/errors.ts";
import { encodeWide } from "../ffi/utf16.ts";
import { wtsapi32 } from "../ffi/load.ts";

/** `WTS_ANY_SESSION`: the session filter of WTSEnumerateProcessesExW meaning "all sessions". */
export const WTS_ANY_SESSION = 0xffff_fffe;

/** `WTS_TYPE_CLASS` values for WTSFreeMemoryExW. */
export const WTSTypeProcessInfoLevel0 = 0;
/** `WTS_TYPE_CLASS` of a `WTS_PROCESS_INFO_EXW` array. */
export const WTSTypeProcessInfoLevel1 = 1;
/** `WTS_TYPE_CLASS` of a `WTS_SESSION_INFO_1W` array. */
export const WTSTypeSessionInfoLevel1 = 2;

/** The `WTS_INFO_CLASS` values winsession queries. */
export const WTSInfoClass = {
  WTSConnectState: 8,
  WTSClientName: 10,
  WTSClientAddress: 14,
  WTSClientProtocolType: 16,
  WTSSessionInfo: 24,
  WTSSessionInfoEx: 25,
} as const;

/**
 * A nonblocking call that failed in less than this many milliseconds is repeated synchronously
 * to learn its error code; a slower failure is reported without one.
 */
export const FAST_FAILURE_MS = 1000;

/** How a chain of WTS calls runs, and for whom. */
export interface CallContext {
  /** WTS_CURRENT_SERVER_HANDLE (`null`) or an open server handle. */
  readonly handle: Deno.PointerValue;
  /** `""` for the local server, else the name it was opened with. */
  readonly server: string;
  /** Run calls on Deno's FFI thread pool (the `…Async` twins) instead of the main thread. */
  readonly nonblocking: boolean;
  /** Set when nobody waits for the result any more: further calls are skipped. */
  abandoned: boolean;
}

/** A context for calls on `handle`, blocking or not. */
export function callContext(
  handle: Deno.PointerValue,
  server: string,
  nonblocking: boolean,
): CallContext {
  return { handle, server, nonblocking, abandoned: false };
}

/**
 * Runs one BOOL-returning WTS call the way `context` says, throwing a {@linkcode WindowsError}
 * (or a {@linkcode NonblockingCallError}) on FALSE. `blocking` and `nonblocking` must be the
 * same idempotent call with the same arguments: the blocking one is the honest way to read the
 * error code of a nonblocking failure (see the module documentation).
 */
export async function callIdempotent(
  context: CallContext,
  functionName: string,
  blocking: () => number,
  nonblocking: () => Promise<number>,
): Promise<void> {
  if (!context.nonblocking) {
    clearLastError();
    if (blocking() === 0) throw WindowsError.fromLastError(functionName);
    return;
  }
  if (context.abandoned) throw new AbandonedError(functionName);
  const started = performance.now();
  if ((await nonblocking()) !== 0) return;
  if (context.abandoned) throw new AbandonedError(functionName);
  const elapsed = performance.now() - started;
  if (elapsed > FAST_FAILURE_MS) {
    throw new NonblockingCallError(
      functionName,
      context.server,
      elapsed,
      "it ran on a worker thread and failed too slowly to repeat on the main thread",
    );
  }
  // The failure's code is on a pool thread: repeat the call here and read this thread's code.
  clearLastError();
  if (blocking() === 0) throw WindowsError.fromLastError(functionName);
}

/**
 * Opens a handle to the Remote Desktop Session Host `name` with WTSOpenServerW. Only when
 * `virtualMachines` is true is WTSOpenServerExW used: on a Remote Desktop Virtualization Host
 * an Ex handle enumerates the sessions of the host's virtual machines, whose ids are not the
 * host's (WTSEnumerateSessionsEx: "If you obtained a handle to an RD Virtualization Host server
 * by calling the WTSOpenServerEx function, the array contains information about sessions on
 * virtual machines on the server";
 * https://learn.microsoft.com/windows/win32/api/wtsapi32/nf-wtsapi32-wtsopenserverexw), so
 * acting on such an id through the host would target a different session. Throws a
 * WindowsError from the last error when the call answers NULL (Wine: ERROR_CALL_NOT_IMPLEMENTED).
 */
export function openServerHandle(name: string, virtualMachines = false): Deno.PointerObject {
  if (name === "") throw new TypeError("server name is empty (omit it for the local server)");
  const wide = encodeWide(name, "server name");
  const wts = wtsapi32();
  const functionName = virtualMachines ? "WTSOpenServerExW" : "WTSOpenServerW";
  clearLastError();
  const handle = virtualMachines ? wts.WTSOpenServerExW(wide) : wts.WTSOpenServerW(wide);
  if (handle !== null) return handle;
  throw WindowsError.fromLastError(functionName);
}

/** Closes a handle from {@linkcode openServerHandle}; WTS_CURRENT_SERVER_HANDLE is ignored. */
export function closeServerHandle(handle: Deno.PointerValue): void {
  if (handle !== null) wtsapi32().WTSCloseServer(handle);
}

/** The options key under which `Server` and the fan-out pass their own call context. */
export const CONTEXT: unique symbol = Symbol("winsession.callContext");

/** Options that may carry a {@linkcode CONTEXT} (never part of the public types). */
interface WithContext {
  server?: string;
  [CONTEXT]?: CallContext;
}

/**
 * Options for the public functions that make them run in `context` (an open `Server`'s handle,
 * or a fan-out's nonblocking context) instead of opening a handle of their own.
 */
export function contextOptions<T extends object>(context: CallContext, extra?: T): T {
  return { ...extra, [CONTEXT]: context } as T;
}

/**
 * Runs `body` in the call context `options` asks for: the one carried under
 * {@linkcode CONTEXT}; else the local server (WTS_CURRENT_SERVER_HANDLE, blocking calls: they
 * are fast and their last error is exact) when `server` is undefined or `""`; else a handle
 * opened for `server`, used with the nonblocking twins (a remote server may be slow, and the
 * event loop must keep running) and closed when `body` settles.
 */
export async function withContext<T>(
  options: { server?: string } | undefined,
  body: (context: CallContext) => T | Promise<T>,
): Promise<T> {
  const given = (options as WithContext | undefined)?.[CONTEXT];
  if (given !== undefined) return await body(given);
  const server = options?.server;
  if (server === undefined || server === "") return await body(callContext(null, "", false));
  const handle = openServerHandle(server);
  try {
    return await body(callContext(handle, server, true));
  } finally {
    closeServerHandle(handle);
  }
}

/**
 * Runs one BOOL-returning call the way `context` says and reports only whether it succeeded:
 * for calls whose failure is answered by a fallback, where the code does not matter.
 */
export async function callOnce(
  context: CallContext,
  blocking: () => number,
  nonblocking: () => Promise<number>,
): Promise<boolean> {
  if (!context.nonblocking) return blocking() !== 0;
  if (context.abandoned) throw new AbandonedError("abandoned");
  const ok = (await nonblocking()) !== 0;
  if (context.abandoned) throw new AbandonedError("abandoned");
  return ok;
}

/** Out-parameters of one WTS call that returns an allocated block and a count or size. */
export class OutBlock {
  /** `*ppBuffer`: the block's address. */
  readonly cell: BigUint64Array<ArrayBuffer> = new BigUint64Array(1);
  /** `*pCount` or `*pBytesReturned`. */
  readonly number: Uint32Array<ArrayBuffer> = new Uint32Array(1);
  /** {@linkcode cell} as the `"buffer"` FFI parameter. */
  readonly cellBytes: Uint8Array<ArrayBuffer> = new Uint8Array(this.cell.buffer);
  /** {@linkcode number} as the `"buffer"` FFI parameter. */
  readonly numberBytes: Uint8Array<ArrayBuffer> = new Uint8Array(this.number.buffer);

  /** The block's address, or null. */
  pointer(): Deno.PointerValue {
    return Deno.UnsafePointer.create(this.cell[0]!);
  }
}

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

/** Copies the returned bytes into {@linkcode scratch} and frees the block; `decode` must not keep them. */
function decodeAndFree<T>(out: OutBlock, decode: (bytes: Uint8Array) => T): T | undefined {
  const pointer = out.pointer();
  if (pointer === null) return undefined;
  try {
    const size = out.number[0]!;
    if (size > scratch.byteLength) scratch = new Uint8Array(Math.max(size, scratch.byteLength * 2));
    const bytes = scratch.subarray(0, size);
    if (size !== 0) Deno.UnsafePointerView.copyInto(pointer, bytes);
    return decode(bytes);
  } finally {
    wtsapi32().WTSFreeMemory(pointer);
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
  decode: (bytes: Uint8Array) => T,
): T | undefined {
  const out = blockingQuery;
  out.cell[0] = 0n;
  clearLastError();
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
  if (context.abandoned) throw new AbandonedError("abandoned");
  const out = new OutBlock();
  const ok = await wtsapi32().WTSQuerySessionInformationWAsync(
    context.handle,
    sessionId,
    infoClass,
    out.cellBytes,
    out.numberBytes,
  );
  // Decode (or just free) even when abandoned: the block is ours to release either way.
  if (ok === 0) return undefined;
  const value = decodeAndFree(out, decode);
  if (context.abandoned) throw new AbandonedError("abandoned");
  return value;
}

/**
 * WTSQuerySessionInformationW the way `context` says, decoded; throws the real WindowsError
 * when it fails (see the module documentation for the nonblocking case).
 */
export async function queryRequired<T>(
  context: CallContext,
  sessionId: number,
  infoClass: number,
  decode: (bytes: Uint8Array) => T,
): Promise<T> {
  const wts = wtsapi32();
  const out = context.nonblocking ? new OutBlock() : blockingQuery;
  out.cell[0] = 0n;
  await callIdempotent(
    context,
    "WTSQuerySessionInformationW",
    () =>
      wts.WTSQuerySessionInformationW(
        context.handle,
        sessionId,
        infoClass,
        out.cellBytes,
        out.numberBytes,
      ),
    () =>
      wts.WTSQuerySessionInformationWAsync(
        context.handle,
        sessionId,
        infoClass,
        out.cellBytes,
        out.numberBytes,
      ),
  );
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

/**
 * Runs `task` over `items` with at most `limit` running at once, keeping the order. When a task
 * throws, no new task starts, the running ones are awaited (they may hold blocks to free, and
 * the server handle must outlive them), and then the first error is thrown.
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}

/** Throws a RangeError unless `value` is a DWORD (an integer in 0 … 2^32 − 1). */
export function checkDword(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError(`${what} must be an integer from 0 to 4294967295, got ${value}`);
  }
}
