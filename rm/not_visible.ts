/**
 * Why "nothing holds these files" is not "these files can be replaced": the holders the Restart
 * Manager cannot see, as {@linkcode notVisibleReasons} lists them for a `locks` answer.
 *
 * @example
 * ```ts
 * import { notVisibleReasons } from "./not_visible.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(notVisibleReasons({ folder: true }).length, 4);
 * ```
 *
 * @module
 */

/** A kind of holder the Restart Manager does not report; see {@linkcode notVisibleReasons}. */
export type NotVisibleReason =
  | "workingDirectory"
  | "folderHandles"
  | "systemAndRemote"
  | "otherUsers";

/** One thing an empty answer does not rule out, with a sentence for people. */
export interface NotVisible {
  /** Which kind of holder. */
  reason: NotVisibleReason;
  /** What it means, for people. */
  text: string;
}

/*
 * Evidence for each entry (the Restart Manager only answers for the resources registered with
 * RmRegisterResources, which are files, processes and services: never folders, never remote
 * opens; learn.microsoft.com/windows/win32/api/restartmanager/nf-restartmanager-rmregisterresources
 * and nf-restartmanager-rmgetlist):
 *   - workingDirectory: PowerToys #25510 (a cmd/jupyter process using a folder; File Locksmith,
 *     built on the Restart Manager, shows nothing even elevated) and #32962 ("we're only
 *     checking files... Not folders", a maintainer).
 *   - folderHandles: PowerToys #32845, #32962, #23434 (folders in use, nothing found).
 *   - systemAndRemote: PowerToys #34409 ("the file is open in System", elevated, "No results"):
 *     files opened through a share by SMB clients are held by the System process (the server
 *     driver), not by a process the Restart Manager lists. No Microsoft page states this;
 *     the issue is the evidence, and winsession says so rather than promise more.
 *   - otherUsers: RmGetList's RmRebootReasonPermissionDenied, and PowerToys #21896 and #32962,
 *     where the answer to "nothing found" was to run elevated.
 */
const NOT_VISIBLE_TEXT: Readonly<Record<NotVisibleReason, string>> = {
  workingDirectory: "a program whose working directory is inside a given folder (e.g. a " +
    "command prompt after cd) holds the folder, not a file, and is not listed",
  folderHandles: "open handles to the folders themselves (an Explorer window, a file watcher) " +
    "are not listed: only files are checked",
  systemAndRemote: "files opened over a share by other computers (SMB clients) are held by " +
    "the System process and are not listed; see Get-SmbOpenFile or openfiles /query",
  otherUsers: "without elevation, programs of other users may be missing; run elevated to " +
    "see them all",
};

/**
 * What an answer of `findLockingProcesses` (rm/locks.ts) cannot show, for these targets: folder holders
 * (working directories, folder handles) when a folder was given, opens by SMB clients always,
 * other users' programs unless `elevated` is `true`.
 *
 * @example
 * ```ts
 * import { notVisibleReasons } from "./not_visible.ts";
 * import assert from "node:assert/strict";
 *
 * const reasons = notVisibleReasons({ folder: false, elevated: true });
 * assert.deepEqual(reasons.map((r) => r.reason), ["systemAndRemote"]);
 * ```
 *
 * @param context Whether a folder was among the targets; whether this process is elevated.
 * @returns The reasons, each with its sentence.
 */
export function notVisibleReasons(
  context: { folder: boolean; elevated?: boolean | null },
): NotVisible[] {
  const reasons: NotVisibleReason[] = context.folder
    ? ["workingDirectory", "folderHandles", "systemAndRemote"]
    : ["systemAndRemote"];
  if (context.elevated !== true) reasons.push("otherUsers");
  return reasons.map((reason) => ({ reason, text: NOT_VISIBLE_TEXT[reason] }));
}
