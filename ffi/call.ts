/**
 * The calling conventions of the Win32 functions winsession binds, written once:
 *
 * - BOOL + last error: clear the last error, call, throw {@linkcode WindowsError.fromLastError}
 *   on FALSE ({@linkcode callBoolBlocking}; {@linkcode callHandle} for a HANDLE that is NULL
 *   on failure).
 * - DWORD result codes (`Rm*`): throw `WindowsError(code)` unless 0 ({@linkcode checkResult}).
 * - Blocking/nonblocking twins (a symbol `F` and its `FAsync`, bound with
 *   `nonblocking: true`), named once with one argument list ({@linkcode callBool},
 *   {@linkcode tryBool}).
 * - "Decode, then free in `finally`" of a block Windows allocated: `OutBlock`, `decodeThenFree`
 *   and `freeBlock`, in ffi/out_block.ts and re-exported here, so every caller imports its
 *   calling conventions from this one module.
 *
 * The helpers call the symbol with a spread argument list, which V8 cannot turn into a fast FFI
 * call: right for calls made once per listing or action, not for a per-row hot loop (the
 * per-session query in `wts/_query.ts` spells its call out; measured there).
 *
 * ## The last error of a nonblocking call
 *
 * Win32 keeps the last error per thread. A symbol bound with `nonblocking: true` runs on one of
 * Deno's pool threads, so when it returns FALSE the code lives on that thread and
 * `GetLastError` on the main thread reads something unrelated. winsession never reports such a
 * made-up code: {@linkcode callBool} is only for idempotent calls (enumerations,
 * `WTSQuerySessionInformationW`, `LookupAccountSidW`), and a failure on the pool is repeated
 * ONCE on the main thread, whose `GetLastError` is then exact. Failures worth reporting (access
 * denied, unknown server, unknown session) come back in milliseconds, so the repeat is cheap;
 * it is only done when the pool attempt failed within {@linkcode FAST_FAILURE_MS}, because a
 * call that took longer (an unreachable host timing out) could block the event loop as long
 * again: it becomes a {@linkcode NonblockingCallError} that says the code is unknown. If the
 * repeat succeeds, the failure was transient and its result is used.
 *
 * @module
 */

import {
  AbandonedError,
  clearLastError,
  ERROR_SUCCESS,
  NonblockingCallError,
  WindowsError,
} from "./errors.ts";
import { kernel32 } from "./load.ts";

export { decodeThenFree, freeBlock, OutBlock } from "./out_block.ts";

/**
 * A nonblocking call that failed in less than this many milliseconds is repeated synchronously
 * to learn its error code; a slower failure is reported without one.
 */
export const FAST_FAILURE_MS = 1000;

/** How a chain of twin calls runs: `wts/_context.ts`'s `CallContext` is one. */
export interface CallMode {
  /** `""` for the local server, else its name (for {@linkcode NonblockingCallError}). */
  readonly server: string;
  /** Run calls on Deno's FFI thread pool (the `…Async` twins) instead of the main thread. */
  readonly nonblocking: boolean;
  /** Set when nobody waits for the result any more: further calls are skipped. */
  readonly abandoned: boolean;
  /**
   * Where the `…Async` twins run; omitted: on this isolate's own thread pool. The fan-out's
   * pool (`wts/_pool.ts`) spreads them over Workers past this isolate's ceiling.
   */
  readonly runner?: NonblockingRunner;
}

/**
 * Runs the nonblocking twin `name` of `symbols` with `args`, somewhere: it must behave exactly
 * like `symbols[name](...args)` (the same return value, and every buffer argument left as the
 * call left it), and settle only once the call has returned.
 */
export type NonblockingRunner = (
  mode: CallMode,
  symbols: object,
  name: string,
  args: readonly unknown[],
) => Promise<unknown>;

