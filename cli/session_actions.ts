/**
 * `winsession disconnect` and `winsession logoff`: the two destructive session actions (like
 * tsdiscon and logoff), on a session id, a user's sessions or every user session, on one server
 * or several. Each looks the sessions up, refuses the targets that are almost always a mistake
 * (or skips them under `all`), lists every target in the confirmation (or, with `--dry-run`,
 * only says what it would do), acts on each only if it is still the session confirmed, and
 * reports per session what was done.
 *
 * @module
 */

import type { Command } from "./commander.ts";
import {
  type CliContext,
  CliError,
  collect,
  confirm,
  ExitCode,
  formatTable,
  printJson,
} from "./common.ts";
import {
  currentSessionId,
  disconnectSession,
  logoffSession,
  parseSessionTarget,
  type Session,
} from "../mod.ts";
import {
  account,
  onServer,
  reportServerFailures,
  serverLabel,
  serverNames,
  table,
  timeoutMs,
} from "./_session_format.ts";
import {
  actOnEach,
  describeSession,
  findSessions,
  noMatch,
  type Outcome,
  outcomeExitCode,
  reportOutcomes,
  SESSION_TARGET_COLUMNS,
  sessionTargetJson,
  whereLabel,
} from "./_targets.ts";

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

interface ActionOptions {
  allowListener?: boolean;
  allowOwnSession?: boolean;
}

/**
 * Why a target is refused without an extra flag (exit 2, or skipped with a note under `all`),
 * or null:
 * - A listener (state Listen, such as 65536 "RDP-Tcp") is not a user's session but the
 *   endpoint new connections arrive at. Microsoft's Remote Desktop Services Manager help: "If
 *   you reset a listener session, all sessions that use that connection are reset"
 *   (http://winintro.ru/ts_manager.en/html/504ea991-e6d3-49c7-848b-0ec70f231bf9.htm, the
 *   Windows Server 2008 R2 TS Manager help, "Reset a user session"); WTSLogoffSession on it is
 *   that reset. Disconnecting it is no more meaningful, so both actions refuse it. A listener
 *   has no user, so only an id names it: `all` and user names never match one.
 * - The caller's own session (local server only: `currentSessionId()`): logging it off ends
 *   winsession's own shell and the admin's unsaved work. Disconnecting it is refused neither:
 *   the user stays logged on and can reconnect; the question and the report say "your own
 *   session" so it is not a surprise.
 */
function refusal(
  spec: ActionSpec,
  session: Session,
  own: boolean,
  options: ActionOptions,
): { reason: string; note: string } | null {
  if (session.state === "Listen" && !options.allowListener) {
    return {
      reason: `it is a listener, not a user's session; ${spec.name} on it resets the listener ` +
        `and every session connected through it, and nobody can connect until it is back ` +
        `(pass ${ALLOW_LISTENER} to do it anyway)`,
      note: `a listener (pass ${ALLOW_LISTENER} to include it)`,
    };
  }
  if (own && spec.name === "logoff" && !options.allowOwnSession) {
    return {
      reason: `it is your own session (winsession runs in it), and logging it off closes your ` +
        `programs (pass ${ALLOW_OWN_SESSION} to do it anyway)`,
      note: `your own session (pass ${ALLOW_OWN_SESSION} to include it)`,
    };
  }
  return null;
}

const plural = (count: number, one: string) => count === 1 ? `1 ${one}` : `${count} ${one}s`;

