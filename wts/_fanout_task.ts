/**
 * One server's share of a fan-out, the same code whichever thread runs it (the main thread or a
 * pool Worker): open the server off the thread, run the ordinary listing in a nonblocking call
 * context, close the handle when the last call has returned. Also the wire form of its errors,
 * since a Worker's `postMessage` drops the classes of `WindowsError` and friends.
 *
 * @module
 */

import { WindowsError } from "../ffi/errors.ts";
import {
  type CallContext,
  callContext,
  closeServerHandle,
  contextOptions,
  NonblockingCallError,
} from "./_context.ts";
import { openServerNonblocking } from "./_open_async.ts";
import { listSessions } from "./sessions.ts";
import { listProcesses, type ListProcessesOptions } from "./processes.ts";

/** What one server is asked. */
export type ServerTask =
  | { kind: "sessions"; server: string }
  | { kind: "processes"; server: string; session: number | undefined };

/**
 * How many nonblocking calls one task keeps in flight at most: a session listing runs up to 8
 * per-session queries at once (`QUERY_CONCURRENCY` in sessions.ts), a process listing one call
 * at a time. The pool sizes itself from this.
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
 * Runs `task` to the end. Resolves (or rejects) only when no call of it is running any more and
 * its handle is closed, also when it was abandoned half-way.
 */
export async function runServerTask(task: ServerTask, state: Abandonable): Promise<unknown> {
  const handle = await openServerNonblocking(task.server, () => state.abandoned);
  const context = callContext(handle, task.server, true);
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

/** An error as structured-clonable data. */
export interface WireError {
  name: string;
  message: string;
  code?: number;
  functionName?: string;
  systemMessage?: string;
  server?: string;
  elapsedMs?: number;
}

/** `error` as data a Worker can post. */
export function errorToWire(error: unknown): WireError {
  if (error instanceof WindowsError) {
    return {
      name: error.name,
      message: error.message,
      code: error.code,
      functionName: error.functionName,
      systemMessage: error.systemMessage,
    };
  }
  if (error instanceof NonblockingCallError) {
    return {
      name: error.name,
      message: error.message,
      functionName: error.functionName,
      server: error.server,
      elapsedMs: error.elapsedMs,
    };
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

/** The error {@linkcode errorToWire} described, with its class back. */
export function errorFromWire(wire: WireError): Error {
  switch (wire.name) {
    case "WindowsError":
      return new WindowsError(wire.functionName!, wire.code!, wire.systemMessage);
    case "NonblockingCallError": {
      // The message already says why; rebuild it through the constructor to keep its class.
      const error = new NonblockingCallError(wire.functionName!, wire.server!, wire.elapsedMs!, "");
      Object.defineProperty(error, "message", { value: wire.message });
      return error;
    }
    case "TypeError":
      return new TypeError(wire.message);
    case "RangeError":
      return new RangeError(wire.message);
    default: {
      const error = new Error(wire.message);
      if (wire.name !== "Error") Object.defineProperty(error, "name", { value: wire.name });
      return error;
    }
  }
}
