/**
 * GetLastError is read by a separate FFI call after the failing one (ffi/errors.ts). Other
 * V8-hosted FFIs lost the last error between such calls: node-ffi #261 ("GetLastError() always
 * 0"), koffi #112 (the value "would sometimes remain, but not always"; fixed by saving it inside
 * the call), Dart's dart-lang/sdk#38832 (GC can run between the call and the read). This test
 * interleaves failing calls that leave DIFFERENT known codes with allocation-heavy JavaScript
 * (enough garbage per round to force scavenges, plus a full `gc()` every 30 rounds in a
 * subprocess started with `--v8-flags=--expose-gc`) and
 * checks every reported code. It runs in the unit suite, so the Wine lane runs it against the
 * PE doubles with Windows deno.exe, where the last error is the real per-thread Win32 one.
 */
import assert from "node:assert/strict";
import { getSession, listSessions } from "./sessions.ts";
import {
  ERROR_ACCESS_DENIED,
  ERROR_CTX_WINSTATION_NOT_FOUND,
  RPC_S_SERVER_UNAVAILABLE,
  WindowsError,
} from "../ffi/errors.ts";
import { assertNoLeaks, ConnectState, doubles, useDoubles } from "../tests/doubles.ts";

const ROUNDS = 1500;
const ERROR_NOT_SUPPORTED = 50;

/** Garbage that survives a little, so scavenges and promotions happen between the calls. */
function churn(round: number): number {
  const keep: unknown[] = [];
  for (let i = 0; i < 400; i++) {
    keep.push({ round, i, text: `row-${round}-${i}`.repeat(4), bytes: new Uint8Array(64) });
  }
  if (round % 30 === 0) (globalThis as { gc?: () => void }).gc?.(); // a full GC is ~30 ms
  return keep.length;
}

async function codeOf(call: () => Promise<unknown>): Promise<number> {
  try {
    await call();
  } catch (error) {
    if (error instanceof WindowsError) return error.code;
    throw error;
  }
  throw new Error("the call was expected to fail");
}

Deno.test("every Win32 error code survives allocation-heavy JavaScript and GC", async () => {
  useDoubles();
  doubles.addSession({ id: 2, winStation: "RDP-Tcp#1", state: ConnectState.Active, user: "al" });
  const wrong: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const kind = round % 4;
    let expected: number;
    let call: () => Promise<unknown>;
    if (kind === 0) {
      expected = ERROR_CTX_WINSTATION_NOT_FOUND; // the double's own answer for an unknown id
      call = () => getSession(900 + (round % 50));
    } else if (kind === 1) {
      expected = ERROR_ACCESS_DENIED;
      doubles.failNext("WTSQuerySessionInformationW", expected);
      call = () => getSession(2);
    } else if (kind === 2) {
      expected = RPC_S_SERVER_UNAVAILABLE;
      doubles.failNext("WTSEnumerateSessionsExW", ERROR_NOT_SUPPORTED);
      doubles.failNext("WTSEnumerateSessionsW", expected);
      call = () => listSessions();
    } else {
      expected = 1000 + round; // arbitrary codes, different every round
      doubles.failNext("WTSQuerySessionInformationW", expected);
      call = () => getSession(2);
    }
    churn(round);
    const code = await codeOf(call);
    if (code !== expected) wrong.push(`round ${round}: expected ${expected}, got ${code}`);
  }
  assert.deepEqual(wrong, []);
  assertNoLeaks();
});

Deno.test("the same under --expose-gc, with full collections between the calls", async () => {
  const self = new URL(import.meta.url);
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "test",
      "--v8-flags=--expose-gc",
      "--allow-ffi",
      "--allow-env",
      "--allow-read",
      "--filter",
      "every Win32 error code survives",
      self.href,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  assert.ok(output.success, text);
  assert.match(text, /1 passed/);
});
