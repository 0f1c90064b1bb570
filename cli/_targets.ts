/**
 * What the destructive commands with several targets share (`disconnect`, `logoff`, `message`,
 * `kill`): looking the targets up on one server or several through the fan-out, listing them
 * for the confirmation, reporting per target what was done, what changed or failed, and the
 * exit code that sums it up.
 *
 * @module
 */

import { type CliContext, CliError, type Column, ExitCode, printJson } from "./common.ts";
import { describeFailure } from "./_failure.ts";
import {
  getSession,
  listProcesses,
  listProcessesOnServers,
  listSessions,
  listSessionsOnServers,
  type ProcessInfo,
  type ProcessTarget,
  selectProcesses,
  selectSessions,
  type ServerResult,
  type Session,
  type SessionTarget,
  TargetChangedError,
} from "../mod.ts";
import {
  account,
  listOnOneServer,
  onServer,
  reportServerFailures,
  serverLabel,
  table,
} from "./_session_format.ts";

/** Where to look: no server (this computer), one, or several (fan-out, per-server failures). */
export interface Lookup {
  servers: string[];
  timeoutMs: number | undefined;
}

/** The targets found, and the servers that failed to answer (reported, exit 6). */
export interface Found<T> {
  targets: T[];
  failed: ServerResult<unknown>[];
}

/** "on the local server", "on server RDS01", "on 3 servers". */
export function whereLabel(servers: readonly string[]): string {
  return servers.length <= 1 ? serverLabel(servers[0]) : `${servers.length} servers`;
}

/**
 * The sessions `target` names. One server and an id: that session, looked up directly so an
 * unknown id fails with Windows' own error (ERROR_CTX_WINSTATION_NOT_FOUND). Otherwise the
 * listing of each server, selected; several servers are asked at once and a failed one is
 * kept in `failed`, not thrown.
 */
export async function findSessions(
  context: CliContext,
  lookup: Lookup,
  target: SessionTarget,
): Promise<Found<Session>> {
  const { servers, timeoutMs } = lookup;
  if (servers.length <= 1) {
    const server = servers[0];
    if (target.kind === "id") {
      return {
        targets: [await onServer(server, () => getSession(target.id, { server }))],
        failed: [],
      };
    }
    const sessions = await listOnOneServer(
      server,
      timeoutMs,
      context.signal,
      listSessions,
      listSessionsOnServers,
    );
    return { targets: selectSessions(sessions, target), failed: [] };
  }
  const results = await listSessionsOnServers(servers, { timeoutMs, signal: context.signal });
  return {
    targets: results.flatMap((r) => r.ok ? selectSessions(r.value, target) : []),
    failed: results.filter((r) => !r.ok),
  };
}

/** The processes `target` names (optionally in one session), like {@linkcode findSessions}. */
export async function findProcesses(
  context: CliContext,
  lookup: Lookup,
  target: ProcessTarget,
  session: number | undefined,
): Promise<Found<ProcessInfo>> {
  const { servers, timeoutMs } = lookup;
  const pick = (processes: ProcessInfo[]) =>
    selectProcesses(processes, target).filter((p) =>
      session === undefined || p.sessionId === session
    );
  if (servers.length <= 1) {
    const server = servers[0];
    const processes = await listOnOneServer(
      server,
      timeoutMs,
      context.signal,
      listProcesses,
      listProcessesOnServers,
    );
    return { targets: pick(processes), failed: [] };
  }
  const results = await listProcessesOnServers(servers, { timeoutMs, signal: context.signal });
  return {
    targets: results.flatMap((r) => r.ok ? pick(r.value) : []),
    failed: results.filter((r) => !r.ok),
  };
}

/**
 * Nothing matched: the failed servers get their line, then one error (exit 1): the target is
 * not there. A failed server is not proof that it is not there, so the message says so.
 */
export function noMatch(
  context: CliContext,
  found: Found<unknown>,
  what: string,
  servers: readonly string[],
): CliError {
  const where = servers.length <= 1
    ? serverLabel(servers[0])
    : `the servers that answered (${servers.length - found.failed.length} of ${servers.length})`;
  if (found.failed.length > 0) reportServerFailures(context, found.failed);
  return new CliError(`no ${what} on ${where}: nothing was done`, ExitCode.WindowsError);
}

/** How a session is shown in questions and reports: `2 (RDP-Tcp#3, CONTOSO\bob, Active)`. */
export function describeSession(session: Session): string {
  const who = session.user === "" ? "no user" : account(session.domain, session.user);
  const station = session.stationName === "" ? "" : `${session.stationName}, `;
  return `${session.id} (${station}${who}, ${session.state})`;
}

/** The user of a process for people: `DOMAIN\name`, else its SID, else "". */
export const processUser = (p: ProcessInfo): string => p.user || (p.userSid ?? "");

/** The columns listing session targets (confirmation, dry run, report). */
export const SESSION_TARGET_COLUMNS: readonly Column<Session>[] = [
  { header: "SERVER", cell: (s) => s.server || "(local)" },
  { header: "ID", cell: (s) => String(s.id), right: true },
  { header: "USER", cell: (s) => account(s.domain, s.user) },
  { header: "SESSION", cell: (s) => s.stationName },
  { header: "STATE", cell: (s) => s.state },
];

