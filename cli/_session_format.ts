/**
 * Session commands: `sessions`, `session`, `disconnect`, `logoff`, `message`, `processes`,
 * `kill`, `watch` and `servers` — qwinsta/quser, tsdiscon, logoff, msg, query process and tskill
 * in one tool, plus many servers at once and a live event stream.
 *
 * Thin by design: each command parses its arguments, calls `mod.ts` and formats the result as
 * a table (default) or JSON (`--json`, fields documented in the README and kept stable by the
 * `to…Json` functions below, which copy fields by name so a library addition never changes the
 * CLI's output silently).
 *
 * @module
 */

import { type Command, Option } from "./commander.ts";
import {
  type CliContext,
  CliError,
  type CliIO,
  collect,
  type Column,
  confirm,
  ExitCode,
  formatTable,
  humanBytes,
  humanDuration,
  humanTime,
  parseDword,
  parseSeconds,
  printJson,
} from "./common.ts";
import {
  disconnectSession,
  getSession,
  listProcesses,
  listProcessesOnServers,
  listServers,
  listSessions,
  listSessionsOnServers,
  logoffSession,
  type MessageButtons,
  type MessageIcon,
  type MessageResponse,
  type ProcessInfo,
  sendMessage,
  type ServerResult,
  type Session,
  type SessionEvent,
  terminateProcess,
  watchSessions,
} from "../mod.ts";

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
}

/** A process as `--json` prints it. */
export interface ProcessJson {
  server: string;
  pid: number;
  name: string;
  sessionId: number;
  userSid: string | null;
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
  processes: ProcessJson[];
}

const iso = (date: Date | null): string | null => date ? date.toISOString() : null;

/** The `--json` form of a session. */
export function toSessionJson(session: Session): SessionJson {
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
  };
}

