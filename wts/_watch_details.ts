/**
 * The "who" layer of `watchSessions`: lists the sessions when watching starts and after each
 * wake (and each `pollMs` tick), compares the listings (`_session_diff.ts`) and turns each
 * change into a `SessionEvent` that names the session, its user and client.
 *
 * @module
 */

import { type SessionEvent, sessionEvents, type WatchOptions } from "./events.ts";
import { listSessions, type Session } from "./sessions.ts";
import { diffSessions, type SessionChange } from "./_session_diff.ts";

const TICK = Symbol("poll");

/** A change as an event: who left for logoff/delete, who is there for the rest. */
function changeEvent(change: SessionChange, flags: number, at: Date, server: string): SessionEvent {
  const leaving = change.type === "logoff" || change.type === "delete";
  const who: Session = (leaving ? change.before ?? change.after : change.after ?? change.before)!;
  // A disconnected session may no longer report its client: keep the last one known.
  const client = who.clientName !== "" ? who : change.before ?? who;
  return {
    type: change.type,
    flags,
    at,
    server,
    sessionId: change.sessionId,
    user: who.user,
    domain: who.domain,
    stateBefore: change.before?.state ?? null,
    state: change.after?.state ?? null,
    clientName: client.clientName,
    clientAddress: client.clientAddress ?? who.clientAddress,
    locked: change.after?.locked ?? null,
  };
}

/**
 * Events with details from the raw per-bit stream `raw` (which keeps one wait pending). The
 * events of one wake share their `at` Date, so the listing is done once per wake, not per bit.
 * Leaving the stream (`break`, abort, an error) ends `raw`, which flushes its wait.
 */
export async function* watchWithDetails(
  raw: AsyncIterableIterator<SessionEvent>,
  options: WatchOptions,
): AsyncGenerator<SessionEvent, void, undefined> {
  const server = options.server ?? "";
  const list = () => listSessions({ server, lockState: options.lockState ?? false });
  const pollMs = options.pollMs;
  let pending: Promise<IteratorResult<SessionEvent>> | undefined;
  let lastWake: Date | undefined;
  try {
    if (options.signal?.aborted) return;
    let before = await list();
    while (true) {
      pending ??= raw.next();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const woke = pollMs === undefined ? await pending : await Promise.race([
        pending,
        new Promise<typeof TICK>((resolve) => timer = setTimeout(() => resolve(TICK), pollMs)),
      ]);
      clearTimeout(timer);
      let flags = 0;
      let at: Date;
      if (woke === TICK) {
        at = new Date();
      } else {
        pending = undefined;
        if (woke.done) return;
        if (woke.value.at === lastWake) continue; // another bit of a wake already compared
        lastWake = at = woke.value.at;
        flags = woke.value.flags;
      }
      if (options.signal?.aborted) return;
      const after = await list();
      const changes = diffSessions(before, after);
      before = after;
      if (changes.length === 0) yield* sessionEvents(flags, at, server);
      for (const change of changes) yield changeEvent(change, flags, at, server);
    }
  } finally {
    // A next() still pending when the consumer leaves settles during return(): a failure it
    // carries then has nobody to read it and must not become an unhandled rejection.
    pending?.catch(() => {});
    await raw.return?.();
  }
}
