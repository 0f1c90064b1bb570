/**
 * `winsession message`: a message box in one session or in every user session (like msg),
 * optionally waiting for the answers.
 *
 * @module
 */

import { type Command, Option } from "./commander.ts";
import {
  type CliContext,
  CliError,
  ExitCode,
  parseDword,
  parseSecondsOption,
  printJson,
} from "./common.ts";
import {
  getSession,
  listSessions,
  type MessageButtons,
  type MessageIcon,
  type MessageResponse,
  sendMessage,
  type Session,
} from "../mod.ts";
import { namingServer, onServer, serverLabel, serverName, table } from "./_session_format.ts";

/** What `--dry-run` prints: who would get the message, as a table or JSON. */
function printDryRun(
  context: CliContext,
  json: boolean,
  title: string,
  text: string,
  sessions: readonly Session[],
  server: string | undefined,
): void {
  const { io } = context;
  if (json) {
    printJson(io, {
      dryRun: true,
      title,
      text,
      sessions: sessions.map((s) => ({
        sessionId: s.id,
        user: s.user,
        stationName: s.stationName,
      })),
    });
    return;
  }
  const count = sessions.length === 1 ? "1 session" : `${sessions.length} sessions`;
  io.out(
    `Would send "${title}" to ${count} on ${serverLabel(server)} (dry run: nothing was sent):\n`,
  );
  io.out(table(io, sessions, [
    { header: "ID", cell: (s) => String(s.id), right: true },
    { header: "USER", cell: (s) => s.user },
    { header: "SESSION", cell: (s) => s.stationName },
  ]));
}

/** Adds `message` to `program`. */
export function registerMessageCommand(program: Command, context: CliContext): void {
  const { io } = context;
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
    .option("-n, --dry-run", "look the sessions up and say who would get the message; send nothing")
    .addHelpText(
      "after",
      `
Answers: ok, cancel, yes, no, abort, retry, ignore, tryAgain, continue, timeout (the box timed
out), async (not waited for). With "all", sessions without a user (Services, listeners) are
skipped, every other session gets the message at the same time, and each answer is reported; a
session that fails gets a line on stderr (exit 6 if some failed, 1 if all failed). An empty
(or blank) text is refused (exit 2). --dry-run looks the sessions up the same way, lists who
would get the message (with --json: { dryRun, title, text, sessions: [{ sessionId, user,
stationName }] }), sends nothing and exits 0.

Examples:
  winsession message 2 "Server restarts at 18:00"
  winsession message all "Please save your work" --title "Maintenance" --timeout 60
  winsession message all "Please save your work" --dry-run
  winsession message 2 "Log off now?" --buttons yesNo --icon question --wait`,
    )
    .action(async (target, text, options) => {
      const server = serverName(options.server);
      // WTSSendMessageW takes the timeout as a DWORD of seconds; Windows runs that timer.
      const timeoutSeconds = parseSecondsOption(options.timeout, "--timeout", {
        allowZero: true,
        integer: true,
        maxSeconds: 0xffff_ffff,
      });
      if (text.trim() === "") {
        throw new CliError("the message text is empty: give the text to show (nothing was sent)");
      }
      const all = target.trim().toLowerCase() === "all";
      const id = all ? undefined : parseDword(target, "session id");
      const sessions = await onServer(
        server,
        async () =>
          id === undefined
            ? (await listSessions({ server })).filter((s) => s.user !== "")
            : [await getSession(id, { server })],
      );
      if (sessions.length === 0) {
        io.err(`winsession: no session with a user on ${serverLabel(server)}: nothing sent\n`);
        return;
      }
      if (options.dryRun) {
        printDryRun(context, options.json ?? false, options.title, text, sessions, server);
        return;
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
          if (sessions.length === 1) throw namingServer(server, reason);
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
}
