/**
 * `winsession watch`: session events (logon, logoff, connect, lock, …) as they happen, saying
 * who, on one server or several merged, as text lines or one JSON object per line, until Ctrl+C.
 *
 * @module
 */

import type { Command } from "./commander.ts";
import {
  type CliContext,
  CliError,
  collect,
  ExitCode,
  humanTime,
  parseSecondsOption,
} from "./common.ts";
import { type WatchEvent, watchServers, watchSessions } from "../mod.ts";
import { account, namingServer, serverLabel, serverNames } from "./_session_format.ts";

/** `watch --json`, one line per event: a session event, or a server's failure. */
export type EventJson =
  | {
    type: string;
    flags: number;
    at: string;
    server: string;
    sessionId: number | null;
    user: string;
    domain: string;
    stateBefore: string | null;
    state: string | null;
    clientName: string;
    clientAddress: string | null;
    locked: boolean | null;
  }
  | { type: "error"; at: string; server: string; error: string; errorCode?: number };

/** The `--json` form of an event (one compact object per line; fields copied by name). */
export function toEventJson(event: WatchEvent): EventJson {
  const at = event.at.toISOString();
  if (event.type === "error") {
    const code = (event.error as { code?: unknown }).code;
    return {
      type: "error",
      at,
      server: event.server,
      error: event.error.message,
      ...(typeof code === "number" ? { errorCode: code } : {}),
    };
  }
  return {
    type: event.type,
    flags: event.flags,
    at,
    server: event.server,
    sessionId: event.sessionId,
    user: event.user,
    domain: event.domain,
    stateBefore: event.stateBefore,
    state: event.state,
    clientName: event.clientName,
    clientAddress: event.clientAddress,
    locked: event.locked,
  };
}

/** "2026-11-22 14:05:33": an event's local time to the second. */
function eventTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${humanTime(date)}:${pad(date.getSeconds())}`;
}

/** One text line: time, type, server, session, user, state change, client. */
export function eventLine(event: WatchEvent): string {
  const parts = [eventTime(event.at), event.type, event.server];
  if (event.type === "error") parts.push(event.error.message);
  else if (event.sessionId !== null) {
    const { stateBefore, state } = event;
    const states = stateBefore !== null && state !== null && stateBefore !== state
      ? `${stateBefore} -> ${state}`
      : state ?? stateBefore ?? "";
    const client = [event.clientName, event.clientAddress ?? ""].filter((p) => p !== "");
    parts.push(
      `session ${event.sessionId}`,
      account(event.domain, event.user),
      states,
      client.join(" "),
    );
  }
  return parts.filter((part) => part !== "").join("  ");
}

/** Adds `watch` to `program`. */
export function registerWatchCommand(program: Command, context: CliContext): void {
  const { io } = context;
  program.command("watch")
    .description("Print session events (logon, logoff, connect, ...) as they happen, until Ctrl+C")
    .option(
      "-s, --server <host>",
      "the server (default: this computer; repeat for several)",
      collect,
    )
    .option("--json", "one JSON object per line (fields below)")
    .option("--lock-state", "also report lock and unlock (one more query per session)")
    .option(
      "--poll <seconds>",
      "also re-read the sessions this often (default 5 with --lock-state)",
    )
    .option("--raw", "only the WTS_EVENT bits Windows returns, without listing the sessions")
    .addHelpText(
      "after",
      `
Windows' wait only says THAT something happened; watch lists the sessions when it starts and
after each wake and prints what changed: create, delete, logon, logoff, connect, disconnect,
stateChange, and with --lock-state lock and unlock (no Windows event reports a lock, so they are
found at the next wake or --poll re-reading). A wake that changed nothing visible prints its
raw event types (rename, licence, ...). Ctrl+C stops watching cleanly (exit 0).

With several --server the events are merged, each naming its server; a server that fails gets
one line on stderr (with --json: an "error" object in the stream) and the others go on (exit 6
then, 1 if all failed).

--json: { type, flags, at, server, sessionId, user, domain, stateBefore, state, clientName,
clientAddress, locked }, or { type: "error", at, server, error, errorCode? }.

Examples:
  winsession watch
  winsession watch --server RDS01 --server RDS02 --json | jq 'select(.type == "logon") | .user'
  winsession watch --lock-state --poll 10`,
    )
    .action(async (options) => {
      const servers = serverNames(options.server);
      if (options.raw && (options.lockState || options.poll !== undefined)) {
        throw new CliError("--raw lists no sessions, so it cannot take --lock-state or --poll");
      }
      const pollSeconds = options.poll === undefined
        ? (options.lockState ? 5 : undefined)
        : parseSecondsOption(options.poll, "--poll");
      const pollMs = pollSeconds === undefined ? undefined : Math.round(pollSeconds * 1000);
      const stop = new AbortController();
      const onInterrupt = () => stop.abort();
      const signals = context.signal ? [stop.signal, context.signal] : [stop.signal];
      const signal = AbortSignal.any(signals);
      const watchOptions = {
        signal,
        details: !options.raw,
        lockState: options.lockState ?? false,
        pollMs: options.raw ? undefined : pollMs,
      };
      let listening = false;
      try {
        Deno.addSignalListener("SIGINT", onInterrupt);
        listening = true;
      } catch {
        // No signal support here (permissions or platform): the context signal still ends it.
      }
      const print = (event: WatchEvent) =>
        io.out((options.json ? JSON.stringify(toEventJson(event)) : eventLine(event)) + "\n");
      // The note is printed once a watch has really begun, so a watch that cannot start
      // (no --allow-ffi, unknown server) prints exactly one error line.
      const note = (server: string | undefined) => {
        if (!options.json) {
          io.err(`Watching session events on ${serverLabel(server)} (Ctrl+C to stop)\n`);
        }
      };
      try {
        if (servers.length <= 1) {
          const server = servers[0];
          try {
            const events = watchSessions({
              ...watchOptions,
              server,
              onWatching: () => note(server),
            });
            for await (const event of events) {
              print(event);
              if (signal.aborted) break;
            }
          } catch (error) {
            throw namingServer(server, error);
          }
          return;
        }
        const failed = new Set<string>();
        for await (const event of watchServers(servers, { ...watchOptions, onWatching: note })) {
          if (event.type === "error") {
            failed.add(event.server.toLowerCase());
            // Text: one stderr line, as every multi-server command reports a failed server
            // (stdout may be a log file). JSON: an object in the stream, for the script.
            if (!options.json) {
              io.err(`winsession: ${event.server}: ${event.error.message}\n`);
              continue;
            }
          }
          print(event);
          if (signal.aborted) break;
        }
        const watched = new Set(servers.map((server) => server.toLowerCase())).size;
        if (failed.size > 0) {
          context.exitCode = failed.size === watched ? ExitCode.WindowsError : ExitCode.Partial;
        }
      } finally {
        if (listening) Deno.removeSignalListener("SIGINT", onInterrupt);
      }
    });
}
