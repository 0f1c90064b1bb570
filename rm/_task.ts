/**
 * The two slow Restart Manager calls, `RmShutdown` and `RmRestart`, run on Deno's FFI thread
 * pool with a thread-safe status callback, so the event loop keeps running (progress, timers,
 * an abort that calls `RmCancelCurrentTask`). Both return their Win32 code directly, so the
 * pool thread loses nothing.
 *
 * @module
 */

import { ERROR_CANCELLED, ERROR_SUCCESS, WindowsError } from "../ffi/errors.ts";
import { rstrtmgr } from "../ffi/load.ts";

/** What one task needs besides the session handle. */
export interface TaskOptions {
  /** `RmShutdown`'s `lActionFlags`; 0 for `RmRestart` (reserved). */
  flags: number;
  /** Receives the percentage complete; its first error is rethrown after the call. */
  onProgress?: (percent: number) => void;
  /** Aborting calls `cancel`; the task then rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Requests cancellation of the running task (`RmCancelCurrentTask`). */
  cancel: () => void;
}

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
  const { onProgress, signal } = options;
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
  const abort = () => {
    try {
      options.cancel();
    } catch {
      // The task may have finished meanwhile; the call's own result says what happened.
    }
  };
  signal?.addEventListener("abort", abort, { once: true });
  let code: number;
  try {
    const rm = rstrtmgr();
    code = functionName === "RmShutdown"
      ? await rm.RmShutdownAsync(handle, options.flags, callback.pointer)
      : await rm.RmRestartAsync(handle, options.flags, callback.pointer);
  } finally {
    signal?.removeEventListener("abort", abort);
    callback.close();
  }
  const failure = code === ERROR_SUCCESS ? undefined : WindowsError.fromCode(functionName, code);
  if (signal?.aborted && (code === ERROR_CANCELLED || failure !== undefined)) {
    throw signal.reason;
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
