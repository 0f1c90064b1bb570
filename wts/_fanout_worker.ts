/**
 * Entry point of a fan-out pool Worker. Each Worker has its own 32 concurrent nonblocking FFI
 * calls (Deno's per-isolate limit), which is the whole reason it exists: it runs the server
 * tasks the main thread sends it with exactly the code the main thread would run
 * ({@linkcode runServerTask}) and posts back the value or the error as data.
 *
 * Messages in: `init` (the DLL-directory override in effect in the parent, so a Worker loads
 * the same libraries, the test doubles included), `run` (a task and its id), `abandon` (an id
 * whose answer is no longer wanted: its remaining calls are skipped, what returns is freed).
 * Message out: `done` with the id, once the task's last call has returned and its handle is
 * closed, also for an abandoned task (the parent counts late answers by these).
 *
 * @module
 */

import { setDllDirectory } from "../ffi/load.ts";
import {
  abandon,
  type Abandonable,
  errorToWire,
  runServerTask,
  type ServerTask,
} from "./_fanout_task.ts";

/** What the parent sends. */
export type ToWorker =
  | { type: "init"; dllDirectory: string | undefined }
  | { type: "run"; id: number; task: ServerTask }
  | { type: "abandon"; id: number };

/** What the Worker answers. */
export type FromWorker =
  | { type: "done"; id: number; ok: true; value: unknown }
  | { type: "done"; id: number; ok: false; error: ReturnType<typeof errorToWire> };

// Typed as a Worker's global scope without pulling in the "deno.worker" lib for the whole
// project (every other file runs on the main thread).
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
};

const running = new Map<number, Abandonable>();

scope.onmessage = ({ data }) => {
  switch (data.type) {
    case "init":
      if (data.dllDirectory !== undefined) setDllDirectory(data.dllDirectory);
      return;
    case "abandon": {
      const state = running.get(data.id);
      if (state !== undefined) abandon(state);
      return;
    }
    case "run": {
      const { id, task } = data;
      const state: Abandonable = { abandoned: false };
      running.set(id, state);
      runServerTask(task, state).then(
        // Nobody reads an abandoned task's value: only that it has ended.
        (value) =>
          scope.postMessage({ type: "done", id, ok: true, value: state.abandoned ? null : value }),
        (error) => scope.postMessage({ type: "done", id, ok: false, error: errorToWire(error) }),
      ).finally(() => running.delete(id));
      return;
    }
  }
};
