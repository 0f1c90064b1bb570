/**
 * One server's share of a fan-out, run on the main thread: open the server with a nonblocking
 * call, run the ordinary listing in a nonblocking call context whose calls the pool places
 * (`_pool.ts`), close the handle when the last call has returned. The listing code is the
 * serial path's own, so the results are the same by construction.
 *
 * @module
 */

import type { NonblockingRunner } from "../ffi/call.ts";
import { type CallContext, callContext, closeServerHandle, contextOptions } from "./_context.ts";
import { openServerNonblocking } from "./_open_async.ts";
import { listSessions } from "./sessions.ts";
import { listProcesses, type ListProcessesOptions } from "./processes.ts";

/** What one server is asked. */
export type ServerTask =
  | { kind: "sessions"; server: string }
  | { kind: "processes"; server: string; session: number | undefined };

/**
 * How many nonblocking calls one task keeps in flight at most: a session listing runs up to 8
 * per-session queries at once (`QUERY_CONCURRENCY` in sessions.ts, whatever the number of
 * queries per session), a process listing one call at a time (the enumeration, then one
 * account lookup after another). The pool starts its Workers from the sum of these.
 */
export function callsInFlight(task: ServerTask): number {
  return task.kind === "sessions" ? 8 : 1;
}

/** Lets the owner of a running task give it up: calls not yet started are skipped. */
export interface Abandonable {
  abandoned: boolean;
  context?: CallContext;
}

/** Gives the task up: no further WTS call starts; running ones still free what they return. */
export function abandon(state: Abandonable): void {
  state.abandoned = true;
  if (state.context !== undefined) state.context.abandoned = true;
}

/**
 * Runs `task` to the end, its nonblocking calls placed by `runner`. Resolves (or rejects) only
 * when no call of it is running any more and its handle is closed, also when it was abandoned
 * half-way.
 */
export async function runServerTask(
  task: ServerTask,
  state: Abandonable,
  runner?: NonblockingRunner,
): Promise<unknown> {
  const handle = await openServerNonblocking(task.server, () => state.abandoned, runner);
  const context = callContext(handle, task.server, true, runner);
  context.abandoned = state.abandoned;
  state.context = context;
  try {
    if (task.kind === "sessions") return await listSessions(contextOptions(context));
    return await listProcesses(
      contextOptions(context, { session: task.session } as ListProcessesOptions),
    );
  } finally {
    closeServerHandle(handle);
  }
}