/** The nonblocking twin `name + "Async"` called the way `mode` says. */
function runNonblocking(
  mode: CallMode,
  symbols: object,
  name: string,
  args: readonly unknown[],
): Promise<unknown> {
  const twin = `${name}Async`;
  return mode.runner !== undefined
    ? mode.runner(mode, symbols, twin, args)
    : symbol(symbols, twin)(...args) as Promise<unknown>;
}

/** Any bound symbol (the argument types are checked at each call through {@linkcode ArgsOf}). */
// deno-lint-ignore no-explicit-any
type AnySymbol = (...args: any[]) => unknown;

/** The parameter list of bound symbol `F`. */
export type ArgsOf<F> = F extends (...args: infer A) => unknown ? A : never;

/** Names of BOOL-returning symbols of `S` that have an `…Async` twin taking the same arguments. */
export type TwinName<S> = {
  [K in keyof S & string]: S[K] extends (...args: infer A) => number
    ? `${K}Async` extends keyof S ? S[`${K}Async`] extends (...args: A) => Promise<number> ? K
      : never
    : never
    : never;
}[keyof S & string];

/** Names of BOOL-returning symbols of `S`. */
export type BoolName<S> = {
  [K in keyof S & string]: S[K] extends (...args: never[]) => number ? K : never;
}[keyof S & string];

/** Names of HANDLE-returning symbols of `S`. */
export type HandleName<S> = {
  [K in keyof S & string]: S[K] extends (...args: never[]) => Deno.PointerValue ? K : never;
}[keyof S & string];

/** Options of {@linkcode callBool} and {@linkcode tryBool}. */
export interface TwinCallOptions {
  /**
   * Runs right before every attempt (the nonblocking one and its blocking repeat), for
   * in/out arguments a failed call rewrites, such as LookupAccountSidW's buffer sizes.
   */
  prepare?: () => void;
}

function symbol(symbols: object, name: string): AnySymbol {
  return (symbols as Record<string, AnySymbol>)[name]!;
}

/**
 * Calls BOOL-returning `symbols[name](...args)` on the main thread and throws the
 * {@linkcode WindowsError} of the thread's last error when it returns FALSE (the last error is
 * cleared first, so a failure that sets none is not blamed on a stale code).
 *
 * @example
 * ```ts ignore
 * import { callBoolBlocking } from "./call.ts";
 * import { wtsapi32 } from "./load.ts";
 *
 * callBoolBlocking(wtsapi32(), "WTSTerminateProcess", [null, 4242, 0]);
 * ```
 *
 * @param symbols An opened library's symbols.
 * @param name The function, also the `functionName` of the error.
 * @param args Its arguments.
 */
export function callBoolBlocking<S extends object, N extends BoolName<S>>(
  symbols: S,
  name: N,
  args: ArgsOf<S[N]>,
): void {
  clearLastError();
  if (symbol(symbols, name)(...args) === 0) throw WindowsError.fromLastError(name);
}

/**
 * Calls HANDLE-returning `symbols[name](...args)` on the main thread and returns the handle,
 * or throws the {@linkcode WindowsError} of the thread's last error when it is NULL.
 *
 * @example
 * ```ts ignore
 * import { callHandle } from "./call.ts";
 * import { wtsapi32 } from "./load.ts";
 * import { encodeWide } from "./utf16.ts";
 *
 * const handle = callHandle(wtsapi32(), "WTSOpenServerW", [encodeWide("rdsh01", "server")]);
 * ```
 *
 * @param symbols An opened library's symbols.
 * @param name The function, also the `functionName` of the error.
 * @param args Its arguments.
 * @returns The non-NULL handle.
 */
export function callHandle<S extends object, N extends HandleName<S>>(
  symbols: S,
  name: N,
  args: ArgsOf<S[N]>,
): Deno.PointerObject {
  clearLastError();
  const handle = symbol(symbols, name)(...args) as Deno.PointerValue;
  if (handle === null) throw WindowsError.fromLastError(name);
  return handle;
}

