/**
 * What the session commands share: the documented `--json` shapes and the `to…Json` functions
 * that fill them (copying fields by name, so a library addition never changes the CLI's output
 * silently), the table columns, labels, the `--server`/`--timeout` checks and the per-server
 * reporting of the multi-server commands.
 *
 * @module
 */

import {
  type CliContext,
  CliError,
  type CliIO,
  type Column,
  ExitCode,
  formatTable,
  humanBytes,
  humanDuration,
  humanTime,
  parseSecondsOption,
} from "./common.ts";
import { describeFailure } from "./_failure.ts";
import { NonblockingCallError, ServerTimeoutError, TargetChangedError } from "../mod.ts";
import type { FanOutOptions, ProcessInfo, ServerResult, Session } from "../mod.ts";

// ---- JSON shapes (the documented, stable output of --json) ------------------------------------

/** A session as `--json` prints it: Dates become ISO 8601 strings (UTC) or null. */
export interface SessionJson {
  server: string;
  id: number;
  stationName: string;
  state: string;
  user: string;
  domain: string;
  clientName: string;
  clientAddress: string | null;
  protocol: string;
  connectTime: string | null;
  disconnectTime: string | null;
  lastInputTime: string | null;
  logonTime: string | null;
  idleMs: number | null;
  /** The session winsession runs in (local server only; always false for a named server). */
  current: boolean;
  /** Whether the desktop is locked; `null` when unknown or not read (`lockedReason` says). */
  locked: boolean | null;
  lockedReason: string | null;
}

/** A process as `--json` prints it. */
export interface ProcessJson {
  server: string;
  pid: number;
  name: string;
  sessionId: number;
  /** `DOMAIN\\name`, or `""` when the SID maps to no account (then read `userSid`). */
  user: string;
  userSid: string | null;
  /**
   * Whether winsession ran elevated when it listed (the same on every row; null = unknown):
   * when false, other users' processes may be missing or lack details.
   */
  elevated: boolean | null;
  threads: number | null;
  handles: number | null;
  pagefileBytes: number | null;
  peakPagefileBytes: number | null;
  workingSetBytes: number | null;
  peakWorkingSetBytes: number | null;
  userTimeMs: number | null;
  kernelTimeMs: number | null;
}

/** What every per-server object of a multi-server `--json` output has. */
export interface ServerAnswerJson {
  server: string;
  ok: boolean;
  /** The one-line failure, when `ok` is false. */
  error?: string;
  /** The Win32 error code, when the failure was a Windows error. */
  errorCode?: number;
  /** How long the server took to answer or fail. */
  elapsedMs: number;
}

/** One server's sessions (`sessions --json` with several `--server`); empty when it failed. */
export interface ServerSessionsJson extends ServerAnswerJson {
  sessions: SessionJson[];
}

/** One server's processes (`processes --json` with several `--server`); empty when it failed. */
export interface ServerProcessesJson extends ServerAnswerJson {
  /** As on each process: whether winsession ran elevated (null = unknown). */
  elevated: boolean | null;
  processes: ProcessJson[];
}

const iso = (date: Date | null): string | null => date ? date.toISOString() : null;

/**
 * The `--json` form of a session; `currentId` is the caller's own session id on the local
 * server (`currentSessionId()`), or null when unknown or the listing is of a named server.
 */
export function toSessionJson(session: Session, currentId: number | null = null): SessionJson {
  return {
    server: session.server,
    id: session.id,
    stationName: session.stationName,
    state: session.state,
    user: session.user,
    domain: session.domain,
    clientName: session.clientName,
    clientAddress: session.clientAddress,
    protocol: session.protocol,
    connectTime: iso(session.connectTime),
    disconnectTime: iso(session.disconnectTime),
    lastInputTime: iso(session.lastInputTime),
    logonTime: iso(session.logonTime),
    idleMs: session.idleMs,
    current: isCurrent(session, currentId),
    locked: session.locked,
    lockedReason: session.lockedReason,
  };
}

/** Whether `session` is the caller's own: on the local server, with the id `currentId`. */
export const isCurrent = (session: Session, currentId: number | null): boolean =>
  session.server === "" && currentId !== null && session.id === currentId;

