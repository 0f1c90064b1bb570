/**
 * The one error hierarchy of winsession: every error it throws on purpose is a
 * {@linkcode WinsessionError}, so a caller can tell winsession's failures from its own with one
 * `instanceof`, and the CLI can map each kind to its exit code without reading messages.
 *
 * - {@linkcode WindowsError}: a failed Win32 call, with its code, the code's symbolic name and
 *   the system's message, on one line:
 *   `WTSDisconnectSession failed: ERROR_CTX_WINSTATION_NOT_FOUND (7022): The specified session cannot be found.`
 * - {@linkcode NonblockingCallError}: a call on Deno's FFI thread pool failed and its code
 *   could not be read honestly; {@linkcode ServerTimeoutError}: a server did not answer in
 *   time; {@linkcode AbandonedError}: a call chain nobody waits for any more.
 * - {@linkcode TargetChangedError}, {@linkcode ShutdownError}, {@linkcode ProtectedFolderError}:
 *   refusals and partial results of destructive actions.
 * - {@linkcode LibraryLoadError}, {@linkcode PathNotFoundError}: a DLL or a given path missing.
 *
 * Also re-exported here: the `ERROR_*` constants (`error_codes.ts`, generated from the name
 * table) and {@linkcode errorName} / {@linkcode systemMessage} (`error_text.ts`).
 *
 * @module
 */

import { kernel32 } from "./load.ts";
import { errorName, systemMessage } from "./error_text.ts";
import { WinsessionError } from "./_error_base.ts";
import { ERROR_SUCCESS } from "./error_codes.ts";

export * from "./error_codes.ts";
export { builtInMessage, errorName, systemMessage, UNKNOWN_ERROR } from "./error_text.ts";
export { WinsessionError } from "./_error_base.ts";
export * from "./action_errors.ts";

/** What {@linkcode WindowsError.toJSON} returns: the error as plain data for `--json` output. */
export interface WindowsErrorJson {
  /** Always `"WindowsError"`. */
  name: "WindowsError";
  /** The Win32 error code. */
  code: number;
  /** The code's symbolic name, or `"UNKNOWN_ERROR"`. */
  errorName: string;
  /** The Win32 function that failed. */
  functionName: string;
  /** The one-line message. */
  message: string;
}

/**
 * A Win32 call that failed. `message` reads
 * `${functionName} failed: ${errorName} (${code}): ${systemMessage}`.
 *
 * @example Throwing after a FALSE result
 * ```ts ignore
 * import { WindowsError } from "./errors.ts";
 * import { wtsapi32 } from "./load.ts";
 *
 * if (!wtsapi32().WTSDisconnectSession(null, 7, 1)) {
 *   throw WindowsError.fromLastError("WTSDisconnectSession");
 * }
 * ```
 *
 * @example Branching on the code
 * ```ts
 * import { ERROR_ACCESS_DENIED, WindowsError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new WindowsError("RmRegisterResources", 5, "Access is denied.");
 * assert.equal(error.code, ERROR_ACCESS_DENIED);
 * assert.equal(error.message, "RmRegisterResources failed: ERROR_ACCESS_DENIED (5): Access is denied.");
 * ```
 */
export class WindowsError extends WinsessionError {
  /** Always `"WindowsError"`. */
  override readonly name = "WindowsError" as const;
  /** The Win32 error code. */
  readonly code: number;
  /** The code's symbolic name, such as `"ERROR_ACCESS_DENIED"`, or `"UNKNOWN_ERROR"`. */
  readonly errorName: string;
  /** The Win32 function that failed, such as `"WTSLogoffSession"`. */
  readonly functionName: string;
  /** The system's message for the code, or `""` when none is known. */
  readonly systemMessage: string;

  /**
   * Makes the error for `functionName` failing with `code`; the message is built from both.
   *
   * @param functionName The Win32 function that failed.
   * @param code The Win32 error code it reported.
   * @param message The system message; looked up with {@linkcode systemMessage} if omitted.
   * @param options Standard error options, such as a `cause`.
   */
  constructor(functionName: string, code: number, message?: string, options?: ErrorOptions) {
    const name = errorName(code);
    const text = message ?? systemMessage(code);
    const detail = text === "" ? "" : `: ${text}`;
    super(`${functionName} failed: ${name} (${code})${detail}`, options);
    this.code = code;
    this.errorName = name;
    this.functionName = functionName;
    this.systemMessage = text;
  }

