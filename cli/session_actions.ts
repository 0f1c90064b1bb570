/**
 * `winsession disconnect` and `winsession logoff`: the two destructive session actions (like
 * tsdiscon and logoff), which look the session up, show it in the confirmation and then act.
 *
 * @module
 */

import type { Command } from "./commander.ts";
import { type CliContext, confirm, parseDword } from "./common.ts";
import { disconnectSession, getSession, logoffSession } from "../mod.ts";
import { account, serverLabel, serverName } from "./_session_format.ts";

/** Adds `disconnect` and `logoff` to `program`. */
export function registerSessionActionCommands(program: Command, context: CliContext): void {
  const { io } = context;
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
}
