/**
 * Targets the way admins type them: a session by id, by user (`alice`, `CONTOSO\alice`) or
 * `all`/`*` (like logoff, msg), a process by pid or image name (`notepad.exe`, `notepad`, like
 * tskill), and the filters of a session listing (user, state, idle time, client). Pure
 * functions over what {@linkcode listSessions} and {@linkcode listProcesses} return: they pick
 * targets, they never act on them.
 *
 * @example Every session of alice on a server
 * ```ts ignore
 * import { listSessions, parseSessionTarget, selectSessions } from "../mod.ts";
 *
 * const sessions = selectSessions(await listSessions({ server: "rdsh01" }), parseSessionTarget("alice"));
 * ```
 *
 * @module
 */

import type { Session, SessionState } from "./sessions.ts";
import type { ProcessInfo } from "./processes.ts";
// The one WTS_CONNECTSTATE_CLASS name list, shared with the decode.
import { SESSION_STATES as STATE_NAMES } from "./_session_details.ts";

/** What a session argument names: one id, every session of a user, or every user session. */
export type SessionTarget =
  | { kind: "id"; id: number }
  | { kind: "user"; user: string; domain: string | null }
  | { kind: "all" };

/** What a process argument names: one pid, or every process of an image name. */
export type ProcessTarget =
  | { kind: "pid"; pid: number }
  | { kind: "image"; name: string };

const DWORD_MAX = 0xffff_ffff;

function parseId(text: string): number | null {
  if (!/^\d+$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) && value <= DWORD_MAX ? value : null;
}

/*
 * Evidence for how admins' tools read these arguments:
 * - msg (KB 186480, https://learn.microsoft.com/troubleshoot/windows-server/remote/terminal-server-commands-msg,
 *   and MicrosoftDocs windowsserverdocs msg.md): `msg MIKES text` goes to every session of user
 *   MIKES, `msg 12 text` to session 12, and a lone `*` to every user on the system.
 * - tskill (https://learn.microsoft.com/previous-versions/windows/it-pro/windows-xp/bb490806(v=technet.10)):
 *   `tskill {ProcessID | ProcessName} [/id:SessionID | /a]`, the name given without `.exe`
 *   (`tskill notepad`); it accepts wildcards, which winsession deliberately does not (below).
 * - logoff (https://technet.microsoft.com/Cc773064) takes a session id or name; user names are
 *   what quser shows and what admins type, so winsession takes them as msg does.
 */

/**
 * Reads a session argument. Digits are a session id (as logoff and msg read them: a user named
 * only by digits is written with its domain, `CONTOSO\1234`); `all` or `*` is every session
 * with a user (msg's `*`; a user named "all" is written `CONTOSO\all`); anything else is a user
 * name, `DOMAIN\user` or `user` (any domain).
 *
 * @example
 * ```ts
 * import { parseSessionTarget } from "./targets.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseSessionTarget("3"), { kind: "id", id: 3 });
 * assert.deepEqual(parseSessionTarget("*"), { kind: "all" });
 * assert.deepEqual(parseSessionTarget("CONTOSO\\alice"), {
 *   kind: "user",
 *   user: "alice",
 *   domain: "CONTOSO",
 * });
 * ```
 *
 * @throws {TypeError} When the text is empty, a number beyond a DWORD, or `DOMAIN\` without a
 * user.
 */
export function parseSessionTarget(text: string): SessionTarget {
  const trimmed = text.trim();
  if (trimmed === "") throw new TypeError("the session target is empty: give an id, a user or all");
  if (/^\d+$/.test(trimmed)) {
    const id = parseId(trimmed);
    if (id === null) {
      throw new TypeError(`session id must be a whole number from 0 to 4294967295, got "${text}"`);
    }
    return { kind: "id", id };
  }
  if (trimmed === "*" || trimmed.toLowerCase() === "all") return { kind: "all" };
  const slash = trimmed.indexOf("\\");
  if (slash < 0) return { kind: "user", user: trimmed, domain: null };
  const domain = trimmed.slice(0, slash);
  const user = trimmed.slice(slash + 1);
  if (user === "" || user.includes("\\") || domain === "") {
    throw new TypeError(`"${text}" is not a user name: write user or DOMAIN\\user`);
  }
  return { kind: "user", user, domain };
}

