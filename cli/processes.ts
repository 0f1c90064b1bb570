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
import { listProcesses, listProcessesOnServers, terminateProcess } from "../mod.ts";
import {
  MULTI_SERVER_HELP,
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
    .option("--timeout <seconds>", "per-server timeout with several --server (default 10)")
    .option("--json", "print JSON instead of a table")
    .addHelpText(
      "after",
      `
MEMORY is the working set; CPU is user + kernel time. THREADS, HANDLES, MEMORY and CPU are empty
when the server only supports the basic process list.

Examples:
  winsession processes
  winsession processes --session 2
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
        const processes = await listProcesses({ server: servers[0], session });
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
    .addHelpText(
      "after",
      `
The process is looked up first and named in the question; an unknown pid fails (exit 1) before
anything is asked. Without a terminal, --yes is required (exit code 5 otherwise).

Examples:
  winsession kill 4242
  winsession kill 4242 --server RDS01 --yes`,
    )
    .action(async (pidText, options) => {
      const pid = parseDword(pidText, "process id");
      const exitCode = parseDword(options.exitCode, "--exit-code");
      const server = serverName(options.server);
      const process = (await listProcesses({ server })).find((p) => p.pid === pid);
      if (!process) {
        throw new CliError(
          `no process with id ${pid} on ${serverLabel(server)}`,
          ExitCode.WindowsError,
        );
      }
      await confirm(
        io,
        `Terminate process ${pid} (${process.name}, session ${process.sessionId}) on ${
          serverLabel(server)
        }?`,
        options.yes,
      );
      await terminateProcess(pid, { server, exitCode });
      io.out(`Terminated process ${pid} (${process.name}).\n`);
    });
}
