/**
 * Opening a remote server off the main thread, for the fan-out.
 *
 * WTSOpenServerW is an RPC of its own (RpcWinStationOpenServer, MS-TSTS 3.7.4.1.1, opnum 0:
 * https://learn.microsoft.com/openspecs/windows_protocols/ms-tsts/fd6f339d-f5dd-452c-a9a9-ec753c22a36a),
 * so a slow or dead server can hold it for as long as any other call. Run on the main thread it
 * serialised every fan-out behind the slowest open and broke every server's deadline.
 *
 * WTSOpenServerW, not WTSOpenServerExW: an Ex handle on an RD Virtualization Host enumerates the
 * VMs' sessions instead of the host's (WTSOpenServerExW's documentation), the same rule as
 * `openServerHandle` in `_context.ts`.
 *
 * @module
 */

import type { NonblockingRunner } from "../ffi/call.ts";
import { clearLastError, WindowsError } from "../ffi/errors.ts";
import { encodeWide } from "../ffi/utf16.ts";
import { wtsapi32 } from "../ffi/load.ts";
import { AbandonedError, FAST_FAILURE_MS, NonblockingCallError } from "./_context.ts";

/**
 * Opens `server` with the nonblocking WTSOpenServerW. When the result is no longer wanted by
 * the time the open returns (`abandoned()`), the handle is closed at once and an
 * {@linkcode AbandonedError} thrown, so a late open leaks nothing.
 *
 * A NULL handle (Windows Server 2003 and earlier, Wine, the doubles' injected failures; since
 * Vista a failed open returns an invalid non-NULL handle that the next call rejects) has its
 * error code on a pool thread. As for every idempotent call here, a fast failure is repeated
 * synchronously to read the real code; a slow one is a {@linkcode NonblockingCallError}.
 * `runner` places the call (the fan-out's pool); without it, it runs on this isolate's pool.
 */
export async function openServerNonblocking(
  server: string,
  abandoned: () => boolean,
  runner?: NonblockingRunner,
): Promise<Deno.PointerObject> {
  if (server === "") throw new TypeError("server name is empty (omit it for the local server)");
  const wide = encodeWide(server, "server name");
  const wts = wtsapi32();
  const started = performance.now();
  const mode = {
    server,
    nonblocking: true,
    get abandoned() {
      return abandoned();
    },
  };
  const handle = runner === undefined
    ? await wts.WTSOpenServerWAsync(wide)
    : await runner(mode, wts, "WTSOpenServerWAsync", [wide]) as Deno.PointerValue;
  if (abandoned()) {
    if (handle !== null) wts.WTSCloseServer(handle);
    throw new AbandonedError("WTSOpenServerW");
  }
  if (handle !== null) return handle;
  const elapsed = performance.now() - started;
  if (elapsed > FAST_FAILURE_MS) {
    throw new NonblockingCallError(
      "WTSOpenServerW",
      server,
      elapsed,
      "it ran on a worker thread and failed too slowly to repeat on this thread",
    );
  }
  clearLastError();
  const repeated = wts.WTSOpenServerW(wide);
  if (repeated !== null) return repeated;
  throw WindowsError.fromLastError("WTSOpenServerW");
}