/**
 * Whether `name` (`alice` or `CONTOSO\alice`) names the session's user. Windows account and
 * domain names are case-insensitive; a name without a domain matches the user in any domain.
 *
 * @example
 * ```ts
 * import { matchesUser } from "./targets.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(matchesUser({ user: "Alice", domain: "CONTOSO" }, "contoso\\ALICE"));
 * assert.ok(!matchesUser({ user: "alice", domain: "FABRIKAM" }, "CONTOSO\\alice"));
 * ```
 */
export function matchesUser(session: Pick<Session, "user" | "domain">, name: string): boolean {
  const target = parseSessionTarget(name);
  if (target.kind !== "user") return false;
  return sameUser(session, target);
}

function sameUser(
  session: Pick<Session, "user" | "domain">,
  target: { user: string; domain: string | null },
): boolean {
  if (session.user === "") return false;
  if (session.user.toLowerCase() !== target.user.toLowerCase()) return false;
  return target.domain === null || session.domain.toLowerCase() === target.domain.toLowerCase();
}

/**
 * The sessions a target names, in listing order: the one with the id, every session of the
 * user, or (`all`) every session with a user, which leaves out Services and listeners.
 *
 * @example
 * ```ts ignore
 * import { listSessions, parseSessionTarget, selectSessions } from "../mod.ts";
 *
 * const everyone = selectSessions(await listSessions(), parseSessionTarget("all"));
 * ```
 */
export function selectSessions<T extends Pick<Session, "id" | "user" | "domain">>(
  sessions: readonly T[],
  target: SessionTarget,
): T[] {
  switch (target.kind) {
    case "id":
      return sessions.filter((session) => session.id === target.id);
    case "all":
      return sessions.filter((session) => session.user !== "");
    case "user":
      return sessions.filter((session) => sameUser(session, target));
  }
}

/**
 * Reads a process argument: digits are a pid, anything else an image name (`notepad.exe`, or
 * `notepad` as tskill takes it).
 *
 * @example
 * ```ts
 * import { parseProcessTarget } from "./targets.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseProcessTarget("4242"), { kind: "pid", pid: 4242 });
 * assert.deepEqual(parseProcessTarget("notepad"), { kind: "image", name: "notepad" });
 * ```
 *
 * @throws {TypeError} When the text is empty, a number beyond a DWORD, or contains a path
 * separator or a wildcard (image names are matched exactly, never as patterns).
 */