/**
 * Throws the {@linkcode WindowsError} for a function that returns its error code (the Restart
 * Manager's `Rm*`) unless the code is `ERROR_SUCCESS`.
 *
 * @example
 * ```ts
 * import { checkResult } from "./call.ts";
 * import assert from "node:assert/strict";
 *
 * checkResult("RmEndSession", 0);
 * assert.throws(() => checkResult("RmEndSession", 6), /ERROR_INVALID_HANDLE \(6\)/);
 * ```
 *
 * @param functionName The function that returned `code`.
 * @param code Its result.
 */
export function checkResult(functionName: string, code: number): void {
  if (code !== ERROR_SUCCESS) throw WindowsError.fromCode(functionName, code);
}

/**
 * What {@linkcode callTwinsStatus} gives for a call that returned FALSE without setting the
 * thread's last error (Wine's WTS stubs do): no Win32 error code is 0xFFFFFFFF.
 */
export const FAILED_WITHOUT_CODE = 0xffff_ffff;

/**
 * The error a failed call's status (from {@linkcode callTwinsStatus}) stands for.
 *
 * @param functionName The function that failed.
 * @param status Its nonzero status.
 * @returns The error to throw.
 */
export function failureOf(functionName: string, status: number): WindowsError {
  return WindowsError.fromLastErrorCode(
    functionName,
    status === FAILED_WITHOUT_CODE ? ERROR_SUCCESS : status,
  );
}

/** Runs a BOOL call on the main thread: `ERROR_SUCCESS`, or its last error. */
function statusOf(blocking: () => number): number {
  clearLastError();
  if (blocking() !== 0) return ERROR_SUCCESS;
  const code = kernel32().GetLastError();
  return code === ERROR_SUCCESS ? FAILED_WITHOUT_CODE : code;
}

/**
 * Runs one idempotent BOOL-returning call the way `mode` says and gives its status:
 * `ERROR_SUCCESS` when it returned TRUE, else the Win32 code of its failure
 * ({@linkcode FAILED_WITHOUT_CODE} when it set none): for callers that answer some codes
 * themselves (such as ERROR_NONE_MAPPED or ERROR_INSUFFICIENT_BUFFER of LookupAccountSidW,
 * expected per distinct SID) without building an error, with its stack and system message, for
 * each. `blocking` and `nonblocking` must be the same call with the same arguments: the blocking
 * one is the honest way to read the code of a nonblocking failure (see the module
 * documentation). Prefer {@linkcode callBoolStatus}, which builds both from one argument list
 * (and {@linkcode callBool}, which throws the failure instead).
 *
 * @param mode How to run it.
 * @param functionName The function, for the errors thrown (abandoned, or too slow to repeat).
 * @param blocking The call on the main thread.
 * @param nonblocking The same call on the thread pool.
 * @returns `ERROR_SUCCESS` or the failure's code.
 * @throws {AbandonedError} When `mode` was abandoned before or during the call.
 * @throws {NonblockingCallError} When the pool attempt failed too slowly to repeat.
 */
export async function callTwinsStatus(
  mode: CallMode,
  functionName: string,
  blocking: () => number,
  nonblocking: () => Promise<number>,
): Promise<number> {
  if (!mode.nonblocking) return statusOf(blocking);
  if (mode.abandoned) throw new AbandonedError(functionName);
  const started = performance.now();
  if ((await nonblocking()) !== 0) return ERROR_SUCCESS;
  if (mode.abandoned) throw new AbandonedError(functionName);
  const elapsed = performance.now() - started;
  if (elapsed > FAST_FAILURE_MS) {
    throw new NonblockingCallError(
      functionName,
      mode.server,
      elapsed,
      "it ran on a worker thread and failed too slowly to repeat on the main thread",
    );
  }
  // The failure's code is on a pool thread: repeat the call here and read this thread's code.
  return statusOf(blocking);
}

