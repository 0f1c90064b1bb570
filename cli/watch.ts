/**
 * `winsession watch`: session events (logon, logoff, connect, …) printed as they happen, as
 * text lines or one JSON object per line, until Ctrl+C.
 *
 * @module
 */

import type { Command } from "./commander.ts";
import { type CliContext, humanTime } from "./common.ts";
import { type SessionEvent, watchSessions } from "../mod.ts";
import { namingServer, serverLabel, serverName } from "./_session_format.ts";

/** The `--json` form of an event (one compact object per line). */
export function toEventJson(event: SessionEvent): Record<string, unknown> {
  return { type: event.type, flags: event.flags, at: event.at.toISOString(), server: event.server };
}

/** "2026-11-22 14:05:33": an event's local time to the second. */
function eventTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${humanTime(date)}:${pad(date.getSeconds())}`;
}

/** Adds `watch` to `program`. */
export function registerWatchCommand(program: Command, context: CliContext): void {
  const { io } = context;
  program.command("watch")
    .description("Print session events (logon, logoff, connect, ...) as they happen, until Ctrl+C")
    .option("-s, --server <host>", "the server (default: this computer)")
    .option("--json", "one JSON object per line: { type, flags, at, server }")
    .addHelpText(
      "after",
      `
Event types: create, delete, rename, connect, disconnect, logon, logoff, stateChange, licence.
Ctrl+C stops watching cleanly (exit 0).

Examples:
  winsession watch
  winsession watch --server RDS01 --json | jq .type`,
    )
    .action(async (options) => {
      const server = serverName(options.server);
      const stop = new AbortController();
      const onInterrupt = () => stop.abort();
      const signals = context.signal ? [stop.signal, context.signal] : [stop.signal];
      const signal = AbortSignal.any(signals);
      let listening = false;
      try {
        Deno.addSignalListener("SIGINT", onInterrupt);
        listening = true;
      } catch {
        // No signal support here (permissions or platform): the context signal still ends it.
      }
      try {
        // The note is printed once the watch has really begun, so a watch that cannot start
        // (no --allow-ffi, unknown server) prints exactly one error line.
        const onWatching = options.json
          ? undefined
          : () => io.err(`Watching session events on ${serverLabel(server)} (Ctrl+C to stop)\n`);
        for await (const event of watchSessions({ server, signal, onWatching })) {
          if (options.json) io.out(JSON.stringify(toEventJson(event)) + "\n");
          else {
            const where = event.server === "" ? "" : `  ${event.server}`;
            io.out(`${eventTime(event.at)}  ${event.type}${where}\n`);
          }
          if (signal.aborted) break;
        }
      } catch (error) {
        throw namingServer(server, error);
      } finally {
        if (listening) Deno.removeSignalListener("SIGINT", onInterrupt);
      }
    });
}