/** The `--json` form of a process listed with elevation `elevated` (null = unknown). */
export function toProcessJson(process: ProcessInfo, elevated: boolean | null): ProcessJson {
  return {
    server: process.server,
    pid: process.pid,
    name: process.name,
    sessionId: process.sessionId,
    user: process.user,
    userSid: process.userSid,
    elevated,
    threads: process.threads,
    handles: process.handles,
    pagefileBytes: process.pagefileBytes,
    peakPagefileBytes: process.peakPagefileBytes,
    workingSetBytes: process.workingSetBytes,
    peakWorkingSetBytes: process.peakWorkingSetBytes,
    userTimeMs: process.userTimeMs,
    kernelTimeMs: process.kernelTimeMs,
  };
}

// ---- formatting -------------------------------------------------------------------------------

/** "server RDS01" or "the local server", for messages. */
export const serverLabel = (server: string | undefined): string =>
  server ? `server ${server}` : "the local server";

/** "DOMAIN\\user", "user", or "" when there is no user. */
export const account = (domain: string, user: string): string =>
  user === "" ? "" : domain === "" ? user : `${domain}\\${user}`;

/** Bold header line when colours are allowed (a terminal, NO_COLOR unset). */
export function table<T>(io: CliIO, rows: readonly T[], columns: readonly Column<T>[]): string {
  const text = formatTable(rows, columns);
  if (!io.color) return text;
  const end = text.indexOf("\n");
  return `\x1b[1m${text.slice(0, end)}\x1b[22m${text.slice(end)}`;
}

/**
 * The session table's columns for a local listing: as quser does, the USER column starts with
 * `>` on the caller's own session and a space on the others (so names still line up). The
 * query user documentation: "When query user returns information, a less than (>) symbol is
 * displayed before the current session"
 * (https://learn.microsoft.com/previous-versions/windows/it-pro/windows-xp/bb490801(v=technet.10)).
 */
export function localSessionColumns(currentId: number | null): Column<Session>[] {
  return [
    {
      header: " USER",
      cell: (s) => (isCurrent(s, currentId) ? ">" : " ") + s.user,
    },
    ...SESSION_COLUMNS.slice(1),
  ];
}

/** The columns of the session table (quser-like). */
export const SESSION_COLUMNS: readonly Column<Session>[] = [
  { header: "USER", cell: (s) => s.user },
  { header: "SESSION", cell: (s) => s.stationName },
  { header: "ID", cell: (s) => String(s.id), right: true },
  { header: "STATE", cell: (s) => s.state },
  { header: "IDLE", cell: (s) => humanDuration(s.idleMs) },
  { header: "LOGON", cell: (s) => humanTime(s.logonTime) },
  { header: "CLIENT", cell: (s) => s.clientName },
  { header: "ADDRESS", cell: (s) => s.clientAddress ?? "" },
];

/** The columns of the process table. */
export const PROCESS_COLUMNS: readonly Column<ProcessInfo>[] = [
  { header: "PID", cell: (p) => String(p.pid), right: true },
  { header: "SESSION", cell: (p) => String(p.sessionId), right: true },
  { header: "NAME", cell: (p) => p.name },
  { header: "THREADS", cell: (p) => p.threads === null ? "" : String(p.threads), right: true },
  { header: "HANDLES", cell: (p) => p.handles === null ? "" : String(p.handles), right: true },
  { header: "MEMORY", cell: (p) => humanBytes(p.workingSetBytes), right: true },
  {
    header: "CPU",
    cell: (p) =>
      p.userTimeMs === null || p.kernelTimeMs === null
        ? ""
        : humanDuration(p.userTimeMs + p.kernelTimeMs),
    right: true,
  },
  { header: "USER", cell: (p) => p.user || (p.userSid ?? "") },
];

/** The column `processes --sid` adds: the user's SID. */
export const SID_COLUMN: Column<ProcessInfo> = { header: "USER SID", cell: (p) => p.userSid ?? "" };

/** `columns` with a SERVER column first (multi-server tables). */
export function withServerColumn<T extends { server: string }>(
  columns: readonly Column<T>[],
): Column<T>[] {
  return [{ header: "SERVER", cell: (row) => row.server }, ...columns];
}