/**
 * Calls `symbols[name]` (on the main thread) or its twin `symbols[name + "Async"]` (on the
 * thread pool) as `mode` says, with one argument list, and throws the real
 * {@linkcode WindowsError} on FALSE (see the module documentation for the nonblocking case).
 * Only for idempotent calls: a pool failure is repeated once on the main thread.
 *
 * @example
 * ```ts ignore
 * import { callBool } from "./call.ts";
 * import { OutBlock } from "./call.ts";
 * import { wtsapi32 } from "./load.ts";
 *
 * const out = new OutBlock();
 * const mode = { server: "rdsh01", nonblocking: true, abandoned: false };
 * await callBool(mode, wtsapi32(), "WTSEnumerateSessionsW", [handle, 0, 1, out.cellBytes, out.numberBytes]);
 * ```
 *
 * @param mode How to run it.
 * @param symbols An opened library's symbols.
 * @param name The blocking symbol's name (the twin's is `name + "Async"`).
 * @param args The arguments of both.
 * @param options A `prepare` step before every attempt.
 * @returns When the call succeeded.
 */
export async function callBool<S extends object, N extends TwinName<S>>(
  mode: CallMode,
  symbols: S,
  name: N,
  args: ArgsOf<S[N]>,
  options?: TwinCallOptions,
): Promise<void> {
  const status = await callBoolStatus(mode, symbols, name, args, options);
  if (status !== ERROR_SUCCESS) throw failureOf(name, status);
}

/**
 * {@linkcode callBool}'s status instead of its throw (see {@linkcode callTwinsStatus}): for
 * calls whose expected failures the caller answers itself.
 *
 * @example
 * ```ts ignore
 * import { callBoolStatus, failureOf } from "./call.ts";
 *
 * const status = await callBoolStatus(mode, advapi32(), "LookupAccountSidW", args);
 * if (status === ERROR_NONE_MAPPED) return null;
 * if (status !== ERROR_SUCCESS) throw failureOf("LookupAccountSidW", status);
 * ```
 *
 * @param mode How to run it.
 * @param symbols An opened library's symbols.
 * @param name The blocking symbol's name (the twin's is `name + "Async"`).
 * @param args The arguments of both.
 * @param options A `prepare` step before every attempt.
 * @returns `ERROR_SUCCESS` or the failure's code ({@linkcode FAILED_WITHOUT_CODE} if none).
 */
export function callBoolStatus<S extends object, N extends TwinName<S>>(
  mode: CallMode,
  symbols: S,
  name: N,
  args: ArgsOf<S[N]>,
  options?: TwinCallOptions,
): Promise<number> {
  const blocking = symbol(symbols, name);
  const prepare = options?.prepare;
  return callTwinsStatus(
    mode,
    name,
    () => (prepare?.(), blocking(...args) as number),
    () => (prepare?.(), runNonblocking(mode, symbols, name, args) as Promise<number>),
  );
}

/**
 * Like {@linkcode callBool}, but only says whether the call succeeded: for calls whose failure
 * is answered by a fallback, where the code does not matter (so a pool failure is not
 * repeated). Throws {@linkcode AbandonedError} when `mode` was abandoned before or during the
 * call; a block the call may have returned is then the caller's to free.
 *
 * @example
 * ```ts ignore
 * import { tryBool } from "./call.ts";
 *
 * if (!await tryBool(mode, wts, "WTSEnumerateSessionsExW", [handle, level, 0, out.cellBytes, out.numberBytes])) {
 *   // fall back to WTSEnumerateSessionsW
 * }
 * ```
 *
 * @param mode How to run it.
 * @param symbols An opened library's symbols.
 * @param name The blocking symbol's name (the twin's is `name + "Async"`).
 * @param args The arguments of both.
 * @returns Whether it returned TRUE.
 */
export async function tryBool<S extends object, N extends TwinName<S>>(
  mode: CallMode,
  symbols: S,
  name: N,
  args: ArgsOf<S[N]>,
): Promise<boolean> {
  if (!mode.nonblocking) return symbol(symbols, name)(...args) !== 0;
  if (mode.abandoned) throw new AbandonedError(name);
  const ok = (await runNonblocking(mode, symbols, name, args)) !== 0;
  if (mode.abandoned) throw new AbandonedError(name);
  return ok;
}
