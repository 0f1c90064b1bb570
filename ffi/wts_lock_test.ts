import assert from "node:assert/strict";
import {
  decodeWtsInfoExW,
  lockStateFromFlags,
  WTS_SESSIONSTATE_LOCK,
  WTS_SESSIONSTATE_UNKNOWN,
  WTS_SESSIONSTATE_UNLOCK,
} from "./wts_lock.ts";
import { WTSINFOEXW } from "./layouts.ts";

const SERVER_2022 = { major: 10, minor: 0 };
const WINDOWS_7 = { major: 6, minor: 1 }; // also Server 2008 R2
const WINDOWS_8 = { major: 6, minor: 2 };

Deno.test("decodeWtsInfoExW() reads level, id, state, SessionFlags (a LONG) as unsigned and the counters", () => {
  const bytes = new Uint8Array(WTSINFOEXW.size);
  const view = new DataView(bytes.buffer);
  view.setUint32(WTSINFOEXW.offsets.Level, 1, true);
  view.setUint32(WTSINFOEXW.offsets.SessionId, 7, true);
  view.setUint32(WTSINFOEXW.offsets.SessionState, 4, true);
  view.setInt32(WTSINFOEXW.offsets.SessionFlags, -1, true); // WTS_SESSIONSTATE_UNKNOWN
  view.setUint32(WTSINFOEXW.offsets.IncomingBytes, 0xffff_fff0, true);
  view.setUint32(WTSINFOEXW.offsets.OutgoingBytes, 2, true);
  view.setUint32(WTSINFOEXW.offsets.IncomingFrames, 3, true);
  view.setUint32(WTSINFOEXW.offsets.OutgoingFrames, 4, true);
  view.setUint32(WTSINFOEXW.offsets.IncomingCompressedBytes, 5, true);
  view.setUint32(WTSINFOEXW.offsets.OutgoingCompressedBytes, 6, true);
  assert.deepEqual(decodeWtsInfoExW(bytes), {
    level: 1,
    sessionId: 7,
    sessionState: 4,
    sessionFlags: WTS_SESSIONSTATE_UNKNOWN,
    incomingBytes: 0xffff_fff0,
    outgoingBytes: 2,
    incomingFrames: 3,
    outgoingFrames: 4,
    incomingCompressedBytes: 5,
    outgoingCompressedBytes: 6,
  });
  assert.throws(() => decodeWtsInfoExW(new Uint8Array(100)), RangeError);
});

Deno.test("lockStateFromFlags() follows the documented values, reversed only on NT 6.1", () => {
  assert.deepEqual(lockStateFromFlags(WTS_SESSIONSTATE_LOCK, SERVER_2022), {
    locked: true,
    reason: null,
  });
  assert.equal(lockStateFromFlags(WTS_SESSIONSTATE_UNLOCK, SERVER_2022).locked, false);
  assert.equal(lockStateFromFlags(WTS_SESSIONSTATE_LOCK, WINDOWS_8).locked, true);
  // WTSINFOEX_LEVEL1 page: on Windows 7 / Server 2008 R2 LOCK means unlocked and vice versa.
  assert.equal(lockStateFromFlags(WTS_SESSIONSTATE_LOCK, WINDOWS_7).locked, false);
  assert.equal(lockStateFromFlags(WTS_SESSIONSTATE_UNLOCK, WINDOWS_7).locked, true);
});

Deno.test("lockStateFromFlags() says why when it cannot tell", () => {
  assert.match(lockStateFromFlags(WTS_SESSIONSTATE_UNKNOWN, SERVER_2022).reason!, /unknown/);
  assert.match(lockStateFromFlags(7, SERVER_2022).reason!, /SessionFlags 7/);
  const noVersion = lockStateFromFlags(WTS_SESSIONSTATE_LOCK, null, "NetServerGetInfo failed");
  assert.equal(noVersion.locked, null);
  assert.match(noVersion.reason!, /^NetServerGetInfo failed, and Windows 7/);
});
