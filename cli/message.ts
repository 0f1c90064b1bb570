/**
 * `winsession message`: a message box in one session, a user's sessions or every user session
 * (like msg), on one server or several, optionally waiting for the answers.
 *
 * @module
 */

import { type Command, Option } from "./commander.ts";
import {
  type CliContext,
  CliError,
  collect,
  type Column,
  ExitCode,
  parseSecondsOption,
  printJson,
} from "./common.ts";
import {
  type MessageButtons,
  type MessageIcon,
  type MessageResponse,
  parseSessionTarget,
  sendMessage,
  type Session,
} from "../mod.ts";
import {
  namingServer,
  reportServerFailures,
  serverNames,
  table,
  withServerColumn,
} from "./_session_format.ts";
import { findSessions, noMatch, whereLabel } from "./_targets.ts";

/** With several servers, tables get a SERVER column first. */
const columnsFor = <T extends { server: string }>(
  servers: readonly string[],
  columns: Column<T>[],
): Column<T>[] => servers.length > 1 ? withServerColumn(columns) : columns;

/** What `--dry-run` prints: who would get the message, as a table or JSON. */
function printDryRun(
  context: CliContext,
  json: boolean,
  title: string,
  text: string,
  sessions: readonly Session[],
  servers: readonly string[],
): void {
  const { io } = context;
  if (json) {
    printJson(io, {
      dryRun: true,
      title,
      text,
      sessions: sessions.map((s) => ({
        server: s.server,
        sessionId: s.id,
        user: s.user,
        stationName: s.stationName,
      })),
    });
    return;
  }
  const count = sessions.length === 1 ? "1 session" : `${sessions.length} sessions`;
  io.out(
    `Would send "${title}" to ${count} on ${whereLabel(servers)} (dry run: nothing was sent):\n`,
  );
  io.out(table(
    io,
    sessions,
    columnsFor(servers, [
      { header: "ID", cell: (s) => String(s.id), right: true },
      { header: "USER", cell: (s) => s.user },
      { header: "SESSION", cell: (s) => s.stationName },
    ]),
  ));
}

/** Adds `message` to `program`. */
export function registerMessageCommand(program: Command, context: CliContext): void {
  const { io } = context;
  program.command("message")
    .description("Show a message box in a session, or in every user session (like msg)")
    .argument(
      "<target>",
      "session id, user (alice or CONTOSO\\alice), or all (*): every user session",
    )
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
    .option(
      "-s, --server <host>",
      "the server (default: this computer; repeat for several)",
      collect,
    )
    .option("--json", "print the answers as JSON")
    .option("-n, --dry-run", "look the sessions up and say who would get the message; send nothing")
    .addHelpText(
      "after",
      `
Answers: ok, cancel, yes, no, abort, retry, ignore, tryAgain, continue, timeout (the box timed
out), async (not waited for). The target is a session id, a user name (alice: that user's
sessions in any domain; CONTOSO\\alice: in that domain; case-insensitive; no match: exit 1),
or all / * (sessions without a user, Services and listeners, are skipped; none: a note,
exit 0). Every target gets the message at the same time and each answer is reported (--json:
[{ server, sessionId, user, response }]); a session that fails gets a line on stderr (exit 6
if some failed, 1 if all failed). With several --server, the sessions of every server that
answered get it (10 s lookup limit per server) and a server that failed gets a line on stderr
(exit 6). An empty (or blank) text is refused (exit 2). --dry-run looks the sessions up the
same way, lists who would get the message (with --json: { dryRun, title, text, sessions: [{
server, sessionId, user, stationName }] }), sends nothing and exits 0.

Examples:
  winsession message 2 "Server restarts at 18:00"
  winsession message all "Please save your work" --title "Maintenance" --timeout 60
  winsession message all "Please save your work" --dry-run
  winsession message CONTOSO\\alice "Your report is ready" --server RDS01 --server RDS02
  winsession message 2 "Log off now?" --buttons yesNo --icon question --wait`,
    )
    .action(async (target, text, options) => {
      const servers = serverNames(options.server);
      // WTSSendMessageW takes the timeout as a DWORD of seconds; Windows runs that timer.
      const timeoutSeconds = parseSecondsOption(options.timeout, "--timeout", {
        allowZero: true,
        integer: true,
        maxSeconds: 0xffff_ffff,
      });
      if (text.trim() === "") {
        throw new CliError("the message text is empty: give the text to show (nothing was sent)");
      }
      const parsed = parseSessionTarget(target);
      const found = await findSessions(context, { servers, timeoutMs: undefined }, parsed);
      const sessions = found.targets;
      if (sessions.length === 0) {
        if (parsed.kind !== "all") {
          throw noMatch(context, found, `session of "${target.trim()}"`, servers);
        }
        reportServerFailures(context, found.failed);
        io.err(`winsession: no session with a user on ${whereLabel(servers)}: nothing sent\n`);
        return;
      }
      reportServerFailures(context, found.failed);
      if (options.dryRun) {
        printDryRun(context, options.json ?? false, options.title, text, sessions, servers);
        return;
      }
      const answers = await Promise.allSettled(sessions.map((session) =>
        sendMessage(session.id, {
          server: session.server === "" ? undefined : session.server,
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
          if (sessions.length === 1 && found.failed.length === 0) {
            throw namingServer(session.server === "" ? undefined : session.server, reason);
          }
          const where = session.server === "" ? "" : `${session.server}: `;
          io.err(
            `winsession: ${where}session ${session.id}: ${
              reason instanceof Error ? reason.message : String(reason)
            }\n`,
          );
        }
      });
      if (options.json) {
        printJson(
          io,
          rows.map(({ session, response }) => ({
            server: session.server,
            sessionId: session.id,
            user: session.user,
            response,
          })),
        );
      } else {
        io.out(table(
          io,
          rows.map((row) => ({ ...row, server: row.session.server })),
          columnsFor(servers, [
            { header: "ID", cell: (r) => String(r.session.id), right: true },
            { header: "USER", cell: (r) => r.session.user },
            { header: "SESSION", cell: (r) => r.session.stationName },
            { header: "ANSWER", cell: (r) => r.response },
          ]),
        ));
      }
      if (rows.length < sessions.length || found.failed.length > 0) {
        context.exitCode = rows.length === 0 ? ExitCode.WindowsError : ExitCode.Partial;
      }
    });
}