export function parseProcessTarget(text: string): ProcessTarget {
  const trimmed = text.trim();
  if (trimmed === "") throw new TypeError("the process target is empty: give a pid or a name");
  if (/^\d+$/.test(trimmed)) {
    const pid = parseId(trimmed);
    if (pid === null) {
      throw new TypeError(`process id must be a whole number from 0 to 4294967295, got "${text}"`);
    }
    return { kind: "pid", pid };
  }
  // tskill accepts wildcards; ending every process a pattern happens to match is the mistake
  // this tool exists to prevent, so names are exact (the confirmation still lists each match).
  if (/[\\/*?]/.test(trimmed)) {
    throw new TypeError(
      `"${text}" is not an image name: give the file name only (notepad.exe or notepad), ` +
        `without a path or wildcards`,
    );
  }
  return { kind: "image", name: trimmed };
}

/**
 * Whether a process's image name is `name`: case-insensitive (Windows file names are), and a
 * name without an extension also matches `name.exe`, as tskill's process names do.
 *
 * @example
 * ```ts
 * import { matchesImage } from "./targets.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(matchesImage("Notepad.exe", "notepad"));
 * assert.ok(matchesImage("notepad.exe", "NOTEPAD.EXE"));
 * assert.ok(!matchesImage("notepad++.exe", "notepad"));
 * ```
 */
export function matchesImage(imageName: string, name: string): boolean {
  const image = imageName.toLowerCase();
  const wanted = name.toLowerCase();
  return image === wanted || (!wanted.includes(".") && image === `${wanted}.exe`);
}

/**
 * The processes a target names, in listing order: the one with the pid, or every process with
 * the image name.
 *
 * @example
 * ```ts ignore
 * import { listProcesses, parseProcessTarget, selectProcesses } from "../mod.ts";
 *
 * const notepads = selectProcesses(await listProcesses(), parseProcessTarget("notepad"));
 * ```
 */
export function selectProcesses<T extends Pick<ProcessInfo, "pid" | "name">>(
  processes: readonly T[],
  target: ProcessTarget,
): T[] {
  if (target.kind === "pid") return processes.filter((process) => process.pid === target.pid);
  return processes.filter((process) => matchesImage(process.name, target.name));
}

/**
 * quser and qwinsta print `Disc` (and `Conn`, `ConnQ` for the longer states) in their STATE
 * column, so admins type them. Evidence: what those tools print on Windows Server; no Microsoft
 * page found that lists the abbreviations, so this is from observed output, not a document.
 */
const STATE_ALIASES: Readonly<Record<string, SessionState>> = {
  disc: "Disconnected",
  conn: "Connected",
  connq: "ConnectQuery",
};

/**
 * Reads a state name case-insensitively (`active`, `Disconnected`), also quser's short forms
 * (`Disc`, `Conn`).
 *
 * @example
 * ```ts
 * import { parseSessionState } from "./targets.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseSessionState("disc"), "Disconnected");
 * assert.equal(parseSessionState("ACTIVE"), "Active");
 * ```
 *
 * @throws {TypeError} When the text names no state; the message lists the names.
 */
export function parseSessionState(text: string): SessionState {
  const key = text.trim().toLowerCase();
  const state = STATE_NAMES.find((name) => name.toLowerCase() === key) ?? STATE_ALIASES[key];
  if (state === undefined) {
    throw new TypeError(`unknown session state "${text}": use one of ${STATE_NAMES.join(", ")}`);
  }
  return state;
}

/** What {@linkcode filterSessions} keeps; every given criterion must hold (omitted = any). */
export interface SessionFilter {
  /** Users (`alice` or `CONTOSO\alice`); the session's user must be one of them. */
  users?: readonly string[];
  /** States; the session's state must be one of them. */
  states?: readonly SessionState[];
  /** Idle for longer than this many milliseconds; a session whose idle time is unknown fails. */
  idleLongerThanMs?: number;
  /** Client names or addresses (case-insensitive, exact); the session's must be one of them. */
  clients?: readonly string[];
}

/**
 * The sessions that pass every criterion of `filter`, in listing order.
 *
 * @example Disconnected sessions idle for over two hours
 * ```ts ignore
 * import { filterSessions, listSessions } from "../mod.ts";
 *
 * const stale = filterSessions(await listSessions(), {
 *   states: ["Disconnected"],
 *   idleLongerThanMs: 2 * 3_600_000,
 * });
 * ```
 */
export function filterSessions<T extends Session>(
  sessions: readonly T[],
  filter: SessionFilter,
): T[] {
  const users = filter.users?.map((name) => {
    const target = parseSessionTarget(name);
    if (target.kind !== "user") throw new TypeError(`"${name}" is not a user name`);
    return target;
  });
  const clients = filter.clients?.map((client) => client.trim().toLowerCase());
  return sessions.filter((session) => {
    if (users && !users.some((user) => sameUser(session, user))) return false;
    if (filter.states && !filter.states.includes(session.state)) return false;
    if (filter.idleLongerThanMs !== undefined) {
      if (session.idleMs === null || !(session.idleMs > filter.idleLongerThanMs)) return false;
    }
    if (clients) {
      const name = session.clientName.toLowerCase();
      const address = (session.clientAddress ?? "").toLowerCase();
      if (!clients.some((client) => client !== "" && (client === name || client === address))) {
        return false;
      }
    }
    return true;
  });
}
