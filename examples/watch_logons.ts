/**
 * Watch logons and logoffs and append each as one JSON line to a file, until Ctrl+C.
 *
 * Each line says who: `{"at":"2026-11-22T14:05:00.000Z","type":"logon","server":"",
 * "sessionId":3,"user":"alice","domain":"CONTOSO","clientName":"LAPTOP-7",
 * "clientAddress":"10.0.0.5"}` (`watchSessions` compares the session table before and after
 * each Windows event; the address is what the client reported).
 *
 * Usage (on Windows):
 *
 *     deno run --allow-ffi --allow-write examples/watch_logons.ts --file logons.jsonl
 *     deno run --allow-ffi --allow-write examples/watch_logons.ts --file rds01.jsonl --server rds01
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type SessionEventKind, watchSessions } from "../mod.ts";

/** One line of the output file. */
export interface LogonRecord {
  /** When the event arrived (ISO 8601). */
  at: string;
  /** `logon` or `logoff`. */
  type: SessionEventKind;
  /** "" for this machine. */
  server: string;
  /** The session that logged on or off. */
  sessionId: number;
  /** Who logged on or off. */
  user: string;
  /** Their domain. */
  domain: string;
  /** The client computer, "" when none (the console). */
  clientName: string;
  /** The client's address as it reported it, or null. */
  clientAddress: string | null;
}

/** What {@linkcode watchLogons} does. */
export interface WatchLogonsOptions {
  /** The file to append JSON lines to (created if missing). */
  file: string;
  /** Remote server name; this machine when absent. */
  server?: string;
  /** Stops the watch (Ctrl+C in the script). */
  signal?: AbortSignal;
  /** Called after each line is written. */
  onRecord?: (record: LogonRecord) => void;
}

const WATCHED: ReadonlySet<SessionEventKind> = new Set(["logon", "logoff"]);

/** Appends logon/logoff events to `options.file` until `options.signal` aborts; returns the count. */
export async function watchLogons(options: WatchLogonsOptions): Promise<number> {
  using file = await Deno.open(options.file, { append: true, create: true });
  const encoder = new TextEncoder();
  let written = 0;
  for await (const event of watchSessions({ server: options.server, signal: options.signal })) {
    // A raw event (sessionId null) is a wake that changed nothing visible: nobody to name.
    if (!WATCHED.has(event.type) || event.sessionId === null) continue;
    const record: LogonRecord = {
      at: event.at.toISOString(),
      type: event.type,
      server: event.server,
      sessionId: event.sessionId,
      user: event.user,
      domain: event.domain,
      clientName: event.clientName,
      clientAddress: event.clientAddress,
    };
    await file.write(encoder.encode(JSON.stringify(record) + "\n"));
    written++;
    options.onRecord?.(record);
  }
  return written;
}

const USAGE =
  `Usage: deno run --allow-ffi --allow-write examples/watch_logons.ts --file PATH [--server NAME]

  --file PATH     JSON lines are appended here (required)
  --server NAME   a remote Remote Desktop server (default: this machine)
  -h, --help      show this help`;

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      file: { type: "string" },
      server: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help || !values.file) {
    console.log(USAGE);
    Deno.exit(values.help ? 0 : 2);
  }
  const controller = new AbortController();
  Deno.addSignalListener("SIGINT", () => controller.abort());
  console.log(`appending logons and logoffs to ${values.file}; Ctrl+C to stop`);
  const count = await watchLogons({
    file: values.file,
    server: values.server,
    signal: controller.signal,
    onRecord: (r) => console.log(`${r.at} ${r.type} ${r.domain ? `${r.domain}\\` : ""}${r.user}`),
  });
  console.log(`stopped after ${count} event(s)`);
}