function registerSessionAction(program: Command, context: CliContext, spec: ActionSpec): void {
  const { io } = context;
  const { name, done } = spec;
  const command = program.command(name)
    .description(spec.description)
    .argument("<target>", "session id, user (alice or CONTOSO\\alice), or all (*)")
    .option(
      "-s, --server <host>",
      "the server (default: this computer; repeat for several)",
      collect,
    )
    .option(
      "--timeout <seconds>",
      "per-server lookup timeout for --server (default 10 with several)",
    )
    .option("-w, --wait", "return only when the session has been " + done.toLowerCase())
    .option("-y, --yes", "do not ask for confirmation (needed without a terminal)")
    .option("-n, --dry-run", "look the sessions up and say what would be done; do nothing")
    .option("--json", "print what was done (or with --dry-run, would be) per session as JSON")
    .option(ALLOW_LISTENER, "allow a listener session (state Listen, such as 65536 RDP-Tcp)");
  if (name === "logoff") {
    command.option(ALLOW_OWN_SESSION, "allow logging off the session winsession runs in");
  }
  command
    .addHelpText(
      "after",
      `
The target is a session id, a user name (alice: that user's sessions in any domain;
CONTOSO\\alice: in that domain; case-insensitive), or all / * (every session with a user:
Services and listeners are never included). Digits are always an id: write a user named by
digits as DOMAIN\\1234, a user named "all" as DOMAIN\\all.

The sessions are looked up first and shown in the question (several: one line each, with their
server); an unknown id, or a name that matches nothing, fails (exit 1) before anything is asked.
Without a terminal, --yes is required (exit code 5 otherwise). A listener session (state
Listen, such as 65536 RDP-Tcp) is refused (exit 2) without ${ALLOW_LISTENER}: acting on it
resets the listener and nobody can connect.${
        name === "logoff"
          ? `
Your own session (on this computer) is refused (exit 2) without ${ALLOW_OWN_SESSION}; with
"all" it is skipped with a note instead, and the others are logged off.`
          : `
Disconnecting your own session is allowed; the question says it is yours.`
      }
Just before acting, each session is read again; if its user or logon time changed (a prompt
left open while the user logged off and the id was reused), nothing is done to it (exit 7).
--dry-run does the same lookup and checks, prints what would be done, and exits 0.

With several targets or servers, the result is a table (--json: one object per session:
{ server, id, user, domain, stationName, state, result, reason?, errorCode? }, result being
done, changed, failed or skipped). Exit code: 0 all done; 7 some changed, none failed; 6 some
done and some failed (or a server did not answer: one line on stderr); 1 nothing done;
130 Ctrl+C stopped before the rest (reported as skipped).

Examples:
  winsession ${name} 3
  winsession ${name} 3 --dry-run
  winsession ${name} alice --server RDS01 --server RDS02
  winsession ${name} CONTOSO\\alice --yes
  winsession ${name} all --dry-run --json
  winsession ${name} 3 --server RDS01 --wait --yes`,
    )
    .action(async (targetText, options) => {
      const target = parseSessionTarget(targetText);
      const servers = serverNames(options.server);
      const found = await findSessions(context, {
        servers,
        timeoutMs: timeoutMs(options.timeout),
      }, target);
      if (found.targets.length === 0) {
        throw noMatch(context, found, `session of "${targetText.trim()}"`, servers);
      }
      const ownId = servers.length === 0 ? currentSessionId() : null;
      const isOwn = (s: Session) => s.server === "" && s.id === ownId;
      const targets: Session[] = [];
      const skipped: Outcome<Session>[] = [];
      for (const session of found.targets) {
        const refused = refusal(spec, session, isOwn(session), options);
        if (refused === null) targets.push(session);
        else if (target.kind === "all") {
          skipped.push({ target: session, result: "skipped", reason: refused.note });
        } else {
          const what = `${spec.verb.toLowerCase()} session ${describeSession(session)}`;
          throw new CliError(`refusing to ${what}: ${refused.reason}`, ExitCode.Usage);
        }
      }
      const one = targets.length === 1 && skipped.length === 0 && servers.length <= 1 &&
        !options.json;
      if (one) return await actOnOne(context, spec, targets[0]!, isOwn(targets[0]!), options);
      reportServerFailures(context, found.failed);
      for (const s of skipped) {
        io.err(`winsession: skipping session ${describeSession(s.target)}: ${s.reason}\n`);
      }
      const where = whereLabel(servers);
      const count = plural(targets.length, "session");
      if (targets.length === 0 && !options.json) {
        io.out(
          `Nothing to ${spec.verb.toLowerCase()} on ${where}: every matching session was ` +
            `skipped (see above); nothing was done.\n`,
        );
        context.exitCode = outcomeExitCode([], found.failed.length);
        return;
      }
      if (options.dryRun) {
        if (options.json) {
          printJson(io, {
            dryRun: true,
            action: name,
            targets: targets.map(sessionTargetJson),
            skipped: skipped.map((s) => ({ ...sessionTargetJson(s.target), reason: s.reason })),
          });
        } else {
          io.out(
            `Would ${spec.verb.toLowerCase()} ${count} on ${where} (dry run: nothing was done):\n`,
          );
          io.out(table(io, targets, SESSION_TARGET_COLUMNS));
        }
        return;
      }
      if (targets.length > 0) {
        if (!options.yes) {
          io.err(
            `${spec.verb} ${count} on ${where}:\n${formatTable(targets, SESSION_TARGET_COLUMNS)}`,
          );
        }
        await confirm(io, `${spec.verb} these ${count}?`, options.yes);
      }
      const outcomes = await actOnEach(context, targets, (s) =>
        spec.run(s.id, {
          server: s.server === "" ? undefined : s.server,
          wait: options.wait ?? false,
          expect: { user: s.user, domain: s.domain, logonTime: s.logonTime },
        }));
      reportOutcomes(
        context,
        options,
        [...skipped, ...outcomes],
        found.failed.length,
        SESSION_TARGET_COLUMNS,
        sessionTargetJson,
        done.toLowerCase(),
      );
    });
}

/** One session on one server: the question and the report are one line each. */
async function actOnOne(
  context: CliContext,
  spec: ActionSpec,
  session: Session,
  own: boolean,
  options: { dryRun?: boolean; yes?: boolean; wait?: boolean },
): Promise<void> {
  const { io } = context;
  const server = session.server === "" ? undefined : session.server;
  const yours = own ? ", your own session" : "";
  const target = `session ${describeSession(session)}${yours} on ${serverLabel(server)}`;
  if (options.dryRun) {
    io.out(`Would ${spec.verb.toLowerCase()} ${target} (dry run: nothing was done).\n`);
    return;
  }
  await confirm(io, `${spec.verb} ${target}?`, options.yes);
  await onServer(server, () =>
    spec.run(session.id, {
      server,
      wait: options.wait ?? false,
      expect: { user: session.user, domain: session.domain, logonTime: session.logonTime },
    }));
  const who = session.user === "" ? "no user" : account(session.domain, session.user);
  io.out(`${spec.done} session ${session.id} (${who}${yours}).\n`);
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