/** The columns listing process targets (confirmation, dry run, report). */
export const PROCESS_TARGET_COLUMNS: readonly Column<ProcessInfo>[] = [
  { header: "SERVER", cell: (p) => p.server || "(local)" },
  { header: "PID", cell: (p) => String(p.pid), right: true },
  { header: "NAME", cell: (p) => p.name },
  { header: "SESSION", cell: (p) => String(p.sessionId), right: true },
  { header: "USER", cell: (p) => processUser(p) },
];

/** What happened to one target. */
export type OutcomeKind = "done" | "changed" | "failed" | "skipped";

/** One target's outcome. */
export interface Outcome<T> {
  target: T;
  result: OutcomeKind;
  /** Why it was skipped, how it changed, or the failure, as one line. */
  reason?: string;
  /** The Win32 error code, for a failure that was a Windows error. */
  errorCode?: number;
}

/** The reason of the targets a Ctrl+C left untouched. */
export const INTERRUPTED = "interrupted (Ctrl+C) before it was reached: nothing was done to it";

/**
 * Runs `act` on each target in turn (each re-checks its own target just before acting, so a
 * long list never acts on a target that changed while earlier ones ran) and records what
 * happened; a changed target or a failure does not stop the others. Ctrl+C (or the context's
 * signal) stops before the next target: the call in flight cannot be cancelled, so it finishes
 * and is reported, and the targets not reached are reported as skipped.
 */
export async function actOnEach<T>(
  context: CliContext,
  targets: readonly T[],
  act: (target: T) => Promise<void>,
): Promise<Outcome<T>[]> {
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  let listening = false;
  try {
    Deno.addSignalListener("SIGINT", onInterrupt);
    listening = true;
  } catch {
    // No signal support here (permissions or platform): the context signal still stops it.
  }
  const stopped = () => stop.signal.aborted || (context.signal?.aborted ?? false);
  const outcomes: Outcome<T>[] = [];
  try {
    for (const target of targets) {
      if (stopped()) {
        outcomes.push({ target, result: "skipped", reason: INTERRUPTED });
        continue;
      }
      try {
        await act(target);
        outcomes.push({ target, result: "done" });
      } catch (error) {
        const { message } = describeFailure(error);
        const code = (error as { code?: unknown }).code;
        outcomes.push({
          target,
          result: error instanceof TargetChangedError ? "changed" : "failed",
          reason: message,
          ...(typeof code === "number" ? { errorCode: code } : {}),
        });
      }
    }
  } finally {
    if (listening) Deno.removeSignalListener("SIGINT", onInterrupt);
  }
  return outcomes;
}

/**
 * The exit code of a run over several targets and servers: 130 when Ctrl+C left targets
 * untouched; else 0 when every target was done (or skipped with a note); 6 when some were done
 * and some failed or a server failed; 1 when nothing was done because everything failed; 7
 * when nothing failed but a target changed.
 */
export function outcomeExitCode(
  outcomes: readonly Outcome<unknown>[],
  failedServers: number,
): number {
  if (outcomes.some((o) => o.reason === INTERRUPTED)) return ExitCode.Interrupted;
  const done = outcomes.filter((o) => o.result === "done").length;
  const failed = outcomes.filter((o) => o.result === "failed").length + failedServers;
  const changed = outcomes.filter((o) => o.result === "changed").length;
  if (failed > 0) return done > 0 ? ExitCode.Partial : ExitCode.WindowsError;
  if (changed > 0) return ExitCode.TargetChanged;
  return ExitCode.Ok;
}

/** An outcome's RESULT cell: `logged off`, `changed: …`, `failed: …`, `skipped: …`. */
function resultCell(outcome: Outcome<unknown>, done: string): string {
  if (outcome.result === "done") return done;
  return `${outcome.result}: ${outcome.reason ?? ""}`;
}

/**
 * Prints the outcomes (a table with a RESULT column, or with `--json` one object per target:
 * its fields, then `result`, `reason?`, `errorCode?`) and sets the exit code, counting the
 * servers that failed the lookup (already reported by {@linkcode reportServerFailures}).
 */
export function reportOutcomes<T>(
  context: CliContext,
  options: { json?: boolean },
  outcomes: readonly Outcome<T>[],
  failedServers: number,
  columns: readonly Column<T>[],
  toJson: (target: T) => object,
  done: string,
): void {
  const { io } = context;
  if (options.json) {
    printJson(
      io,
      outcomes.map((o) => ({
        ...toJson(o.target),
        result: o.result,
        ...(o.reason === undefined ? {} : { reason: o.reason }),
        ...(o.errorCode === undefined ? {} : { errorCode: o.errorCode }),
      })),
    );
  } else {
    io.out(table(io, outcomes, [
      ...columns.map((c): Column<Outcome<T>> => ({ ...c, cell: (o) => c.cell(o.target) })),
      { header: "RESULT", cell: (o) => resultCell(o, done) },
    ]));
  }
  context.exitCode = outcomeExitCode(outcomes, failedServers);
}

/** The `--json` form of a session target. */
export const sessionTargetJson = (s: Session) => ({
  server: s.server,
  id: s.id,
  user: s.user,
  domain: s.domain,
  stationName: s.stationName,
  state: s.state,
});

/** The `--json` form of a process target. */
export const processTargetJson = (p: ProcessInfo) => ({
  server: p.server,
  pid: p.pid,
  name: p.name,
  sessionId: p.sessionId,
  user: p.user,
  userSid: p.userSid,
});
