/**
 * `winsession processes` and `winsession kill`: the processes of one server or several with
 * their session and user (like query process), and ending them by pid or image name on one
 * server or several (like tskill).
 *
 * @module
 */

import type { Command } from "./commander.ts";
import {
  type CliContext,
  CliError,
  type CliIO,
  collect,
  confirm,
  ExitCode,
  formatTable,
  parseDword,
  printJson,
} from "./common.ts";
import { describeFailure } from "./_failure.ts";
import {
  isElevated,
  listProcesses,
  listProcessesOnServers,
  localProcessStartTime,
  parseProcessTarget,
  type ProcessInfo,
  terminateProcess,
} from "../mod.ts";
import {
  listOnOneServer,
  MULTI_SERVER_HELP,
  onServer,
  PROCESS_COLUMNS,
  reportServerFailures,
  serverAnswer,
  serverLabel,
  serverNames,
  type ServerProcessesJson,
  SID_COLUMN,
  table,
  timeoutMs,
  toProcessJson,
  withServerColumn,
} from "./_session_format.ts";
import {
  actOnEach,
  findProcesses,
  noMatch,
  PROCESS_TARGET_COLUMNS,
  processTargetJson,
  reportOutcomes,
  whereLabel,
} from "./_targets.ts";

/**
 * Asks once whether winsession runs elevated and, when it does not (or that is unknown), warns
 * on stderr in one line that `what` is partial: not elevated, Windows hides other users'
 * processes' details and refuses to end them. Returns the answer for the JSON (`null` unknown).
 */
function elevationChecked(io: CliIO, what: string): boolean | null {
  let elevated: boolean | null;
  try {
    elevated = isElevated();
  } catch (error) {
    io.err(
      `winsession: warning: elevation unknown (${describeFailure(error).message}): ${what} ` +
        `may be partial\n`,
    );
    return null;
  }
  if (!elevated) {
    io.err(
      `winsession: warning: not elevated: ${what} is partial (other users' processes may be ` +
        `hidden or their details denied); run from an elevated prompt to see them all\n`,
    );
  }
  return elevated;
}

/** Adds `processes` to `program`. */
export function registerProcessesCommand(program: Command, context: CliContext): void {
  const { io } = context;
  program.command("processes")
    .description("List processes with their session and user (like query process)")
    .option("--session <id>", "only the processes of this session")
    .option("-s, --server <host>", "query this server (repeat for several)", collect)
    .option("--timeout <seconds>", "per-server timeout for --server (default 10 with several)")
    .option("--sid", "also show the user's SID (USER SID column)")
    .option("--json", "print JSON instead of a table")
    .addHelpText(
      "after",
      `
MEMORY is the working set; CPU is user + kernel time. THREADS, HANDLES, MEMORY and CPU are empty
when the server only supports the basic process list. USER is DOMAIN\\name, looked up on the
listing's server; a SID that maps to no account (a deleted user) or cannot be looked up is
shown as the SID. --json has both user ("" when not mapped) and userSid, and elevated.
Not elevated, a warning on stderr says the list is partial.

Examples:
  winsession processes
  winsession processes --session 2 --sid
  winsession processes --server RDS01 --timeout 5
  winsession processes --server RDS01 --server RDS02 --json
${MULTI_SERVER_HELP}`,
    )
    .action(async (options) => {
      const session = options.session === undefined
        ? undefined
        : parseDword(options.session, "session id");
      const servers = serverNames(options.server);
      const timeout = timeoutMs(options.timeout);
      const columns = options.sid ? [...PROCESS_COLUMNS, SID_COLUMN] : PROCESS_COLUMNS;
      if (servers.length <= 1) {
        const processes = await listOnOneServer(
          servers[0],
          timeout,
          context.signal,
          (options) => listProcesses({ ...options, session }),
          (names, options) => listProcessesOnServers(names, { ...options, session }),
        );
        const elevated = elevationChecked(io, "the list");
        if (options.json) printJson(io, processes.map((p) => toProcessJson(p, elevated)));
        else io.out(table(io, processes, columns));
        return;
      }
      const results = await listProcessesOnServers(servers, {
        session,
        timeoutMs: timeout,
        signal: context.signal,
      });
      const elevated = elevationChecked(io, "the list");
      if (options.json) {
        printJson(
          io,
          results.map((r): ServerProcessesJson => ({
            ...serverAnswer(r),
            elevated,
            processes: r.ok ? r.value.map((p) => toProcessJson(p, elevated)) : [],
          })),
        );
      } else {
        const rows = results.flatMap((r) => r.ok ? r.value : []);
        io.out(table(io, rows, withServerColumn(columns)));
      }
      reportServerFailures(context, results);
    });
}

/** The re-check of a process: what the enumeration gave, and locally its start time. */
function expectation(process: ProcessInfo) {
  // Locally the start time tells a reused pid apart; remotely Windows gives none, so the
  // re-check compares what the enumeration gives (name, session, user SID).
  const startTime = process.server === "" ? localProcessStartTime(process.pid) : null;
  return {
    name: process.name,
    sessionId: process.sessionId,
    userSid: process.userSid,
    ...(startTime === null ? {} : { startTime }),
  };
}

