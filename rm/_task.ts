/**
 * The two slow Restart Manager calls, `RmShutdown` and `RmRestart`, run on Deno's FFI thread
 * pool with a thread-safe status callback, so the event loop keeps running (progress, timers,
 * an abort or a deadline that calls `RmCancelCurrentTask`). Both return their Win32 code
 * directly, so the pool thread loses nothing.
 *
 * Why the cancel also runs on the pool: RmShutdown calls the status callback from its own
 * thread, and Deno runs a thread-safe callback on the main thread's event loop while the
 * calling thread waits for it to return. A cancel issued synchronously on the main thread
 * would therefore need the callback to have returned first if `RmCancelCurrentTask` waited for
 * the task to stop, and the task waits for the callback, which waits for the main thread: a
 * deadlock. Whether it waits is not documented (its page says only "a cancellation of the
 * current operation is requested"), so winsession does not depend on it: the cancel is a
 * nonblocking FFI call, and the main thread stays free to run the callbacks until the task
 * ends. tests/doubles/rstrtmgr.c proves it with a shutdown that hangs inside its callback and a
 * cancel that waits (rm/session_test.ts, "deadline").
 *
 * @module
 */

import {
  ERROR_CANCELLED,
  ERROR_SUCCESS,
  ShutdownTimeoutError,
  WindowsError,
} from "../ffi/errors.ts";
import { rstrtmgr } from "../ffi/load.ts";

/** What one task needs besides the session handle. */
export interface TaskOptions {
  /** `RmShutdown`'s `lActionFlags`; 0 for `RmRestart` (reserved). */
  flags: number;
  /** Receives the percentage complete; its first error is rethrown after the call. */
  onProgress?: (percent: number) => void;
  /** Aborting cancels the task; it then rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * Milliseconds after which the task is cancelled; it then rejects with a
   * {@linkcode ShutdownTimeoutError} whose cause is the call's result. Default: no deadline.
   */
  timeoutMs?: number;
}

/** The longest delay a timer keeps (2^31 − 1 ms); longer deadlines never fire. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs `RmShutdown` or `RmRestart` for `handle`. An `onProgress` that throws does not stop the
 * task: its first error is kept and thrown once the call has returned (a failure code is then
 * its `cause`), since throwing into native code would take the process down.
 */
export async function runTask(
  functionName: "RmShutdown" | "RmRestart",
  handle: number,
  options: TaskOptions,
): Promise<void> {
  const { onProgress, signal, timeoutMs } = options;
  if (timeoutMs !== undefined && !(timeoutMs >= 0)) {
    throw new RangeError(`timeoutMs must be a number of milliseconds ≥ 0, got ${timeoutMs}`);
  }
  signal?.throwIfAborted();
  let progressError: { error: unknown } | undefined;
  // Thread-safe: RmShutdown/RmRestart call it from the FFI pool thread the call runs on.
  const callback = Deno.UnsafeCallback.threadSafe(
    { parameters: ["u32"], result: "void" } as const,
    (percent: number) => {
      if (progressError !== undefined || onProgress === undefined) return;
      try {
        onProgress(percent);
      } catch (error) {
        progressError = { error };
      }
    },
  );
  const rm = rstrtmgr();
  let cancelling: Promise<unknown> | undefined;
  const cancel = () => {
    // Once is enough; the task may have finished meanwhile, and then its own result says
    // what happened, so the cancel's result is not needed.
    cancelling ??= rm.RmCancelCurrentTaskAsync(handle).catch(() => undefined);
  };
  let timedOut = false;
  const timer = timeoutMs === undefined || timeoutMs > MAX_TIMER_MS ? undefined : setTimeout(() => {
    timedOut = true;
    cancel();
  }, timeoutMs);
  signal?.addEventListener("abort", cancel, { once: true });
  let code: number;
  try {
    code = functionName === "RmShutdown"
      ? await rm.RmShutdownAsync(handle, options.flags, callback.pointer)
      : await rm.RmRestartAsync(handle, options.flags, callback.pointer);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", cancel);
    // A cancel still in flight finishes before the callback goes: no pool call outlives this.
    await cancelling;
    callback.close();
  }
  const failure = code === ERROR_SUCCESS ? undefined : WindowsError.fromCode(functionName, code);
  if (signal?.aborted && (code === ERROR_CANCELLED || failure !== undefined)) {
    throw signal.reason;
  }
  if (timedOut && failure !== undefined) {
    throw new ShutdownTimeoutError(functionName, timeoutMs!, { cause: failure });
  }
  if (progressError !== undefined) {
    const { error } = progressError;
    if (failure !== undefined && error instanceof Error && error.cause === undefined) {
      Object.defineProperty(error, "cause", { value: failure, configurable: true });
    }
    throw error;
  }
  if (failure !== undefined) throw failure;
}
