/**
 * `winsession processes` and `winsession kill`: the processes of one server or several with
 * their session and user (like query process), and ending one (like tskill).
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
  parseDword,
  printJson,
} from "./common.ts";
import {
  listProcesses,
  listProcessesOnServers,
  localProcessStartTime,
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
  serverName,
  serverNames,
  type ServerProcessesJson,
  table,
  timeoutMs,
  toProcessJson,
  withServerColumn,
} from "./_session_format.ts";

/** Adds `processes` to `program`. */
export function registerProcessesCommand(program: Command, context: CliContext): void {
  const { io } = context;
  program.command("processes")
    .description("List processes with their session and user (like query process)")
    .option("--session <id>", "only the processes of this session")
    .option("-s, --server <host>", "query this server (repeat for several)", collect)
    .option("--timeout <seconds>", "per-server timeout for --server (default 10 with several)")
    .option("--json", "print JSON instead of a table")
    .addHelpText(
      "after",
      `
MEMORY is the working set; CPU is user + kernel time. THREADS, HANDLES, MEMORY and CPU are empty
when the server only supports the basic process list.

Examples:
  winsession processes
  winsession processes --session 2
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
      if (servers.length <= 1) {
        const processes = await listOnOneServer(
          servers[0],
          timeout,
          context.signal,
          (options) => listProcesses({ ...options, session }),
          (names, options) => listProcessesOnServers(names, { ...options, session }),
        );
        if (options.json) printJson(io, processes.map(toProcessJson));
        else io.out(table(io, processes, PROCESS_COLUMNS));
        return;
      }
      const results = await listProcessesOnServers(servers, {
        session,
        timeoutMs: timeout,
        signal: context.signal,
      });
      if (options.json) {
        printJson(
          io,
          results.map((r): ServerProcessesJson => ({
            ...serverAnswer(r),
            processes: r.ok ? r.value.map(toProcessJson) : [],
          })),
        );
      } else {
        const rows = results.flatMap((r) => r.ok ? r.value : []);
        io.out(table(io, rows, withServerColumn(PROCESS_COLUMNS)));
      }
      reportServerFailures(context, results);
    });
}

/** Adds `kill` to `program`. */
export function registerKillCommand(program: Command, context: CliContext): void {
  const { io } = context;
  program.command("kill")
    .description("Terminate a process (like tskill)")
    .argument("<pid>", "process id")
    .option("-s, --server <host>", "the server (default: this computer)")
    .option("--exit-code <code>", "exit code the process ends with", "1")
    .option("-y, --yes", "do not ask for confirmation (needed without a terminal)")
    .option("-n, --dry-run", "look the process up and say what would be done; do nothing")
    .addHelpText(
      "after",
      `
The process is looked up first and named in the question; an unknown pid fails (exit 1) before
anything is asked. Without a terminal, --yes is required (exit code 5 otherwise). Just before
terminating, the process is read again: if its name or session changed, or on this computer
its start time (the pid now belongs to a new process), nothing is done (exit 7). --dry-run does
the same lookup, prints what would be done, and exits 0.

Examples:
  winsession kill 4242
  winsession kill 4242 --dry-run
  winsession kill 4242 --server RDS01 --yes`,
    )
    .action(async (pidText, options) => {
      const pid = parseDword(pidText, "process id");
      const exitCode = parseDword(options.exitCode, "--exit-code");
      const server = serverName(options.server);
      await onServer(server, async () => {
        const process = (await listProcesses({ server })).find((p) => p.pid === pid);
        if (!process) {
          throw new CliError(
            `no process with id ${pid} on ${serverLabel(server)}`,
            ExitCode.WindowsError,
          );
        }
        // Locally the start time tells a reused pid apart; remotely Windows gives none, so the
        // re-check compares what the enumeration gives (name, session, user SID).
        const startTime = server === undefined ? localProcessStartTime(pid) : null;
        const target = `process ${pid} (${process.name}, session ${process.sessionId}) on ${
          serverLabel(server)
        }`;
        if (options.dryRun) {
          io.out(`Would terminate ${target} (dry run: nothing was done).\n`);
          return;
        }
        await confirm(io, `Terminate ${target}?`, options.yes);
        await terminateProcess(pid, {
          server,
          exitCode,
          expect: {
            name: process.name,
            sessionId: process.sessionId,
            userSid: process.userSid,
            ...(startTime === null ? {} : { startTime }),
          },
        });
        io.out(`Terminated process ${pid} (${process.name}).\n`);
      });
    });
}
