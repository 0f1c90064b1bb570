/**
 * `winsession message`: a message box in one session or in every user session (like msg),
 * optionally waiting for the answers.
 *
 * @module
 */

import { type Command, Option } from "./commander.ts";
import { type CliContext, ExitCode, parseDword, printJson } from "./common.ts";
import {
  getSession,
  listSessions,
  type MessageButtons,
  type MessageIcon,
  type MessageResponse,
  sendMessage,
  type Session,
} from "../mod.ts";
import { serverLabel, serverName, table } from "./_session_format.ts";

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
}