/** The `--json` form of a process. */
export function toProcessJson(process: ProcessInfo): ProcessJson {
  return {
    server: process.server,
    pid: process.pid,
    name: process.name,
    sessionId: process.sessionId,
    userSid: process.userSid,
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

/** The `--json` form of an event (one compact object per line). */
export function toEventJson(event: SessionEvent): Record<string, unknown> {
  return { type: event.type, flags: event.flags, at: event.at.toISOString(), server: event.server };
}

// ---- formatting -------------------------------------------------------------------------------

const serverLabel = (server: string | undefined): string =>
  server ? `server ${server}` : "the local server";

const account = (domain: string, user: string): string =>
  user === "" ? "" : domain === "" ? user : `${domain}\\${user}`;

/** Bold header line when colours are allowed (a terminal, NO_COLOR unset). */
function table<T>(io: CliIO, rows: readonly T[], columns: readonly Column<T>[]): string {
  const text = formatTable(rows, columns);
  if (!io.color) return text;
  const end = text.indexOf("\n");
  return `\x1b[1m${text.slice(0, end)}\x1b[22m${text.slice(end)}`;
}

const SESSION_COLUMNS: readonly Column<Session>[] = [
  { header: "USER", cell: (s) => s.user },
  { header: "SESSION", cell: (s) => s.stationName },
  { header: "ID", cell: (s) => String(s.id), right: true },
  { header: "STATE", cell: (s) => s.state },
  { header: "IDLE", cell: (s) => humanDuration(s.idleMs) },
  { header: "LOGON", cell: (s) => humanTime(s.logonTime) },
  { header: "CLIENT", cell: (s) => s.clientName },
  { header: "ADDRESS", cell: (s) => s.clientAddress ?? "" },
];

const PROCESS_COLUMNS: readonly Column<ProcessInfo>[] = [
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
  { header: "USER SID", cell: (p) => p.userSid ?? "" },
];

function withServerColumn<T extends { server: string }>(
  columns: readonly Column<T>[],
): Column<T>[] {
  return [{ header: "SERVER", cell: (row) => row.server }, ...columns];
}

/** "2026-11-22 14:05:33": an event's local time to the second. */
function eventTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${humanTime(date)}:${pad(date.getSeconds())}`;
}

// ---- argument checks --------------------------------------------------------------------------

function serverName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const trimmed = name.trim();
  if (trimmed === "") throw new CliError("--server needs a server name, got an empty string");
  return trimmed;
}

function serverNames(names: string[] | undefined): string[] {
  return (names ?? []).map((name) => serverName(name)!);
}

function timeoutMs(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseSeconds(text, "--timeout") * 1000;
}

/** Per-server failures: one stderr line each; the exit code says whether anything answered. */
function reportServerFailures<T>(context: CliContext, results: readonly ServerResult<T>[]): void {
  const failed = results.filter((result) => !result.ok);
  for (const result of failed) {
    if (!result.ok) context.io.err(`winsession: ${result.server}: ${result.error.message}\n`);
  }
  if (failed.length === 0) return;
  context.exitCode = failed.length === results.length ? ExitCode.WindowsError : ExitCode.Partial;
}

function serverAnswer(result: ServerResult<unknown>): ServerAnswerJson {
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

// ---- commands ---------------------------------------------------------------------------------

const MULTI_SERVER_HELP = `
With several --server, the servers are queried at the same time: rows of the servers that
answered are printed (with a SERVER column), each failed server gets one line on stderr, and the
exit code is 6 if some failed, 1 if all failed. --json then prints one object per server:
{ server, ok, error?, errorCode?, elapsedMs, sessions|processes }.`;

/** Adds the session commands to `program`. */
export function registerSessionCommands(program: Command, context: CliContext): void {
  const { io } = context;

  program.command("sessions")
    .description("List Remote Desktop sessions (like qwinsta/quser)")
    .option("-s, --server <host>", "query this server (repeat for several)", collect)
    .option("--timeout <seconds>", "per-server timeout with several --server (default 10)")
    .option("--json", "print JSON instead of a table")
    .addHelpText(
      "after",
      `
Examples:
  winsession sessions
  winsession sessions --server RDS01 --server RDS02
  winsession sessions --json
${MULTI_SERVER_HELP}`,
    )
    .action(async (options) => {
      const servers = serverNames(options.server);
      const timeout = timeoutMs(options.timeout);
      if (servers.length <= 1) {
        const sessions = await listSessions({ server: servers[0] });
        if (options.json) printJson(io, sessions.map(toSessionJson));
        else io.out(table(io, sessions, SESSION_COLUMNS));
        return;
      }
      const results = await listSessionsOnServers(servers, {
        timeoutMs: timeout,
        signal: context.signal,
      });
      if (options.json) {
        printJson(
          io,
          results.map((r): ServerSessionsJson => ({
            ...serverAnswer(r),
            sessions: r.ok ? r.value.map(toSessionJson) : [],
          })),
        );
      } else {
        const rows = results.flatMap((r) => r.ok ? r.value : []);
        io.out(table(io, rows, withServerColumn(SESSION_COLUMNS)));
      }
      reportServerFailures(context, results);
    });

  program.command("session")
    .description("Show one session in detail")
    .argument("<id>", "session id")
    .option("-s, --server <host>", "the server (default: this computer)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  winsession session 2
  winsession session 3 --server RDS01 --json`,
    )
    .action(async (idText, options) => {
      const id = parseDword(idText, "session id");
      const session = await getSession(id, { server: serverName(options.server) });
      if (options.json) {
        printJson(io, toSessionJson(session));
        return;
      }
      const fields: [string, string][] = [
        ["Server", session.server === "" ? "(local)" : session.server],
        ["Id", String(session.id)],
        ["Station", session.stationName],
        ["State", session.state],
        ["User", account(session.domain, session.user)],
        ["Client", session.clientName],
        ["Address", session.clientAddress ?? ""],
        ["Protocol", session.protocol],
        ["Logon", humanTime(session.logonTime)],
        ["Connected", humanTime(session.connectTime)],
        ["Disconnected", humanTime(session.disconnectTime)],
        ["Last input", humanTime(session.lastInputTime)],
        ["Idle", humanDuration(session.idleMs)],
      ];
      const width = Math.max(...fields.map(([label]) => label.length)) + 1;
      io.out(
        fields.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}`.trimEnd())
          .join("\n") + "\n",
      );
    });

  const sessionAction = (
    name: "disconnect" | "logoff",
    description: string,
    verb: string,
    done: string,
    run: typeof disconnectSession,
  ) =>
    program.command(name)
      .description(description)
      .argument("<id>", "session id")
      .option("-s, --server <host>", "the server (default: this computer)")
      .option("-w, --wait", "return only when the session has been " + done.toLowerCase())
      .option("-y, --yes", "do not ask for confirmation (needed without a terminal)")
      .addHelpText(
        "after",
        `
The session is looked up first and shown in the question; an unknown id fails before anything
is asked. Without a terminal, --yes is required (exit code 5 otherwise).

Examples:
  winsession ${name} 3
  winsession ${name} 3 --server RDS01 --wait --yes`,
      )
      .action(async (idText, options) => {
        const id = parseDword(idText, "session id");
        const server = serverName(options.server);
        const session = await getSession(id, { server });
        const who = session.user === "" ? "no user" : account(session.domain, session.user);
        const station = session.stationName === "" ? "" : `${session.stationName}, `;
        await confirm(
          io,
          `${verb} session ${id} (${station}${who}, ${session.state}) on ${serverLabel(server)}?`,
          options.yes,
        );
        await run(id, { server, wait: options.wait ?? false });
        io.out(`${done} session ${id} (${who}).\n`);
      });

  sessionAction(
    "disconnect",
    "Disconnect a session (its user stays logged on; like tsdiscon)",
    "Disconnect",
    "Disconnected",
    disconnectSession,
  );
  sessionAction(
    "logoff",
    "Log a session off (its programs close; like logoff)",
    "Log off",
    "Logged off",
    logoffSession,
  );

  program.command("message")
    .description("Show a message box in a session, or in every user session (like msg)")
    .argument("<target>", 'session id, or "all" for every session with a user')
    .argument("<text>", "the message")
    .option("-t, --title <title>", "title of the message box", "Message")
    .option("--timeout <seconds>", "close the box after this many seconds (0 = never)", "0")
    .option("-w, --wait", "wait for the answer and print it (otherwise: async)")
    .addOption(
      new Option("--buttons <buttons>", "buttons of the box").choices(
        ["ok", "okCancel", "abortRetryIgnore", "yesNoCancel", "yesNo", "retryCancel"] as const,
      ).default("ok" as const),
    )
    .addOption(
      new Option("--icon <icon>", "icon of the box").choices(
        ["none", "error", "question", "warning", "information"] as const,
      ).default("none" as const),
    )
    .option("-s, --server <host>", "the server (default: this computer)")
    .option("--json", "print the answers as JSON")
    .addHelpText(
      "after",
      `
Answers: ok, cancel, yes, no, abort, retry, ignore, tryAgain, continue, timeout (the box timed
out), async (not waited for). With "all", sessions without a user (Services, listeners) are
skipped, every other session gets the message at the same time, and each answer is reported; a
session that fails gets a line on stderr (exit 6 if some failed, 1 if all failed).

Examples:
  winsession message 2 "Server restarts at 18:00"
  winsession message all "Please save your work" --title "Maintenance" --timeout 60
  winsession message 2 "Log off now?" --buttons yesNo --icon question --wait`,
    )
    .action(async (target, text, options) => {
      const server = serverName(options.server);
      const timeoutSeconds = parseDword(options.timeout, "--timeout");
      let sessions: Session[];
      if (target.trim().toLowerCase() === "all") {
        sessions = (await listSessions({ server })).filter((s) => s.user !== "");
        if (sessions.length === 0) {
          io.err(`winsession: no session with a user on ${serverLabel(server)}: nothing sent\n`);
          return;
        }
      } else {
        sessions = [await getSession(parseDword(target, "session id"), { server })];
      }
      const answers = await Promise.allSettled(sessions.map((session) =>
        sendMessage(session.id, {
          server,
          title: options.title,
          text,
          buttons: options.buttons as MessageButtons,
          icon: options.icon as MessageIcon,
          timeoutSeconds,
          wait: options.wait ?? false,
        })
      ));
      const rows: { session: Session; response: MessageResponse }[] = [];
      answers.forEach((answer, i) => {
        const session = sessions[i]!;
        if (answer.status === "fulfilled") rows.push({ session, response: answer.value });
        else {
          const reason = answer.reason;
          if (sessions.length === 1) throw reason;
          io.err(
            `winsession: session ${session.id}: ${
              reason instanceof Error ? reason.message : String(reason)
            }\n`,
          );
        }
      });
      if (options.json) {
        printJson(
          io,
          rows.map(({ session, response }) => ({
            sessionId: session.id,
            user: session.user,
            response,
          })),
        );
      } else {
        io.out(table(io, rows, [
          { header: "ID", cell: (r) => String(r.session.id), right: true },
          { header: "USER", cell: (r) => r.session.user },
          { header: "SESSION", cell: (r) => r.session.stationName },
          { header: "ANSWER", cell: (r) => r.response },
        ]));
      }
      if (rows.length < sessions.length) {
        context.exitCode = rows.length === 0 ? ExitCode.WindowsError : ExitCode.Partial;
      }
    });

  program.command("processes")
    .description("List processes with their session and user (like query process)")
    .option("--session <id>", "only the processes of this session")
    .option("-s, --server <host>", "query this server (repeat for several)", collect)
    .option("--timeout <seconds>", "per-server timeout with several --server (default 10)")
    .option("--json", "print JSON instead of a table")
    .addHelpText(
      "after",
      `
MEMORY is the working set; CPU is user + kernel time. THREADS, HANDLES, MEMORY and CPU are empty
when the server only supports the basic process list.

Examples:
  winsession processes
  winsession processes --session 2
  winsession processes --server RDS01 --server RDS02 --json
${MULTI_SERVER_HELP}`,
    )
    .action(async (options) => {
      const session = options.session === undefined
        ? undefined
        : parseDword(options.session, "session id");
      const servers = serverNames(options.server);
      const timeout = timeoutMs(options.timeout);
      if (servers.length <= 1) {
        const processes = await listProcesses({ server: servers[0], session });
        if (options.json) printJson(io, processes.map(toProcessJson));
        else io.out(table(io, processes, PROCESS_COLUMNS));
        return;
      }
      const results = await listProcessesOnServers(servers, {
        session,
        timeoutMs: timeout,
        signal: context.signal,
      });
      if (options.json) {
        printJson(
          io,
          results.map((r): ServerProcessesJson => ({
            ...serverAnswer(r),
            processes: r.ok ? r.value.map(toProcessJson) : [],
          })),
        );
      } else {
        const rows = results.flatMap((r) => r.ok ? r.value : []);
        io.out(table(io, rows, withServerColumn(PROCESS_COLUMNS)));
      }
      reportServerFailures(context, results);
    });

  program.command("kill")
    .description("Terminate a process (like tskill)")
    .argument("<pid>", "process id")
    .option("-s, --server <host>", "the server (default: this computer)")
    .option("--exit-code <code>", "exit code the process ends with", "1")
    .option("-y, --yes", "do not ask for confirmation (needed without a terminal)")
    .addHelpText(
      "after",
      `
The process is looked up first and named in the question; an unknown pid fails (exit 1) before
anything is asked. Without a terminal, --yes is required (exit code 5 otherwise).

Examples:
  winsession kill 4242
  winsession kill 4242 --server RDS01 --yes`,
    )
    .action(async (pidText, options) => {
      const pid = parseDword(pidText, "process id");
      const exitCode = parseDword(options.exitCode, "--exit-code");
      const server = serverName(options.server);
      const process = (await listProcesses({ server })).find((p) => p.pid === pid);
      if (!process) {
        throw new CliError(
          `no process with id ${pid} on ${serverLabel(server)}`,
          ExitCode.WindowsError,
        );
      }
      await confirm(
        io,
        `Terminate process ${pid} (${process.name}, session ${process.sessionId}) on ${
          serverLabel(server)
        }?`,
        options.yes,
      );
      await terminateProcess(pid, { server, exitCode });
      io.out(`Terminated process ${pid} (${process.name}).\n`);
    });

  program.command("watch")
    .description("Print session events (logon, logoff, connect, ...) as they happen, until Ctrl+C")
    .option("-s, --server <host>", "the server (default: this computer)")
    .option("--json", "one JSON object per line: { type, flags, at, server }")
    .addHelpText(
      "after",
      `
Event types: create, delete, rename, connect, disconnect, logon, logoff, stateChange, licence.
Ctrl+C stops watching cleanly (exit 0).

Examples:
  winsession watch
  winsession watch --server RDS01 --json | jq .type`,
    )
    .action(async (options) => {
      const server = serverName(options.server);
      const stop = new AbortController();
      const onInterrupt = () => stop.abort();
      const signals = context.signal ? [stop.signal, context.signal] : [stop.signal];
      const signal = AbortSignal.any(signals);
      let listening = false;
      try {
        Deno.addSignalListener("SIGINT", onInterrupt);
        listening = true;
      } catch {
        // No signal support here (permissions or platform): the context signal still ends it.
      }
      try {
        // The note is printed once the watch has really begun, so a watch that cannot start
        // (no --allow-ffi, unknown server) prints exactly one error line.
        const onWatching = options.json
          ? undefined
          : () => io.err(`Watching session events on ${serverLabel(server)} (Ctrl+C to stop)\n`);
        for await (const event of watchSessions({ server, signal, onWatching })) {
          if (options.json) io.out(JSON.stringify(toEventJson(event)) + "\n");
          else {
            const where = event.server === "" ? "" : `  ${event.server}`;
            io.out(`${eventTime(event.at)}  ${event.type}${where}\n`);
          }
          if (signal.aborted) break;
        }
      } finally {
        if (listening) Deno.removeSignalListener("SIGINT", onInterrupt);
      }
    });

  program.command("servers")
    .description("List Remote Desktop servers in a domain")
    .argument("[domain]", "the domain (default: the current one)")
    .option("--json", "print JSON: [{ name }]")
    .addHelpText(
      "after",
      `
Examples:
  winsession servers
  winsession servers CONTOSO --json`,
    )
    .action(async (domain, options) => {
      const names = await listServers(domain);
      if (options.json) printJson(io, names.map((name) => ({ name })));
      else io.out(names.map((name) => name + "\n").join(""));
    });
}
