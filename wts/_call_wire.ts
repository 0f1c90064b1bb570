/**
 * The wire form of one nonblocking FFI call that a fan-out pool Worker runs for the main thread
 * (`_pool.ts` sends, `_call_worker.ts` runs), and the messages both sides exchange.
 *
 * A call crosses by value: handles and other pointers as their address (a server handle from
 * WTSOpenServerW, like every pointer Windows hands out, is valid on every thread of the process,
 * and the Worker runs in this process), numbers as they are, and every buffer argument as a copy
 * that the Worker passes to the call and sends back afterwards, so the caller's buffer ends up
 * with exactly the bytes the call wrote (out-pointers, counts, in/out sizes). The block a call
 * returns is not copied: its address comes back in the out-pointer cell, and the main thread
 * decodes and frees it where it would have after a call of its own. The Worker's half of the
 * conversion is written out in `_call_worker.ts`, which imports nothing (it starts faster so).
 *
 * @module
 */

/** One argument as structured-clonable data. */
export type WireArg =
  | number
  | bigint
  | boolean
  | null
  | { pointer: bigint }
  | { bytes: Uint8Array<ArrayBuffer> };

/**
 * One call: which library file, the `…Async` symbol's name, its arguments, and its definition
 * the first time this Worker is sent it (the Worker binds it then, with `Deno.dlopen`).
 */
export interface WireCall {
  id: number;
  path: string;
  name: string;
  args: WireArg[];
  definition?: Deno.ForeignFunction;
}

/** What a call returned: its value, and every buffer argument as the call left it. */
export type WireResult =
  | { id: number; ok: true; value: WireArg; buffers: Uint8Array<ArrayBuffer>[] }
  | { id: number; ok: false; message: string };

/** What the main thread sends: batches of calls. */
export type ToCallWorker = { type: "calls"; calls: WireCall[] };

/** What a Worker answers: `ready` once, when its module has run; then results in batches. */
export type FromCallWorker =
  | { type: "ready" }
  | { type: "results"; results: WireResult[] };

function isPointer(value: unknown): value is Deno.PointerObject {
  return typeof value === "object" && value !== null && !ArrayBuffer.isView(value);
}

/** The bytes of any buffer argument (a typed array or DataView), as a Uint8Array over them. */
function bytesOf(view: ArrayBufferView): Uint8Array {
  return view instanceof Uint8Array
    ? view
    : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * `args` as wire arguments (buffers copied), and the caller's buffers in order, for
 * {@linkcode copyBuffersBack}. Throws a TypeError for an argument that cannot cross (a callback).
 */
export function argsToWire(args: readonly unknown[]): { wire: WireArg[]; buffers: Uint8Array[] } {
  const buffers: Uint8Array[] = [];
  const wire = args.map((arg): WireArg => {
    if (arg === null || typeof arg === "number" || typeof arg === "bigint") return arg;
    if (typeof arg === "boolean") return arg;
    if (ArrayBuffer.isView(arg)) {
      const bytes = bytesOf(arg);
      buffers.push(bytes);
      return { bytes: bytes.slice() };
    }
    if (isPointer(arg)) return { pointer: Deno.UnsafePointer.value(arg) };
    throw new TypeError(`a ${typeof arg} argument cannot be sent to a pool Worker`);
  });
  return { wire, buffers };
}

/** A call's return value from its wire form: a pointer object again for an address. */
export function valueFromWire(value: WireArg): unknown {
  if (typeof value === "object" && value !== null && "pointer" in value) {
    return Deno.UnsafePointer.create(value.pointer);
  }
  return value;
}

/** Writes what the call left in each buffer back into the caller's buffers. */
export function copyBuffersBack(
  callers: readonly Uint8Array[],
  returned: readonly Uint8Array[],
): void {
  for (let i = 0; i < callers.length; i++) callers[i]!.set(returned[i]!);
}
