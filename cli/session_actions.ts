/**
 * `winsession disconnect` and `winsession logoff`: the two destructive session actions (like
 * tsdiscon and logoff). Each looks the session up, refuses the targets that are almost always
 * a mistake, shows the session in the confirmation (or, with `--dry-run`, only says what it
 * would do), and acts only if the session is still the one confirmed.
 *
 * @module
 */

import type { Command } from "./commander.ts";
import { type CliContext, CliError, confirm, ExitCode, parseDword } from "./common.ts";
import {
  currentSessionId,
  disconnectSession,
  getSession,
  logoffSession,
  type Session,
} from "../mod.ts";
import { account, onServer, serverLabel, serverName } from "./_session_format.ts";

/** The flag that allows acting on a listener session. */
export const ALLOW_LISTENER = "--allow-listener";
/** The flag that allows logging off the caller's own session. */
export const ALLOW_OWN_SESSION = "--allow-own-session";

interface ActionSpec {
  name: "disconnect" | "logoff";
  description: string;
  /** "Disconnect" / "Log off", for the question. */
  verb: string;
  /** "Disconnected" / "Logged off", for the report. */
  done: string;
  run: typeof disconnectSession;
}

/** How a session is shown in questions and reports: `2 (RDP-Tcp#3, CONTOSO\bob, Active)`. */
function describeSession(session: Session): string {
  const who = session.user === "" ? "no user" : account(session.domain, session.user);
  const station = session.stationName === "" ? "" : `${session.stationName}, `;
  return `${session.id} (${station}${who}, ${session.state})`;
}

/**
 * The targets refused without an extra flag, and why (exit 2):
 * - A listener (state Listen, such as 65536 "RDP-Tcp") is not a user's session but the
 *   endpoint new connections arrive at. Microsoft's Remote Desktop Services Manager help: "If
 *   you reset a listener session, all sessions that use that connection are reset"
 *   (http://winintro.ru/ts_manager.en/html/504ea991-e6d3-49c7-848b-0ec70f231bf9.htm, the
 *   Windows Server 2008 R2 TS Manager help, "Reset a user session"); WTSLogoffSession on it is
 *   that reset. Disconnecting it is no more meaningful, so both actions refuse it.
 * - The caller's own session (local server only: `currentSessionId()`): logging it off ends
 *   winsession's own shell and the admin's unsaved work. Disconnecting it is refused neither:
 *   the user stays logged on and can reconnect; the question and the report say "your own
 *   session" so it is not a surprise.
 */
function refuseUnlessAllowed(
  spec: ActionSpec,
  session: Session,
  own: boolean,
  options: { allowListener?: boolean; allowOwnSession?: boolean },
): void {
  const what = `${spec.verb.toLowerCase()} session ${describeSession(session)}`;
  if (session.state === "Listen" && !options.allowListener) {
    throw new CliError(
      `refusing to ${what}: it is a listener, not a user's session; ${spec.name} on it resets ` +
        `the listener and every session connected through it, and nobody can connect until ` +
        `it is back (pass ${ALLOW_LISTENER} to do it anyway)`,
      ExitCode.Usage,
    );
  }
  if (own && spec.name === "logoff" && !options.allowOwnSession) {
    throw new CliError(
      `refusing to ${what}: it is your own session (winsession runs in it), and logging it off ` +
        `closes your programs (pass ${ALLOW_OWN_SESSION} to do it anyway)`,
      ExitCode.Usage,
    );
  }
}

function registerSessionAction(program: Command, context: CliContext, spec: ActionSpec): void {
  const { io } = context;
  const { name, done } = spec;
  const command = program.command(name)
    .description(spec.description)
    .argument("<id>", "session id")
    .option("-s, --server <host>", "the server (default: this computer)")
    .option("-w, --wait", "return only when the session has been " + done.toLowerCase())
    .option("-y, --yes", "do not ask for confirmation (needed without a terminal)")
    .option("-n, --dry-run", "look the session up and say what would be done; do nothing")
    .option(ALLOW_LISTENER, "allow a listener session (state Listen, such as 65536 RDP-Tcp)");
  if (name === "logoff") {
    command.option(ALLOW_OWN_SESSION, "allow logging off the session winsession runs in");
  }
  command
    .addHelpText(
      "after",
      `
The session is looked up first and shown in the question; an unknown id fails before anything
is asked. Without a terminal, --yes is required (exit code 5 otherwise). A listener session
(state Listen, such as 65536 RDP-Tcp) is refused (exit 2) without ${ALLOW_LISTENER}: acting on
it resets the listener and nobody can connect.${
        name === "logoff"
          ? `
Your own session (on this computer) is refused without ${ALLOW_OWN_SESSION}.`
          : `
Disconnecting your own session is allowed; the question says it is yours.`
      }
Just before acting, the session is read again; if its user or logon time changed (a prompt
left open while the user logged off and the id was reused), nothing is done (exit 7).
--dry-run does the same lookup and checks, prints what would be done, and exits 0.

Examples:
  winsession ${name} 3
  winsession ${name} 3 --dry-run
  winsession ${name} 3 --server RDS01 --wait --yes`,
    )
    .action(async (idText, options) => {
      const id = parseDword(idText, "session id");
      const server = serverName(options.server);
      await onServer(server, async () => {
        const session = await getSession(id, { server });
        const own = server === undefined && currentSessionId() === id;
        refuseUnlessAllowed(spec, session, own, options);
        const yours = own ? ", your own session" : "";
        const target = `session ${describeSession(session)}${yours} on ${serverLabel(server)}`;
        if (options.dryRun) {
          io.out(`Would ${spec.verb.toLowerCase()} ${target} (dry run: nothing was done).\n`);
          return;
        }
        await confirm(io, `${spec.verb} ${target}?`, options.yes);
        await spec.run(id, {
          server,
          wait: options.wait ?? false,
          expect: { user: session.user, domain: session.domain, logonTime: session.logonTime },
        });
        const who = session.user === "" ? "no user" : account(session.domain, session.user);
        io.out(`${done} session ${id} (${who}${yours}).\n`);
      });
    });
}

/** Adds `disconnect` and `logoff` to `program`. */
export function registerSessionActionCommands(program: Command, context: CliContext): void {
  registerSessionAction(program, context, {
    name: "disconnect",
    description: "Disconnect a session (its user stays logged on; like tsdiscon)",
    verb: "Disconnect",
    done: "Disconnected",
    run: disconnectSession,
  });
  registerSessionAction(program, context, {
    name: "logoff",
    description: "Log a session off (its programs close; like logoff)",
    verb: "Log off",
    done: "Logged off",
    run: logoffSession,
  });
}
