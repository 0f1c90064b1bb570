/**
 * {@linkcode WindowsError}: a failed Win32 call, with its numeric code, the code's symbolic name
 * and the system's message, formatted on one line:
 *
 * ```text
 * WTSDisconnectSession failed: ERROR_CTX_WINSTATION_NOT_FOUND (7022): The specified session cannot be found.
 * ```
 *
 * Also the `ERROR_*` constants winsession branches on, and {@linkcode errorName}.
 *
 * @module
 */

import { ERROR_ENTRIES } from "./error_names.ts";
import { kernel32 } from "./load.ts";

/** The operation completed successfully. */
export const ERROR_SUCCESS = 0;
/** The system cannot find the file specified. */
export const ERROR_FILE_NOT_FOUND = 2;
/** Access is denied. */
export const ERROR_ACCESS_DENIED = 5;
/** The handle is invalid. */
export const ERROR_INVALID_HANDLE = 6;
/** Not enough memory resources are available to process this command. */
export const ERROR_NOT_ENOUGH_MEMORY = 8;
/** The data is invalid. */
export const ERROR_INVALID_DATA = 13;
/** Not enough memory resources are available to complete this operation. */
export const ERROR_OUTOFMEMORY = 14;
/** The system cannot write to the specified device (Restart Manager: its session data is unwritable). */
export const ERROR_WRITE_FAULT = 29;
/** The request is not supported. */
export const ERROR_NOT_SUPPORTED = 50;
/** The parameter is incorrect. */
export const ERROR_INVALID_PARAMETER = 87;
/** This function is not supported on this system. */
export const ERROR_CALL_NOT_IMPLEMENTED = 120;
/** The semaphore timeout period has expired (Restart Manager: its session is locked). */
export const ERROR_SEM_TIMEOUT = 121;
/** The data area passed to a system call is too small. */
export const ERROR_INSUFFICIENT_BUFFER = 122;
/** One or more arguments are not correct. */
export const ERROR_BAD_ARGUMENTS = 160;
/** The specified path is invalid. */
export const ERROR_BAD_PATHNAME = 161;
/** More data is available. */
export const ERROR_MORE_DATA = 234;
/** The wait operation timed out. */
export const WAIT_TIMEOUT = 258;
/** The system cannot find message text for the message number. */
export const ERROR_MR_MID_NOT_FOUND = 317;
/** No action was taken as a system reboot is required. */
export const ERROR_FAIL_NOACTION_REBOOT = 350;
/** The shutdown operation failed. */
export const ERROR_FAIL_SHUTDOWN = 351;
/** The restart operation failed. */
export const ERROR_FAIL_RESTART = 352;
/** The maximum number of sessions has been reached. */
export const ERROR_MAX_SESSIONS_REACHED = 353;
/** The operation is not valid given the state of the component (e.g. RmRestart before RmShutdown). */
export const ERROR_REQUEST_OUT_OF_SEQUENCE = 776;
/** The I/O operation has been aborted because of either a thread exit or an application request. */
export const ERROR_OPERATION_ABORTED = 995;
/** Element not found. */
export const ERROR_NOT_FOUND = 1168;
/** Multiple connections to a server by the same user, using more than one user name. */
export const ERROR_SESSION_CREDENTIAL_CONFLICT = 1219;
/** The operation was canceled by the user. */
export const ERROR_CANCELLED = 1223;
/** The request was aborted. */
export const ERROR_REQUEST_ABORTED = 1235;
/** No mapping between account names and SIDs was done (LookupAccountSidW: a deleted account). */
export const ERROR_NONE_MAPPED = 1332;
/** The specified domain either does not exist or could not be contacted. */
export const ERROR_NO_SUCH_DOMAIN = 1355;
/** The RPC server is unavailable (a remote server is down or unreachable). */
export const RPC_S_SERVER_UNAVAILABLE = 1722;
/** The remote procedure call failed. */
export const RPC_S_CALL_FAILED = 1726;
/** The requested operation is successful; changes take effect after a reboot. */
export const ERROR_SUCCESS_REBOOT_REQUIRED = 3010;
/** The requested operation is successful; changes take effect after the service restarts. */
export const ERROR_SUCCESS_RESTART_REQUIRED = 3011;
/** A close operation is pending on the session. */
export const ERROR_CTX_CLOSE_PENDING = 7007;
/** The specified session cannot be found. */
export const ERROR_CTX_WINSTATION_NOT_FOUND = 7022;
/** Remote Desktop Services is currently busy. */
export const ERROR_CTX_WINSTATION_BUSY = 7024;
/** The requested operation can be performed only on the system console. */
export const ERROR_CTX_NOT_CONSOLE = 7038;
/** Disconnecting the console session is not supported. */
export const ERROR_CTX_CONSOLE_DISCONNECT = 7041;
/** Reconnecting a disconnected session to the console is not supported. */
export const ERROR_CTX_CONSOLE_CONNECT = 7042;
/** The request to control another session remotely was denied. */
export const ERROR_CTX_SHADOW_DENIED = 7044;
/** The requested session access is denied. */
export const ERROR_CTX_WINSTATION_ACCESS_DENIED = 7045;
/** The requested session cannot be controlled remotely. */
export const ERROR_CTX_SHADOW_INVALID = 7050;
/** The requested session is not configured to allow remote control. */
export const ERROR_CTX_SHADOW_DISABLED = 7051;
/** Remote logins are currently disabled. */
export const ERROR_CTX_WINSTATIONS_DISABLED = 7060;

