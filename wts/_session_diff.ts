/**
 * What changed between two readings of a server's session table: the part of `watchSessions`
 * that says WHO logged on, off, connected, disconnected, locked or unlocked, because
 * WTSWaitSystemEvent only returns a word of `WTS_EVENT_*` bits saying THAT something happened
 * (https://learn.microsoft.com/windows/win32/api/wtsapi32/nf-wtsapi32-wtswaitsystemevent).
 *
 * @module
 */

import type { Session } from "./sessions.ts";

/** What a comparison found for one session. */
export type SessionChangeType =
  | "create"
  | "delete"
  | "logon"
  | "logoff"
  | "connect"
  | "disconnect"
  | "stateChange"
  | "lock"
  | "unlock";

/** One change of one session between two readings. */
export interface SessionChange {
  /** What changed. */
  type: SessionChangeType;
  /** The session ID. */
  sessionId: number;
  /** The session in the earlier reading, `null` when it did not exist yet. */
  before: Session | null;
  /** The session in the later reading, `null` when it is gone. */
  after: Session | null;
}

const time = (date: Date | null) => date?.getTime() ?? null;

/** Whether `after` is another logon than `before` on the same session id. */
function otherLogon(before: Session, after: Session): boolean {
  if (before.user === "" || after.user === "") return false;
  if (before.user.toLowerCase() !== after.user.toLowerCase()) return true;
  if (before.domain.toLowerCase() !== after.domain.toLowerCase()) return true;
  const [was, is] = [time(before.logonTime), time(after.logonTime)];
  return was !== null && is !== null && was !== is;
}

/** The changes of a session present in both readings, in the order they happen. */
function changesOf(before: Session, after: Session): SessionChangeType[] {
  const types: SessionChangeType[] = [];
  const relogon = otherLogon(before, after);
  if (relogon || (before.user !== "" && after.user === "")) types.push("logoff");
  if (before.state !== after.state) {
    if (after.state === "Disconnected") types.push("disconnect");
    else if (before.state === "Disconnected" && after.state !== "Down") types.push("connect");
    else types.push("stateChange");
  }
  if (relogon || (before.user === "" && after.user !== "")) types.push("logon");
  // Only when both readings know it: `null` (not read, or unknown) is no change.
  if (!relogon && before.locked !== null && after.locked !== null) {
    if (!before.locked && after.locked) types.push("lock");
    if (before.locked && !after.locked) types.push("unlock");
  }
  return types;
}

/**
 * The changes from `before` to `after` (two listings of one server), session by session in
 * the order of `after`, then the sessions that are gone.
 *
 * A new id is `create` (then `logon` if it has a user); a vanished one `logoff` (if it had a
 * user) then `delete`. On a kept id: another user, domain or logon time is `logoff` + `logon`
 * (the id was reused between two readings); a user appearing or leaving is `logon` /
 * `logoff`; entering Disconnected is `disconnect`, leaving it `connect`, any other state change
 * `stateChange`; `locked` going false → true is `lock`, true → false `unlock` (compared only
 * when both readings know it).
 *
 * @example
 * ```ts ignore
 * import { diffSessions } from "./_session_diff.ts";
 *
 * const changes = diffSessions(before, after);
 * for (const change of changes) console.log(change.type, change.sessionId);
 * ```
 *
 * @param before The earlier listing.
 * @param after The later listing.
 * @returns The changes; none when the readings are alike.
 */
export function diffSessions(
  before: readonly Session[],
  after: readonly Session[],
): SessionChange[] {
  const earlier = new Map(before.map((session) => [session.id, session]));
  const changes: SessionChange[] = [];
  for (const session of after) {
    const previous = earlier.get(session.id);
    earlier.delete(session.id);
    if (previous === undefined) {
      changes.push({ type: "create", sessionId: session.id, before: null, after: session });
      if (session.user !== "") {
        changes.push({ type: "logon", sessionId: session.id, before: null, after: session });
      }
      continue;
    }
    for (const type of changesOf(previous, session)) {
      changes.push({ type, sessionId: session.id, before: previous, after: session });
    }
  }
  for (const gone of earlier.values()) {
    if (gone.user !== "") {
      changes.push({ type: "logoff", sessionId: gone.id, before: gone, after: null });
    }
    changes.push({ type: "delete", sessionId: gone.id, before: gone, after: null });
  }
  return changes;
}
