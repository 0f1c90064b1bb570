/**
 * Message boxes in users' sessions, like `msg.exe`: {@linkcode sendMessage} shows a titled box
 * with a choice of buttons and icon, and can wait for the user's answer.
 *
 * @example Asking a user before a maintenance reboot
 * ```ts ignore
 * import { sendMessage } from "../mod.ts";
 *
 * const answer = await sendMessage(2, {
 *   title: "Maintenance",
 *   text: "The server restarts in 10 minutes. Save your work. Postpone?",
 *   buttons: "yesNo",
 *   icon: "warning",
 *   timeoutSeconds: 120,
 *   wait: true,
 * });
 * if (answer === "yes") console.log("postponed");
 * ```
 *
 * @module
 */

import { NonblockingCallError } from "../ffi/errors.ts";
import { callBoolBlocking } from "../ffi/call.ts";
import { wtsapi32 } from "../ffi/load.ts";
import { encodeWide } from "../ffi/utf16.ts";
import { type CallContext, checkDword, withContext } from "./_context.ts";
import { validateSession } from "./_query.ts";
import type { ServerOption } from "./sessions.ts";

/** The buttons of a message box (`MB_OK` … `MB_RETRYCANCEL`). */
export type MessageButtons =
  | "ok"
  | "okCancel"
  | "abortRetryIgnore"
  | "yesNoCancel"
  | "yesNo"
  | "retryCancel";

/** The icon of a message box (`MB_ICONERROR` … `MB_ICONINFORMATION`), or none. */
export type MessageIcon = "none" | "error" | "question" | "warning" | "information";

/**
 * What the user did: the button they pressed, `"timeout"` when `timeoutSeconds` passed first,
 * or `"async"` when the call did not wait (`wait` false).
 */
export type MessageResponse =
  | "ok"
  | "cancel"
  | "yes"
  | "no"
  | "abort"
  | "retry"
  | "ignore"
  | "tryAgain"
  | "continue"
  | "timeout"
  | "async";

/** Options of {@linkcode sendMessage}. */
export interface MessageOptions extends ServerOption {
  /** The box's title bar. */
  title: string;
  /** The message itself. */
  text: string;
  /** Which buttons to show; default `"ok"`. */
  buttons?: MessageButtons;
  /** Which icon to show; default `"none"`. */
  icon?: MessageIcon;
  /** Close the box after this many seconds (the answer is then `"timeout"`); 0 or omitted = never. */
  timeoutSeconds?: number;
  /** Wait for the user's answer instead of returning `"async"` at once; default false. */
  wait?: boolean;
}

const BUTTON_STYLES: Record<MessageButtons, number> = {
  ok: 0, // MB_OK
  okCancel: 1, // MB_OKCANCEL
  abortRetryIgnore: 2, // MB_ABORTRETRYIGNORE
  yesNoCancel: 3, // MB_YESNOCANCEL
  yesNo: 4, // MB_YESNO
  retryCancel: 5, // MB_RETRYCANCEL
};

const ICON_STYLES: Record<MessageIcon, number> = {
  none: 0,
  error: 0x10, // MB_ICONERROR
  question: 0x20, // MB_ICONQUESTION
  warning: 0x30, // MB_ICONWARNING
  information: 0x40, // MB_ICONINFORMATION
};

const RESPONSES: ReadonlyMap<number, MessageResponse> = new Map([
  [1, "ok"], // IDOK
  [2, "cancel"], // IDCANCEL
  [3, "abort"], // IDABORT
  [4, "retry"], // IDRETRY
  [5, "ignore"], // IDIGNORE
  [6, "yes"], // IDYES
  [7, "no"], // IDNO
  [10, "tryAgain"], // IDTRYAGAIN
  [11, "continue"], // IDCONTINUE
  [32000, "timeout"], // IDTIMEOUT
  [32001, "async"], // IDASYNC
]);

/**
 * What a WAITED box answered when its timeout passed on builds that do not answer IDTIMEOUT:
 * Cassia's TerminalServicesSession.MessageBox notes "Windows Server 2008 R2 beta returns 0 if the
 * timeout expires" and maps 0 to RemoteMessageBoxResult.Timeout. 0 is no IDxxx value, so
 * reading it as a timeout cannot hide a real answer. Evidence of which released builds do this
 * is missing: Cassia names only the beta.
 */
const WAITED_TIMEOUT_ZERO = 0;

/**
 * The `Style` word WTSSendMessageW gets for `buttons` and `icon`.
 *
 * @example
 * ```ts
 * import { messageStyle } from "./messages.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(messageStyle("yesNo", "question"), 0x24); // MB_YESNO | MB_ICONQUESTION
 * ```
 *
 * @param buttons The buttons; default `"ok"`.
 * @param icon The icon; default `"none"`.
 * @returns `MB_*` flags.
 */
export function messageStyle(buttons: MessageButtons = "ok", icon: MessageIcon = "none"): number {
  const buttonStyle = BUTTON_STYLES[buttons];
  const iconStyle = ICON_STYLES[icon];
  if (buttonStyle === undefined) throw new RangeError(`unknown message buttons: ${buttons}`);
  if (iconStyle === undefined) throw new RangeError(`unknown message icon: ${icon}`);
  return buttonStyle | iconStyle;
}

