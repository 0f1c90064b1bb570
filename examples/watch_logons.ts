/**
 * Watch logons and logoffs and append each as one JSON line to a file, until Ctrl+C.
 *
 * Each line: `{"at":"2026-11-22T14:05:00.000Z","type":"logon","server":"","users":[…]}` where
 * `users` lists who is signed in right after the event (Windows reports the event, not the
 * session it concerns).
 *
 * Usage (on Windows):
 *
 *     deno run --allow-ffi --allow-write examples/watch_logons.ts --file logons.jsonl
 *     deno run --allow-ffi --allow-write examples/watch_logons.ts --file rds01.jsonl --server rds01
 *
 * @module
 */
import { parseArgs } from "node:util";
import { listSessions, type SessionEventType, watchSessions } from "../mod.ts";

/** One line of the output file. */
export interface LogonRecord {
  /** When the event arrived (ISO 8601). */
  at: string;
  /** `logon` or `logoff`. */
  type: SessionEventType;
  /** "" for this machine. */
  server: string;
  /** Who is signed in right after the event, or null when that could not be read. */
  users: { sessionId: number; user: string; domain: string; state: string }[] | null;
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

const WATCHED: ReadonlySet<SessionEventType> = new Set(["logon", "logoff"]);

/** Appends logon/logoff events to `options.file` until `options.signal` aborts; returns the count. */
export async function watchLogons(options: WatchLogonsOptions): Promise<number> {
  using file = await Deno.open(options.file, { append: true, create: true });
  const encoder = new TextEncoder();
  let written = 0;
  for await (const event of watchSessions({ server: options.server, signal: options.signal })) {
    if (!WATCHED.has(event.type)) continue;
    let users: LogonRecord["users"] = null;
    try {
      users = (await listSessions({ server: options.server }))
        .filter((session) => session.user !== "")
        .map((s) => ({ sessionId: s.id, user: s.user, domain: s.domain, state: s.state }));
    } catch {
      // The event still counts; only the snapshot is missing.
    }
    const record: LogonRecord = {
      at: event.at.toISOString(),
      type: event.type,
      server: event.server,
      users,
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
    onRecord: (r) => console.log(`${r.at} ${r.type}`),
  });
  console.log(`stopped after ${count} event(s)`);
}
