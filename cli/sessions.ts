/**
 * `winsession sessions`: the sessions of one server or several at once, like qwinsta/quser, as
 * a table (default) or JSON (`--json`).
 *
 * @module
 */

import type { Command } from "./commander.ts";
import { type CliContext, collect, printJson } from "./common.ts";
import { listSessions, listSessionsOnServers } from "../mod.ts";
import {
  listOnOneServer,
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

/** Adds `sessions` to `program`. */
export function registerSessionsCommand(program: Command, context: CliContext): void {
  const { io } = context;
  program.command("sessions")
    .description("List Remote Desktop sessions (like qwinsta/quser)")
    .option("-s, --server <host>", "query this server (repeat for several)", collect)
    .option("--timeout <seconds>", "per-server timeout for --server (default 10 with several)")
    .option("--json", "print JSON instead of a table")
    .addHelpText(
      "after",
      `
Examples:
  winsession sessions
  winsession sessions --server RDS01 --server RDS02
  winsession sessions --server RDS01 --timeout 5
  winsession sessions --json
${MULTI_SERVER_HELP}`,
    )
    .action(async (options) => {
      const servers = serverNames(options.server);
      const timeout = timeoutMs(options.timeout);
      if (servers.length <= 1) {
        const sessions = await listOnOneServer(
          servers[0],
          timeout,
          context.signal,
          listSessions,
          listSessionsOnServers,
        );
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
}