/**
 * The {@linkcode MessageResponse} for a response ID (`IDOK` 1 … `IDTIMEOUT` 32000,
 * `IDASYNC` 32001).
 *
 * @example
 * ```ts
 * import { messageResponse } from "./messages.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(messageResponse(6), "yes");
 * assert.equal(messageResponse(32000), "timeout");
 * ```
 *
 * @param id The `*pResponse` of WTSSendMessageW.
 * @returns The response's name.
 * @throws {RangeError} For an ID that WTSSendMessageW does not document.
 */
export function messageResponse(id: number): MessageResponse {
  const response = RESPONSES.get(id);
  if (response === undefined) throw new RangeError(`WTSSendMessageW answered unknown ID ${id}`);
  return response;
}

/**
 * Shows a message box in session `sessionId` (WTSSendMessageW) and returns the user's answer,
 * or `"async"` at once when `wait` is false.
 *
 * With `wait`, the call blocks until the user answers or the timeout passes, so it runs on
 * Deno's FFI thread pool and the event loop keeps running. Its Win32 error code would then be
 * on the pool thread, and a message box cannot be sent twice to learn it. So the session is
 * first queried synchronously: an unknown session, an unreachable server or a caller who may
 * not even query it fails there with its real {@linkcode WindowsError}. That check cannot
 * prove the message will be allowed: sending needs the session's Message permission
 * (WINSTATION_MSG), querying only WINSTATION_QUERY, and an admin can grant one without the
 * other. When the waited call itself fails, the session is queried again: if it is gone now,
 * that real error is thrown; otherwise a {@linkcode NonblockingCallError} says the code is
 * unknown (a missing Message permission is the likely cause) instead of inventing one.
 * A waited box with a timeout that answers 0 reports `"timeout"`, as some Server builds
 * answer 0 instead of IDTIMEOUT; without a timeout, 0 stays an unknown answer (RangeError).
 *
 * @example Notify everyone in session 3 without waiting
 * ```ts ignore
 * import { sendMessage } from "../mod.ts";
 *
 * await sendMessage(3, { title: "IT", text: "Printers are back online." }); // "async"
 * ```
 *
 * @example Ask and wait, on another server
 * ```ts ignore
 * import { sendMessage } from "../mod.ts";
 *
 * const answer = await sendMessage(5, {
 *   server: "rdsh01",
 *   title: "Logoff",
 *   text: "Log off now?",
 *   buttons: "yesNo",
 *   icon: "question",
 *   timeoutSeconds: 60,
 *   wait: true,
 * });
 * console.log(answer); // "yes", "no" or "timeout"
 * ```
 *
 * @param sessionId The session to show the box in.
 * @param options Title, text, buttons, icon, timeout, wait and server.
 * @returns The user's answer.
 */
export function sendMessage(
  sessionId: number,
  options: MessageOptions,
): Promise<MessageResponse> {
  return withContext(options, (context) => sendMessageIn(context, sessionId, options));
}

async function sendMessageIn(
  context: CallContext,
  sessionId: number,
  options: MessageOptions,
): Promise<MessageResponse> {
  const { handle, server } = context;
  checkDword(sessionId, "session id");
  const timeout = options.timeoutSeconds ?? 0;
  checkDword(timeout, "timeoutSeconds");
  const style = messageStyle(options.buttons, options.icon);
  const title = encodeWide(options.title, "message title");
  const text = encodeWide(options.text, "message text");
  // Lengths are byte counts without the terminating NUL.
  const titleBytes = title.byteLength - 2;
  const textBytes = text.byteLength - 2;
  const response = new Uint32Array(1);
  const responseBytes = new Uint8Array(response.buffer);
  const wts = wtsapi32();
  // One argument list for both forms; only the last one, bWait, differs.
  const args = (wait: 0 | 1) =>
    [
      handle,
      sessionId,
      title,
      titleBytes,
      text,
      textBytes,
      style,
      timeout,
      responseBytes,
      wait,
    ] as const;
  if (!options.wait) {
    callBoolBlocking(wts, "WTSSendMessageW", [...args(0)]);
    return messageResponse(response[0]!);
  }
  // Query synchronously so the common failures keep their real error code. This does NOT show
  // that the message is allowed (WINSTATION_MSG is not WINSTATION_QUERY; see above).
  validateSession(handle, sessionId);
  const started = performance.now();
  const ok = await wts.WTSSendMessageWAsync(...args(1));
  if (ok === 0) {
    const elapsed = performance.now() - started;
    // The session may have ended while the box was up: that failure has a real code to report.
    validateSession(handle, sessionId);
    throw new NonblockingCallError(
      "WTSSendMessageW",
      server,
      elapsed,
      "the waiting call ran on a worker thread and a message box must not be sent twice; the " +
        "session can still be queried, so the likely cause is a missing Message permission " +
        "(WINSTATION_MSG), which the query before sending cannot check",
    );
  }
  if (response[0] === WAITED_TIMEOUT_ZERO && timeout > 0) return "timeout";
  return messageResponse(response[0]!);
}