  /**
   * The error for a function that just returned failure and set the thread's last error.
   * Call it immediately after the failing call, before anything else can touch the last error.
   * Not for `…Async` (nonblocking) calls: their last error lives on a pool thread.
   *
   * @param functionName The Win32 function that failed.
   * @returns The error, with `code` from `GetLastError()`.
   */
  static fromLastError(functionName: string): WindowsError {
    return WindowsError.fromLastErrorCode(functionName, kernel32().GetLastError());
  }

  /**
   * The error for a function that returned failure, given the last error read right after it
   * (`ERROR_SUCCESS` when it set none): {@linkcode WindowsError.fromLastError} once the code has
   * been read, for callers that read it themselves (ffi/call.ts' status calls).
   *
   * @param functionName The Win32 function that failed.
   * @param code `GetLastError()` right after the call.
   * @returns The error.
   */
  static fromLastErrorCode(functionName: string, code: number): WindowsError {
    if (code === ERROR_SUCCESS) {
      // Some implementations (Wine's WTS stubs) fail without setting the last error; say so
      // rather than print "The operation completed successfully." as the cause.
      return new WindowsError(functionName, code, "the call failed without setting an error code");
    }
    return new WindowsError(functionName, code);
  }

  /**
   * The error for a function that returns its error code, such as the Restart Manager's `Rm*`.
   *
   * @param functionName The Win32 function that failed.
   * @param code The code it returned.
   * @returns The error.
   */
  static fromCode(functionName: string, code: number): WindowsError {
    return new WindowsError(functionName, code);
  }

  /** `"WindowsError: <message>"`. */
  override toString(): string {
    return `${this.name}: ${this.message}`;
  }

  /** The error as plain data, so `JSON.stringify` (the CLI's `--json`) shows every field. */
  toJSON(): WindowsErrorJson {
    return {
      name: this.name,
      code: this.code,
      errorName: this.errorName,
      functionName: this.functionName,
      message: this.message,
    };
  }
}

/**
 * Sets the calling thread's last error to 0 before a call whose failure is read with
 * {@linkcode WindowsError.fromLastError}, so a failure that sets no code cannot be blamed on a
 * stale code left by an earlier call.
 *
 * @example
 * ```ts ignore
 * clearLastError();
 * if (!symbols.WTSLogoffSession(null, 3, 0)) throw WindowsError.fromLastError("WTSLogoffSession");
 * ```
 */
export function clearLastError(): void {
  kernel32().SetLastError(ERROR_SUCCESS);
}

/**
 * A WTS call that ran on a worker thread (Deno's nonblocking FFI) failed, and its Win32 error
 * code could not be read honestly: the last error lives on the worker thread, and the call was
 * not safe or not cheap to repeat on the main thread.
 *
 * @example Telling it apart from a WindowsError
 * ```ts
 * import { NonblockingCallError, WindowsError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new NonblockingCallError("WTSSendMessageW", "rdsh01", 1500, "it was not repeated");
 * assert.ok(!(error instanceof WindowsError));
 * assert.equal(
 *   error.message,
 *   "WTSSendMessageW failed on rdsh01 after 1500 ms; its Win32 error code is unknown because it was not repeated",
 * );
 * ```
 */
export class NonblockingCallError extends WinsessionError {
  /** Always `"NonblockingCallError"`. */
  override readonly name = "NonblockingCallError" as const;
  /** The Win32 function that failed, such as `"WTSSendMessageW"`. */
  readonly functionName: string;
  /** The server it was called on, `""` for the local one. */
  readonly server: string;
  /** How long the failed call ran, in milliseconds. */
  readonly elapsedMs: number;

  /**
   * Creates the error.
   *
   * @param functionName The Win32 function that failed.
   * @param server The server name, `""` for the local server.
   * @param elapsedMs How long the call ran before it failed.
   * @param reason Why the code is unknown, appended to the message.
   */
  constructor(functionName: string, server: string, elapsedMs: number, reason: string) {
    const where = server === "" ? "" : ` on ${server}`;
    super(
      `${functionName} failed${where} after ${Math.round(elapsedMs)} ms; its Win32 error code ` +
        `is unknown because ${reason}`,
    );
    this.functionName = functionName;
    this.server = server;
    this.elapsedMs = elapsedMs;
  }
}

/**
 * Thrown inside a chain of calls whose result nobody waits for any more (its server timed out,
 * or the caller aborted): the next call is skipped. The fan-out catches it; it reaches a caller
 * only through a chain the caller itself gave up.
 *
 * @example
 * ```ts
 * import { AbandonedError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new AbandonedError("WTSEnumerateSessionsW").name, "AbandonedError");
 * ```
 */
