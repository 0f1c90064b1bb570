/**
 * One session in full detail, for `winsession session <id>`: everything {@linkcode getSession}
 * gives plus the client's display, build and directory (WTSClientInfo) and the protocol
 * counters (WTSSessionInfoEx, level 1). Two more queries than `getSession`, so listings do not
 * pay for them.
 *
 * @example
 * ```ts ignore
 * import { getSessionDetail } from "../mod.ts";
 *
 * const detail = await getSessionDetail(3, { server: "rdsh01" });
 * console.log(detail.clientDisplay?.width, detail.counters?.incomingBytes);
 * ```
 *
 * @module
 */

import { decodeWtsClientW } from "../ffi/wts_structs.ts";
import { decodeWtsInfoExW } from "../ffi/wts_lock.ts";
import { contextOptions, queryOptional, withContext, WTSInfoClass } from "./_context.ts";
import { getSession, type ServerOption, type Session } from "./sessions.ts";

/** `WTSClientInfo`: the WTS_INFO_CLASS whose answer is a `WTSCLIENTW`. */
const WTS_CLIENT_INFO = 23;

/**
 * `ColorDepth` codes of WTS_CLIENT_DISPLAY, which WTSCLIENT's `ColorDepth` also uses ("For
 * possible values, see the ColorDepth member of the WTS_CLIENT_DISPLAY structure"): 1 = 4 bpp,
 * 2 = 8, 4 = 16, 8 = "a 3-byte RGB value" (24), 16 = 15, 24 = 24, 32 = 32
 * (https://learn.microsoft.com/windows/win32/api/wtsapi32/ns-wtsapi32-wts_client_display,
 * https://learn.microsoft.com/windows/win32/api/wtsapi32/ns-wtsapi32-wtsclientw). No public
 * capture of a real server's answer was found, so the code is kept beside the bits.
 */
const COLOR_DEPTH_BITS: Readonly<Record<number, number>> = {
  1: 4,
  2: 8,
  4: 16,
  8: 24,
  16: 15,
  24: 24,
  32: 32,
};

/** The client's display, as the client reported it when it connected. */
export interface ClientDisplay {
  /** `HRes`: width in pixels. */
  width: number;
  /** `VRes`: height in pixels. */
  height: number;
  /** Bits per pixel decoded from {@linkcode colorDepthCode}, or `null` for an unknown code. */
  colorDepthBits: number | null;
  /** `ColorDepth` as Windows returned it (a WTS_CLIENT_DISPLAY code, not bits). */
  colorDepthCode: number;
}

/**
 * The protocol counters of WTSINFOEX_LEVEL1 (WTSINFO carries the same on Server 2008 and later:
 * Cassia issue #8, https://github.com/danports/cassia/issues/8). They are DWORDs, so they wrap
 * at 4 GiB on a long-lived session; the double reports zeros for a console session (no public
 * capture of real Windows' console counters was found).
 */
export interface SessionCounters {
  /** Bytes received from the client. */
  incomingBytes: number;
  /** Bytes sent to the client. */
  outgoingBytes: number;
  /** Frames received from the client. */
  incomingFrames: number;
  /** Frames sent to the client. */
  outgoingFrames: number;
  /** Compressed bytes received from the client. */
  incomingCompressedBytes: number;
  /** Compressed bytes sent to the client. */
  outgoingCompressedBytes: number;
}

/** A {@linkcode Session} with the detail `session <id>` shows. */
export interface SessionDetail extends Session {
  /** The client's display, or `null` when the session has no client (console, listener). */
  clientDisplay: ClientDisplay | null;
  /** `ClientBuildNumber` (the client's Windows build), or `null` when none is reported. */
  clientBuild: number | null;
  /** `ClientDirectory`: where the client software is installed on the client; `""` if none. */
  clientDirectory: string;
  /** The protocol counters, or `null` when the server does not answer WTSSessionInfoEx. */
  counters: SessionCounters | null;
}

/**
 * The bits per pixel a WTS_CLIENT_DISPLAY `ColorDepth` code means, or `null` for an unknown one.
 *
 * @example
 * ```ts
 * import { colorDepthBits } from "./session_detail.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(colorDepthBits(4), 16);
 * assert.equal(colorDepthBits(32), 32);
 * assert.equal(colorDepthBits(3), null);
 * ```
 *
 * @param code The `ColorDepth` member as Windows returned it.
 * @returns Bits per pixel, or `null`.
 */
export function colorDepthBits(code: number): number | null {
  return COLOR_DEPTH_BITS[code] ?? null;
}

/**
 * One session with its client's display, build and directory and its protocol counters.
 *
 * Three reads: {@linkcode getSession} (whose errors it throws: ERROR_CTX_WINSTATION_NOT_FOUND
 * for an unknown ID), then WTSClientInfo and WTSSessionInfoEx, each of which may fail on its
 * own (a listener session, an old server) and then leaves its fields `null`. Every buffer is
 * freed before the promise settles.
 *
 * `clientAddress` (and the address inside WTSClientInfo) is what the RDP client reported about
 * itself, not the address that connected: behind NAT it is the client's private address, over
 * a VPN it may be an ISP's, and through an RD Gateway or from the Store's Remote Desktop app it
 * is not available (WTS_CLIENT_ADDRESS, Remarks:
 * https://learn.microsoft.com/windows/win32/api/wtsapi32/ns-wtsapi32-wts_client_address).
 * Never use it to authenticate a client.
 *
 * @example
 * ```ts ignore
 * import { currentSessionId, getSessionDetail } from "../mod.ts";
 *
 * const me = await getSessionDetail(currentSessionId());
 * if (me.clientDisplay) console.log(`${me.clientDisplay.width}x${me.clientDisplay.height}`);
 * ```
 *
 * @param id The session ID.
 * @param options The server; omit for this one.
 * @returns The session with its detail.
 * @throws {WindowsError} ERROR_CTX_WINSTATION_NOT_FOUND (7022) for an unknown ID, and whatever
 * {@linkcode getSession} throws.
 */
export function getSessionDetail(id: number, options?: ServerOption): Promise<SessionDetail> {
  return withContext(options, async (context) => {
    const session = await getSession(id, contextOptions<ServerOption>(context));
    const client = await queryOptional(context, id, WTS_CLIENT_INFO, decodeWtsClientW);
    const ex = await queryOptional(context, id, WTSInfoClass.WTSSessionInfoEx, decodeWtsInfoExW);
    // A session without a client (the console, a listener) is taken to answer zeros for the
    // display and build, as the double does; no capture of real Windows' answer for the console
    // was found, so zeros are read as "none" rather than shown as a 0x0 display.
    const hasDisplay = client !== undefined && (client.hRes !== 0 || client.vRes !== 0);
    return {
      ...session,
      clientDisplay: hasDisplay
        ? {
          width: client.hRes,
          height: client.vRes,
          colorDepthBits: colorDepthBits(client.colorDepth),
          colorDepthCode: client.colorDepth,
        }
        : null,
      clientBuild: client === undefined || client.clientBuildNumber === 0
        ? null
        : client.clientBuildNumber,
      clientDirectory: client?.clientDirectory ?? "",
      counters: ex === undefined ? null : {
        incomingBytes: ex.incomingBytes,
        outgoingBytes: ex.outgoingBytes,
        incomingFrames: ex.incomingFrames,
        outgoingFrames: ex.outgoingFrames,
        incomingCompressedBytes: ex.incomingCompressedBytes,
        outgoingCompressedBytes: ex.outgoingCompressedBytes,
      },
    };
  });
}