// ---- argument checks --------------------------------------------------------------------------

/** The trimmed `--server` value; an empty name is a usage error. */
export function serverName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const trimmed = name.trim();
  if (trimmed === "") throw new CliError("--server needs a server name, got an empty string");
  return trimmed;
}

/** Every `--server` value, checked like {@linkcode serverName}. */
export function serverNames(names: string[] | undefined): string[] {
  return (names ?? []).map((name) => serverName(name)!);
}

/** `--timeout` in milliseconds, or undefined when not given (see `parseSecondsOption`). */
export function timeoutMs(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Math.round(parseSecondsOption(text, "--timeout") * 1000);
}

/**
 * `error` as one line that names `server` (`rdsh01: WTSOpenServerW failed: …`), keeping its
 * exit code; errors that already name it, usage errors, and the local server (undefined) are
 * left as they are.
 */
export function namingServer(server: string | undefined, error: unknown): unknown {
  if (server === undefined || error instanceof CliError) return error;
  if (namesServer(error, server)) return error;
  const { message, exitCode } = describeFailure(error);
  return new CliError(`${server}: ${message}`, exitCode);
}

/**
 * Whether `error` already names `server` in its message: the errors that carry a `server`
 * field, and a TargetChangedError, whose target the library names with its server
 * (`session 3 on rdsh01`).
 */
function namesServer(error: unknown, server: string): boolean {
  if (error instanceof ServerTimeoutError || error instanceof NonblockingCallError) {
    return error.server === server;
  }
  return error instanceof TargetChangedError;
}

/** Runs `work` for one server; its failure names the server (see {@linkcode namingServer}). */
export async function onServer<T>(server: string | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw namingServer(server, error);
  }
}

/**
 * One server's listing. A named server with a `--timeout` goes through the fan-out's deadline
 * (`fanOut` with that one server), so the call is abandoned at the deadline like any server of
 * several (its late answer is still freed); without one, or on the local server (whose calls
 * run on the main thread and cannot be abandoned), it is a plain call. Failures name the server.
 */
export function listOnOneServer<T>(
  server: string | undefined,
  timeout: number | undefined,
  signal: AbortSignal | undefined,
  list: (options: { server?: string }) => Promise<T>,
  fanOut: (servers: string[], options: FanOutOptions) => Promise<ServerResult<T>[]>,
): Promise<T> {
  return onServer(server, async () => {
    if (server === undefined || timeout === undefined) return await list({ server });
    const result = (await fanOut([server], { timeoutMs: timeout, signal }))[0]!;
    if (result.ok) return result.value;
    throw result.error;
  });
}

/** Per-server failures: one stderr line each; the exit code says whether anything answered. */
export function reportServerFailures<T>(
  context: CliContext,
  results: readonly ServerResult<T>[],
): void {
  const failed = results.filter((result) => !result.ok);
  for (const result of failed) {
    if (!result.ok) context.io.err(`winsession: ${result.server}: ${result.error.message}\n`);
  }
  if (failed.length === 0) return;
  context.exitCode = failed.length === results.length ? ExitCode.WindowsError : ExitCode.Partial;
}

/** The fields every per-server JSON object starts with. */
export function serverAnswer(result: ServerResult<unknown>): ServerAnswerJson {
  if (result.ok) return { server: result.server, ok: true, elapsedMs: result.elapsedMs };
  const code = (result.error as { code?: unknown }).code;
  return {
    server: result.server,
    ok: false,
    error: result.error.message,
    ...(typeof code === "number" ? { errorCode: code } : {}),
    elapsedMs: result.elapsedMs,
  };
}

/** The help paragraph of the commands that take several `--server`. */
export const MULTI_SERVER_HELP = `
--timeout (seconds, up to 2147483) limits each named server; with one --server there is no
limit unless it is given, with several the default is 10.
With several --server, the servers are queried at the same time: rows of the servers that
answered are printed (with a SERVER column), each failed server gets one line on stderr, and the
exit code is 6 if some failed, 1 if all failed. --json then prints one object per server:
{ server, ok, error?, errorCode?, elapsedMs, sessions|processes }.`;