/** Adds `kill` to `program`. */
export function registerKillCommand(program: Command, context: CliContext): void {
  const { io } = context;
  program.command("kill")
    .description("Terminate processes by pid or image name (like tskill)")
    .argument("<target>", "process id, or image name (notepad.exe, or notepad): every match")
    .option(
      "-s, --server <host>",
      "the server (default: this computer; repeat for several)",
      collect,
    )
    .option(
      "--timeout <seconds>",
      "per-server lookup timeout for --server (default 10 with several)",
    )
    .option("--session <id>", "only matches in this session (like tskill /id)")
    .option("--exit-code <code>", "exit code the process ends with", "1")
    .option("-y, --yes", "do not ask for confirmation (needed without a terminal)")
    .option("-n, --dry-run", "look the processes up and say what would be done; do nothing")
    .option("--json", "print what was done (or with --dry-run, would be) per process as JSON")
    .addHelpText(
      "after",
      `
The target is a pid, or an image name matched case-insensitively and exactly (notepad also
matches notepad.exe, as tskill's names do; no paths, no wildcards): every process with that
name, in every session unless --session is given. The processes are looked up first and
listed in the question (several: one line each with server, pid, name, session and user); an
unknown pid or a name that matches nothing fails (exit 1) before anything is asked. Without a
terminal, --yes is required (exit code 5 otherwise). winsession's own process is never
ended: by pid it is refused (exit 2), by name skipped with a note. Not elevated, a warning on stderr says
the matches may be partial. Just before terminating, each process is read again: if its name
or session changed, or on this computer its start time (the pid now belongs to a new
process), nothing is done to it (exit 7). --dry-run does the same lookup, prints what would
be done, and exits 0.

With several targets or servers, the result is a table (--json: one object per process:
{ server, pid, name, sessionId, user, userSid, result, reason?, errorCode? }, result being
done, changed or failed). Exit code: 0 all done; 7 some changed, none failed; 6 some done and
some failed (or a server did not answer: one line on stderr); 1 nothing done;
130 Ctrl+C stopped before the rest (reported as skipped).

Examples:
  winsession kill 4242
  winsession kill 4242 --dry-run
  winsession kill notepad --session 3
  winsession kill excel.exe --server RDS01 --server RDS02 --dry-run
  winsession kill 4242 --server RDS01 --yes`,
    )
    .action(async (targetText, options) => {
      const target = parseProcessTarget(targetText);
      const exitCode = parseDword(options.exitCode, "--exit-code");
      const session = options.session === undefined
        ? undefined
        : parseDword(options.session, "session id");
      const servers = serverNames(options.server);
      const found = await findProcesses(
        context,
        {
          servers,
          timeoutMs: timeoutMs(options.timeout),
        },
        target,
        session,
      );
      elevationChecked(io, servers.length > 1 ? "each server's list" : "the list");
      if (found.targets.length === 0) {
        const what = target.kind === "pid"
          ? `process with id ${target.pid}`
          : `process named "${target.name}"`;
        throw noMatch(
          context,
          found,
          session === undefined ? what : `${what} in session ${session}`,
          servers,
        );
      }
      // winsession's own process: ending it mid-list would leave the rest undone and nothing
      // reported. A pid names it on purpose only by mistake (refused); a name skips it.
      const own = (p: ProcessInfo) => p.server === "" && p.pid === Deno.pid;
      const ownMatch = found.targets.find(own);
      if (ownMatch && target.kind === "pid") {
        throw new CliError(
          `refusing to terminate process ${ownMatch.pid} (${ownMatch.name}): it is winsession itself`,
          ExitCode.Usage,
        );
      }
      const targets = found.targets.filter((p) => !own(p));
      if (ownMatch) {
        io.err(
          `winsession: skipping process ${ownMatch.pid} (${ownMatch.name}): winsession itself\n`,
        );
      }
      if (targets.length === 0) {
        throw new CliError(
          `nothing to terminate but winsession itself: nothing was done`,
          ExitCode.WindowsError,
        );
      }
      // Read at lookup, before the question: a pid reused while the prompt is open then has
      // another start time than the one confirmed.
      const expected = new Map(targets.map((p) => [p, expectation(p)]));
      if (targets.length === 1 && servers.length <= 1 && !options.json) {
        const process = targets[0]!;
        const server = servers[0];
        const expect = expected.get(process)!;
        const description =
          `process ${process.pid} (${process.name}, session ${process.sessionId})`;
        const what = `${description} on ${serverLabel(server)}`;
        if (options.dryRun) {
          io.out(`Would terminate ${what} (dry run: nothing was done).\n`);
          return;
        }
        await confirm(io, `Terminate ${what}?`, options.yes);
        await onServer(server, () => terminateProcess(process.pid, { server, exitCode, expect }));
        io.out(`Terminated process ${process.pid} (${process.name}).\n`);
        return;
      }
      reportServerFailures(context, found.failed);
      const count = targets.length === 1 ? "1 process" : `${targets.length} processes`;
      const where = whereLabel(servers);
      if (options.dryRun) {
        if (options.json) {
          printJson(io, { dryRun: true, action: "kill", targets: targets.map(processTargetJson) });
        } else {
          io.out(`Would terminate ${count} on ${where} (dry run: nothing was done):\n`);
          io.out(table(io, targets, PROCESS_TARGET_COLUMNS));
        }
        return;
      }
      if (!options.yes) {
        io.err(`Terminate ${count} on ${where}:\n${formatTable(targets, PROCESS_TARGET_COLUMNS)}`);
      }
      await confirm(io, `Terminate these ${count}?`, options.yes);
      const outcomes = await actOnEach(context, targets, (p) =>
        terminateProcess(p.pid, {
          server: p.server === "" ? undefined : p.server,
          exitCode,
          expect: expected.get(p)!,
        }));
      reportOutcomes(
        context,
        options,
        outcomes,
        found.failed.length,
        PROCESS_TARGET_COLUMNS,
        processTargetJson,
        "terminated",
      );
    });
}