export class AbandonedError extends WinsessionError {
  /** Always `"AbandonedError"`. */
  override readonly name = "AbandonedError" as const;
}

/**
 * A server did not answer within `timeoutMs`.
 *
 * @example
 * ```ts
 * import { ServerTimeoutError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new ServerTimeoutError("rdsh09", 5000);
 * assert.equal(error.message, "rdsh09 did not answer within 5000 ms");
 * ```
 */
export class ServerTimeoutError extends WinsessionError {
  /** Always `"ServerTimeoutError"`. */
  override readonly name = "ServerTimeoutError" as const;
  /** The server that did not answer. */
  readonly server: string;
  /** The limit it exceeded. */
  readonly timeoutMs: number;

  /**
   * Creates the error.
   *
   * @param server The server that did not answer.
   * @param timeoutMs The limit it exceeded, in milliseconds.
   */
  constructor(server: string, timeoutMs: number) {
    super(`${server} did not answer within ${timeoutMs} ms`);
    this.server = server;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A DLL winsession needs could not be loaded: not Windows, a missing file, or a DLL directory
 * override pointing at nothing. The CLI reports it as "unsupported" (exit 3).
 *
 * @example
 * ```ts
 * import { LibraryLoadError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new LibraryLoadError("C:\\Windows\\System32\\wtsapi32.dll", "not found");
 * assert.equal(error.message, "winsession could not load C:\\Windows\\System32\\wtsapi32.dll: not found");
 * ```
 */
export class LibraryLoadError extends WinsessionError {
  /** Always `"LibraryLoadError"`. */
  override readonly name = "LibraryLoadError" as const;
  /** The path that was given to `Deno.dlopen`. */
  readonly path: string;

  /**
   * Makes the error.
   *
   * @param path The library's path.
   * @param reason Why `Deno.dlopen` failed.
   * @param options Standard error options: the `Deno.dlopen` error as `cause`.
   */
  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(`winsession could not load ${path}: ${reason}`, options);
    this.path = path;
  }
}

/**
 * A path given to a Restart Manager function (`listLocks`, `releaseFiles`) does not exist. The
 * CLI reports it as a usage error (exit 2).
 *
 * @example
 * ```ts
 * import { PathNotFoundError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new PathNotFoundError("D:\\data\\gone.db");
 * assert.equal(error.message, "path not found: D:\\data\\gone.db");
 * ```
 */
export class PathNotFoundError extends WinsessionError {
  /** Always `"PathNotFoundError"`. */
  override readonly name = "PathNotFoundError" as const;
  /** The path as given. */
  readonly path: string;

  /**
   * Makes the error.
   *
   * @param path The path as given (shown as it is).
   * @param detail Appended after the path, e.g. the full path it resolved to in parentheses.
   * @param options Standard error options: the `Deno.stat` error as `cause`.
   */
  constructor(path: string, detail = "", options?: ErrorOptions) {
    super(`path not found: ${path}${detail}`, options);
    this.path = path;
  }
}

/**
 * A Restart Manager shutdown that took longer than its deadline and was cancelled
 * (`RmCancelCurrentTask`); its `cause` is the call's own result (usually `ERROR_CANCELLED`).
 * `ReleasePlan.execute` reports it as the cause of a {@linkcode ShutdownError} naming what
 * closed before the deadline.
 *
 * @example
 * ```ts
 * import { ShutdownTimeoutError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new ShutdownTimeoutError("RmShutdown", 30_000);
 * assert.equal(error.message, "RmShutdown took longer than 30 s and was cancelled");
 * ```
 */
export class ShutdownTimeoutError extends Error {
  /** Always `"ShutdownTimeoutError"`. */
  override readonly name = "ShutdownTimeoutError" as const;
  /** The call that was cancelled. */
  readonly functionName: string;
  /** The deadline, in milliseconds. */
  readonly timeoutMs: number;

  /**
   * Makes the error for `functionName`, cancelled after `timeoutMs`.
   *
   * @param functionName `RmShutdown` or `RmRestart`.
   * @param timeoutMs The deadline that passed.
   * @param options `cause`: what the call returned once cancelled.
   */
  constructor(functionName: string, timeoutMs: number, options: { cause?: unknown } = {}) {
    super(
      `${functionName} took longer than ${timeoutMs / 1000} s and was cancelled`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.functionName = functionName;
    this.timeoutMs = timeoutMs;
  }
}
