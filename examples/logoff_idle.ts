/**
 * Log off Remote Desktop sessions that have been idle for longer than N hours.
 *
 * DRY RUN by default: it only prints what it would log off. Add `--apply` to act.
 *
 * Usage (on Windows):
 *
 *     deno run --allow-ffi examples/logoff_idle.ts --hours 8
 *     deno run --allow-ffi examples/logoff_idle.ts --hours 8 --apply
 *     deno run --allow-ffi examples/logoff_idle.ts --hours 2 --server rds01 --apply
 *
 * Sessions without a user (services, listeners) and the session running this script are never
 * touched. A disconnected session whose last input time is unknown counts from when it was
 * disconnected.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { currentSessionId, listSessions, logoffSession, type Session } from "../mod.ts";

/** What {@linkcode logoffIdle} does. */
export interface LogoffIdleOptions {
  /** Idle longer than this many hours (may be fractional) = logged off. */
  hours: number;
  /** Actually log off; without it nothing changes (dry run). */
  apply?: boolean;
  /** Remote server name; the local server when absent. */
  server?: string;
  /** Where progress lines go (default: console.log). */
  log?: (line: string) => void;
}

/** What {@linkcode logoffIdle} found and did. */
export interface LogoffIdleResult {
  /** Sessions idle longer than the limit, with how long (ms). */
  idle: { session: Session; idleMs: number }[];
  /** Ids logged off (empty in a dry run). */
  loggedOff: number[];
  /** Sessions that could not be logged off, with the reason. */
  failed: { id: number; error: string }[];
}

/** How long a session has been idle, or null when Windows does not say. */
export function idleFor(session: Session, now: Date = new Date()): number | null {
  if (session.idleMs !== null) return session.idleMs;
  if (session.state === "Disconnected" && session.disconnectTime) {
    return now.getTime() - session.disconnectTime.getTime();
  }
  return null;
}

/** Finds sessions idle longer than `options.hours` and, with `apply`, logs them off. */
export async function logoffIdle(options: LogoffIdleOptions): Promise<LogoffIdleResult> {
  const log = options.log ?? console.log;
  const limitMs = options.hours * 3_600_000;
  const self = options.server === undefined ? currentSessionId() : null;
  const sessions = await listSessions({ server: options.server });
  const result: LogoffIdleResult = { idle: [], loggedOff: [], failed: [] };
  for (const session of sessions) {
    if (session.user === "" || session.id === self) continue;
    const idleMs = idleFor(session);
    if (idleMs === null || idleMs <= limitMs) continue;
    result.idle.push({ session, idleMs });
    const who = `${session.domain ? `${session.domain}\\` : ""}${session.user}`;
    const hours = (idleMs / 3_600_000).toFixed(1);
    if (!options.apply) {
      log(`would log off session ${session.id} (${who}, ${session.state}, idle ${hours} h)`);
      continue;
    }
    try {
      await logoffSession(session.id, { server: options.server });
      result.loggedOff.push(session.id);
      log(`logged off session ${session.id} (${who}, idle ${hours} h)`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result.failed.push({ id: session.id, error: message });
      log(`could not log off session ${session.id} (${who}): ${message}`);
    }
  }
  if (!options.apply && result.idle.length > 0) log("dry run: pass --apply to log them off");
  if (result.idle.length === 0) log(`no session idle longer than ${options.hours} h`);
  return result;
}

const USAGE =
  `Usage: deno run --allow-ffi examples/logoff_idle.ts --hours N [--apply] [--server NAME]

  --hours N       log off sessions idle longer than N hours (required)
  --apply         really log them off (default: dry run, only print)
  --server NAME   a remote Remote Desktop server (default: this machine)
  -h, --help      show this help`;

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      hours: { type: "string" },
      apply: { type: "boolean", default: false },
      server: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const hours = Number(values.hours);
  if (values.help || values.hours === undefined || !Number.isFinite(hours) || hours < 0) {
    console.log(USAGE);
    Deno.exit(values.help ? 0 : 2);
  }
  const result = await logoffIdle({ hours, apply: values.apply, server: values.server });
  Deno.exit(result.failed.length > 0 ? 1 : 0);
}
