/**
 * `winsession sessions`: the sessions of one server or several at once, like qwinsta/quser, as
 * a table (default) or JSON (`--json`), optionally filtered by user, state, idle time and
 * client; on this computer the caller's own session is marked as quser marks it.
 *
 * @module
 */

import type { Command } from "./commander.ts";
import { type CliContext, collect, parseDurationOption, printJson } from "./common.ts";
import {
  currentSessionId,
  filterSessions,
  listSessions,
  listSessionsOnServers,
  parseSessionState,
  parseSessionTarget,
  type Session,
  type SessionFilter,
} from "../mod.ts";
import {
  listOnOneServer,
  localSessionColumns,
  MULTI_SERVER_HELP,
  reportServerFailures,
  serverAnswer,
  serverNames,
  type ServerSessionsJson,
  SESSION_COLUMNS,
  table,
  timeoutMs,
  toSessionJson,
  withServerColumn,
} from "./_session_format.ts";

interface FilterOptions {
  user?: string[];
  state?: string[];
  idle?: string;
  client?: string[];
}

/** The filter the options ask for; bad values are usage errors (exit 2) before any call. */
function sessionFilter(options: FilterOptions): SessionFilter {
  const filter: SessionFilter = {};
  if (options.user) {
    filter.users = options.user.map((name) => {
      if (parseSessionTarget(name).kind !== "user") {
        throw new TypeError(`--user needs a user name (alice or CONTOSO\\alice), got "${name}"`);
      }
      return name;
    });
  }
  if (options.state) {
    filter.states = options.state.flatMap((text) => text.split(",")).map(parseSessionState);
  }
  if (options.idle !== undefined) {
    filter.idleLongerThanMs = parseDurationOption(options.idle, "--idle");
  }
  if (options.client) filter.clients = options.client;
  return filter;
}

/** Adds `sessions` to `program`. */
export function registerSessionsCommand(program: Command, context: CliContext): void {
  const { io } = context;
  program.command("sessions")
    .description("List Remote Desktop sessions (like qwinsta/quser)")
    .option("-s, --server <host>", "query this server (repeat for several)", collect)
    .option("--timeout <seconds>", "per-server timeout for --server (default 10 with several)")
    .option(
      "--user <name>",
      "only this user's sessions: alice or CONTOSO\\alice (repeatable)",
      collect,
    )
    .option(
      "--state <state>",
      "only sessions in this state: active, disc, listen… (repeatable)",
      collect,
    )
    .option("--idle <duration>", "only sessions idle for longer than this: 90s, 30m, 2h, 1d")
    .option(
      "--client <name>",
      "only sessions from this client name or address (repeatable)",
      collect,
    )
    .option("--json", "print JSON instead of a table")
    .addHelpText(
      "after",
      `
Filters: --user (case-insensitive; without a domain, any domain), --state (Active, Connected,
ConnectQuery, Shadow, Disconnected, Idle, Listen, Reset, Down, Init, case-insensitive, also
quser's Disc and Conn; repeat or separate by commas), --idle (longer than; sessions whose idle
time Windows does not report are left out), --client (the client's name or address, exact,
case-insensitive). A session must pass every filter given; each repeated one is "any of".
On this computer, your own session is marked ">" before its user, as quser does, and has
current: true in --json (always false for a named server).

Examples:
  winsession sessions
  winsession sessions --state disc --idle 1d
  winsession sessions --user CONTOSO\\alice --server RDS01 --server RDS02
  winsession sessions --client LAPTOP-7 --json
${MULTI_SERVER_HELP}`,
    )
    .action(async (options) => {
      const filter = sessionFilter(options);
      const pick = (sessions: Session[]) => filterSessions(sessions, filter);
      const servers = serverNames(options.server);
      const timeout = timeoutMs(options.timeout);
      if (servers.length <= 1) {
        const sessions = pick(
          await listOnOneServer(
            servers[0],
            timeout,
            context.signal,
            listSessions,
            listSessionsOnServers,
          ),
        );
        const currentId = servers.length === 0 ? currentSessionId() : null;
        if (options.json) printJson(io, sessions.map((s) => toSessionJson(s, currentId)));
        else {
          const columns = currentId === null ? SESSION_COLUMNS : localSessionColumns(currentId);
          io.out(table(io, sessions, columns));
        }
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
            sessions: r.ok ? pick(r.value).map((s) => toSessionJson(s)) : [],
          })),
        );
      } else {
        const rows = results.flatMap((r) => r.ok ? pick(r.value) : []);
        io.out(table(io, rows, withServerColumn(SESSION_COLUMNS)));
      }
      reportServerFailures(context, results);
    });
}
