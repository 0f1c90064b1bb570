/**
 * Internal plumbing shared by the session modules: the call context (which server handle,
 * blocking or nonblocking, abandoned or not), opening and closing server handles, and running
 * a body in the context its options ask for. The calling conventions themselves (twin calls,
 * the last error of a nonblocking call) are in `ffi/call.ts`.
 *
 * Not re-exported by `mod.ts`.
 *
 * @module
 */

import { callHandle, type NonblockingRunner } from "../ffi/call.ts";
import { encodeWide } from "../ffi/utf16.ts";
import { wtsapi32 } from "../ffi/load.ts";

// Moved to ffi/ (errors.ts, call.ts, wtsapi32.ts) and _query.ts; re-exported for the modules
// that import them from here (_recheck.ts, _lock_state.ts, the fan-out's worker files).
export { AbandonedError, NonblockingCallError } from "../ffi/errors.ts";
export { FAST_FAILURE_MS } from "../ffi/call.ts";
export { WTSInfoClass } from "../ffi/wtsapi32.ts";
export { queryOptional, queryRequired } from "./_query.ts";

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
  /** Where the nonblocking calls run (the fan-out's pool); omitted: this isolate's pool. */
  readonly runner?: NonblockingRunner;
}

/** A context for calls on `handle`, blocking or not, nonblocking ones run by `runner`. */
export function callContext(
  handle: Deno.PointerValue,
  server: string,
  nonblocking: boolean,
  runner?: NonblockingRunner,
): CallContext {
  return { handle, server, nonblocking, abandoned: false, runner };
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
  return callHandle(wtsapi32(), virtualMachines ? "WTSOpenServerExW" : "WTSOpenServerW", [wide]);
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
