/**
 * `winsession session <id>`: one session in detail, as labelled lines or JSON.
 *
 * @module
 */

import type { Command } from "./commander.ts";
import { type CliContext, humanDuration, humanTime, parseDword, printJson } from "./common.ts";
import { currentSessionId, getSession } from "../mod.ts";
import { account, onServer, serverName, toSessionJson } from "./_session_format.ts";

/** Adds `session` to `program`. */
export function registerSessionCommand(program: Command, context: CliContext): void {
  const { io } = context;
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
      const server = serverName(options.server);
      const session = await onServer(server, () => getSession(id, { server }));
      if (options.json) {
        printJson(io, toSessionJson(session, server === undefined ? currentSessionId() : null));
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
}
