/**
 * Entry point of a fan-out pool Worker: it runs single nonblocking FFI calls for the main
 * thread, nothing else. Its reason to exist is Deno's per-isolate ceiling on nonblocking calls
 * running at once (see `_pool.ts`): each Worker is an isolate with a blocking pool of its own.
 * The main thread keeps everything else (the chain of calls, decoding, freeing, errors).
 *
 * It imports nothing, not even the symbol tables: the main thread sends each symbol's
 * definition and library file with its first call, and the Worker binds it then. Start-up is
 * the cost of a Worker, and this keeps it at the floor (measured with bench/blocking_pool.ts on
 * 2 Linux cores: an empty Worker about 13 ms of CPU, one importing ffi/load.ts about 17 ms).
 *
 * Only the main thread starts these Workers, one at a time (see `_pool.ts`): a Worker started
 * by a Worker was measured with Deno 2.9.5 to load its module ~500 ms after `new Worker` and to
 * receive its first message ~500 ms after that, which rules out letting Workers start one
 * another to spare the main thread.
 *
 * Messages (`_call_wire.ts`): `calls` in; `ready` once the module has run, then `results`
 * (batched per turn of the event loop; buffers transferred, not copied) out.
 *
 * @module
 */

import type { FromCallWorker, ToCallWorker, WireArg, WireCall, WireResult } from "./_call_wire.ts";

// Typed as a Worker's global scope without pulling in the "deno.worker" lib for the whole
// project (every other file runs on the main thread).
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<ToCallWorker>) => void) | null;
  postMessage(message: FromCallWorker, transfer?: Transferable[]): void;
};

type Twin = (...args: unknown[]) => Promise<unknown>;

/** Bound symbols by library file and name; each library handle stays open until the end. */
const bound = new Map<string, Twin>();

function twin({ path, name, definition }: WireCall): Twin {
  const key = `${path}\n${name}`;
  let symbol = bound.get(key);
  if (symbol === undefined) {
    if (definition === undefined) throw new TypeError(`${name} was never defined for this Worker`);
    symbol = Deno.dlopen(path, { [name]: definition }).symbols[name] as unknown as Twin;
    bound.set(key, symbol);
  }
  return symbol;
}

function fromWire(arg: WireArg, buffers: Uint8Array<ArrayBuffer>[]): unknown {
  if (typeof arg !== "object" || arg === null) return arg;
  if ("bytes" in arg) {
    buffers.push(arg.bytes);
    return arg.bytes;
  }
  return Deno.UnsafePointer.create(arg.pointer);
}

function toWire(value: unknown): WireArg {
  if (value === undefined) return null;
  if (typeof value === "object" && value !== null) {
    return { pointer: Deno.UnsafePointer.value(value as Deno.PointerObject) };
  }
  return value as WireArg;
}

let outbox: WireResult[] = [];
let transfer: ArrayBuffer[] = [];

function flush(): void {
  const results = outbox;
  const buffers = transfer;
  outbox = [];
  transfer = [];
  scope.postMessage({ type: "results", results }, buffers);
}

/** Queues one result; the batch goes out once the completions of this turn are in. */
function answer(result: WireResult): void {
  if (outbox.length === 0) queueMicrotask(flush);
  outbox.push(result);
  if (result.ok) { for (const bytes of result.buffers) transfer.push(bytes.buffer); }
}

function run(call: WireCall): void {
  const { id } = call;
  try {
    const buffers: Uint8Array<ArrayBuffer>[] = [];
    const args = call.args.map((arg) => fromWire(arg, buffers));
    twin(call)(...args).then(
      (value) => answer({ id, ok: true, value: toWire(value), buffers }),
      (error) => answer({ id, ok: false, message: String(error) }),
    );
  } catch (error) {
    answer({ id, ok: false, message: error instanceof Error ? error.message : String(error) });
  }
}

scope.onmessage = ({ data }) => {
  for (const call of data.calls) run(call);
};
scope.postMessage({ type: "ready" });