/** The `errorName` of a code missing from winsession's table (the number is still shown). */
export const UNKNOWN_ERROR = "UNKNOWN_ERROR";

const FORMAT_MESSAGE_ALLOCATE_BUFFER = 0x0000_0100;
const FORMAT_MESSAGE_IGNORE_INSERTS = 0x0000_0200;
const FORMAT_MESSAGE_FROM_SYSTEM = 0x0000_1000;

/**
 * The symbolic name of a Win32 error code, such as `"ERROR_ACCESS_DENIED"` for 5, or
 * `"UNKNOWN_ERROR"` for a code winsession's table does not hold.
 *
 * @example
 * ```ts
 * import { errorName } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(errorName(7022), "ERROR_CTX_WINSTATION_NOT_FOUND");
 * assert.equal(errorName(123456), "UNKNOWN_ERROR");
 * ```
 *
 * @param code A Win32 error code.
 * @returns Its name from `winerror.h`.
 */
export function errorName(code: number): string {
  return ERROR_ENTRIES.get(code)?.[1] ?? UNKNOWN_ERROR;
}

/**
 * The English text winsession carries for `code`, used when `FormatMessageW` cannot be called;
 * `""` for a code its table does not hold.
 *
 * @example
 * ```ts
 * import { builtInMessage } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(builtInMessage(5), "Access is denied.");
 * ```
 *
 * @param code A Win32 error code.
 * @returns The message, without a trailing line break.
 */
export function builtInMessage(code: number): string {
  return ERROR_ENTRIES.get(code)?.[2] ?? "";
}

/**
 * The system's message for `code`, from `FormatMessageW` in the user's language, with the
 * trailing line break removed. Falls back to {@linkcode builtInMessage} when kernel32 cannot be
 * loaded (no FFI permission, not Windows) or `FormatMessageW` knows no text for the code.
 *
 * @example
 * ```ts ignore
 * import { systemMessage } from "./errors.ts";
 *
 * console.log(systemMessage(5)); // "Access is denied."
 * ```
 *
 * @param code A Win32 error code.
 * @returns The message, or `""` if neither source knows it.
 */
export function systemMessage(code: number): string {
  let symbols: ReturnType<typeof kernel32>;
  try {
    symbols = kernel32();
  } catch {
    return builtInMessage(code);
  }
  // With FORMAT_MESSAGE_ALLOCATE_BUFFER, lpBuffer is really an LPWSTR* that receives a
  // LocalAlloc'd string, which we must LocalFree whatever happens while decoding it.
  const out = new BigUint64Array(1);
  const units = symbols.FormatMessageW(
    FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
    null,
    code >>> 0,
    0,
    new Uint8Array(out.buffer),
    0,
    null,
  );
  const pointer = Deno.UnsafePointer.create(out[0]!);
  try {
    if (units === 0 || pointer === null) return builtInMessage(code);
    const text = new Uint8Array(units * 2);
    Deno.UnsafePointerView.copyInto(pointer, text);
    return new TextDecoder("utf-16le").decode(text).trimEnd();
  } finally {
    if (pointer !== null) symbols.LocalFree(pointer);
  }
}

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
export class WindowsError extends Error {
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
    const code = kernel32().GetLastError();
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

/** One difference between what a destructive call was told to expect and what it found. */
export interface TargetChange {
  /** What differs: `"user"`, `"domain"`, `"logonTime"`, `"name"`, `"sessionId"`, `"startTime"`, or `"exists"`. */
  field: string;
  /** The value the caller expected (as shown to whoever confirmed the action). */
  expected: string;
  /** The value found just before acting. */
  actual: string;
}

/**
 * A destructive call was told what its target looked like (`expect`), re-read the target just
 * before acting, and found something else: the session id now belongs to another user, the
 * process id to another program, or the target is gone. Nothing was done.
 *
 * @example
 * ```ts
 * import { TargetChangedError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new TargetChangedError("session 3", [
 *   { field: "user", expected: "CONTOSO\\bob", actual: "CONTOSO\\carol" },
 * ]);
 * assert.equal(
 *   error.message,
 *   "session 3 changed since it was looked up (user was CONTOSO\\bob, is now CONTOSO\\carol): nothing was done",
 * );
 * ```
 */
export class TargetChangedError extends Error {
  /** Always `"TargetChangedError"`. */
  override readonly name = "TargetChangedError" as const;
  /** The target, such as `"session 3 on rdsh01"` or `"process 4242"`. */
  readonly target: string;
  /** What changed (at least one entry). */
  readonly changes: readonly TargetChange[];

  /**
   * Makes the error.
   *
   * @param target The target as people name it, such as `"session 3"`.
   * @param changes What differs between the expectation and the re-read target.
   */
  constructor(target: string, changes: readonly TargetChange[]) {
    const what = changes.map((c) => `${c.field} was ${c.expected}, is now ${c.actual}`).join("; ");
    super(`${target} changed since it was looked up (${what}): nothing was done`);
    this.target = target;
    this.changes = changes;
  }
}

/**
 * A Restart Manager shutdown that did not fully succeed (failed, partly failed, was cancelled
 * or interrupted) after `RmShutdown` had begun: it carries what is true afterwards, read back
 * with `RmGetList` (whose `AppStatus` flags "describe the history of actions taken by Restart
 * Manager on the application": Stopped, Restarted, ErrorOnStop; RM_APP_STATUS and RmShutdown's
 * ERROR_FAIL_SHUTDOWN, learn.microsoft.com/windows/win32/api/restartmanager), so no caller is
 * left guessing which programs are now closed. `cause` is what made it fail: a
 * {@linkcode WindowsError} such as `ERROR_FAIL_SHUTDOWN` (351) or `ERROR_CANCELLED` (1223), or
 * the abort reason of the caller's signal.
 *
 * @example
 * ```ts
 * import { ShutdownError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new ShutdownError("the shutdown was cancelled", {
 *   closed: [{ pid: 4242 }],
 *   restarted: [],
 *   stillRunning: [{ pid: 4343 }],
 * });
 * assert.equal(error.closed.length, 1);
 * assert.equal(error.name, "ShutdownError");
 * ```
 *
 * @typeParam P How a program is described (`RmProcess` for winsession's `releaseFiles`).
 */
export class ShutdownError<P = unknown> extends Error {
  /** Always `"ShutdownError"`. */
  override readonly name = "ShutdownError" as const;
  /** Programs the Restart Manager closed and that are still closed. */
  readonly closed: readonly P[];
  /** Programs closed and then restarted (`RmRestart`). */
  readonly restarted: readonly P[];
  /** Programs that were never closed (refused, masked by a filter, or not reached). */
  readonly stillRunning: readonly P[];
  /** Whether the caller's signal (Ctrl+C) ended the shutdown. */
  readonly interrupted: boolean;
  /** Whether `RmRestart` was called to bring back what had closed. */
  readonly restartAttempted: boolean;

  /**
   * Makes the error with its one-line message and the three lists.
   *
   * @param message What happened, for people.
   * @param lists The programs by state after the attempt.
   * @param options `cause`, whether the caller interrupted it, whether a restart was tried.
   */
  constructor(
    message: string,
    lists: { closed: readonly P[]; restarted: readonly P[]; stillRunning: readonly P[] },
    options: { cause?: unknown; interrupted?: boolean; restartAttempted?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.closed = lists.closed;
    this.restarted = lists.restarted;
    this.stillRunning = lists.stillRunning;
    this.interrupted = options.interrupted ?? false;
    this.restartAttempted = options.restartAttempted ?? false;
  }
}

/**
 * A destructive action refused because its target is a folder whose release would close far
 * more than anyone means to: a drive or share root, the Users folder, a user's profile folder,
 * a Windows system folder. `releaseFiles`/`ReleasePlan` throw it unless the caller opts in
 * (`allowProtectedFolders`; the CLI's `--allow-protected-folder`).
 *
 * @example
 * ```ts
 * import { ProtectedFolderError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new ProtectedFolderError("C:\\", "a drive root");
 * assert.equal(error.message, "C:\\ is a drive root");
 * ```
 */
export class ProtectedFolderError extends Error {
  /** Always `"ProtectedFolderError"`. */
  override readonly name = "ProtectedFolderError" as const;
  /** The folder, as a full path. */
  readonly path: string;
  /** What it is, e.g. `"the profile folder of alice"`. */
  readonly reason: string;

  /**
   * Makes the error for `path`.
   *
   * @param path The folder (shown shortened when very long).
   * @param reason What the folder is.
   */
  constructor(path: string, reason: string) {
    const shown = path.length > 120 ? `${path.slice(0, 60)}…${path.slice(-40)}` : path;
    super(`${shown} is ${reason}`);
    this.path = path;
    this.reason = reason;
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
