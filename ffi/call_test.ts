import assert from "node:assert/strict";
import {
  callBool,
  callBoolBlocking,
  callBoolStatus,
  callHandle,
  checkResult,
  decodeThenFree,
  FAILED_WITHOUT_CODE,
  failureOf,
  freeBlock,
  OutBlock,
  tryBool,
} from "./call.ts";
import {
  AbandonedError,
  ERROR_ACCESS_DENIED,
  ERROR_CTX_WINSTATION_NOT_FOUND,
  ERROR_INVALID_HANDLE,
  ERROR_SUCCESS,
  RPC_S_SERVER_UNAVAILABLE,
  WindowsError,
} from "./errors.ts";
import { kernel32, wtsapi32 } from "./load.ts";
import { encodeWide } from "./utf16.ts";
import { decodeSessionInfoW } from "./wts_structs.ts";
import { assertNoLeaks, ConnectState, doubles, useDoubles } from "../tests/doubles.ts";

const blocking = { server: "", nonblocking: false, abandoned: false };
const pooled = { server: "", nonblocking: true, abandoned: false };

function enumerateArgs(out: OutBlock) {
  return [null, 0, 1, out.cellBytes, out.numberBytes] as [
    null,
    number,
    number,
    Uint8Array<ArrayBuffer>,
    Uint8Array<ArrayBuffer>,
  ];
}

function isWindowsError(code: number, functionName: string) {
  return (error: unknown) =>
    error instanceof WindowsError && error.code === code && error.functionName === functionName;
}

Deno.test("callBoolBlocking: TRUE returns, FALSE throws the thread's last error", () => {
  useDoubles();
  const k32 = kernel32();
  const id = new Uint32Array(1);
  callBoolBlocking(k32, "ProcessIdToSessionId", [
    k32.GetCurrentProcessId(),
    new Uint8Array(id.buffer),
  ]);
  doubles.failNext("WTSLogoffSession", ERROR_CTX_WINSTATION_NOT_FOUND);
  assert.throws(
    () => callBoolBlocking(wtsapi32(), "WTSLogoffSession", [null, 3, 0]),
    isWindowsError(ERROR_CTX_WINSTATION_NOT_FOUND, "WTSLogoffSession"),
  );
  assertNoLeaks();
});

Deno.test("callBoolBlocking clears a stale last error before the call", () => {
  useDoubles();
  doubles.setLastError(ERROR_ACCESS_DENIED); // left over from an earlier call
  const out = new OutBlock();
  callBoolBlocking(wtsapi32(), "WTSEnumerateSessionsW", enumerateArgs(out));
  freeBlock(out, wtsapi32().WTSFreeMemory);
  assert.equal(kernel32().GetLastError(), 0);
  assertNoLeaks();
});

Deno.test("callHandle: a handle, or the last error of a NULL", () => {
  useDoubles();
  doubles.addServer("rdsh01");
  const wts = wtsapi32();
  const handle = callHandle(wts, "WTSOpenServerW", [encodeWide("rdsh01", "server")]);
  wts.WTSCloseServer(handle);
  doubles.failNext("WTSOpenServerW", RPC_S_SERVER_UNAVAILABLE);
  assert.throws(
    () => callHandle(wts, "WTSOpenServerW", [encodeWide("rdsh02", "server")]),
    isWindowsError(RPC_S_SERVER_UNAVAILABLE, "WTSOpenServerW"),
  );
  assertNoLeaks();
});

Deno.test("checkResult: 0 passes, any other DWORD is the WindowsError for it", () => {
  useDoubles();
  checkResult("RmEndSession", 0);
  assert.throws(
    () => checkResult("RmEndSession", ERROR_INVALID_HANDLE),
    isWindowsError(ERROR_INVALID_HANDLE, "RmEndSession"),
  );
  assertNoLeaks();
});

Deno.test("callBool on the pool: a fast failure is repeated once on the main thread for its code", async () => {
  useDoubles();
  doubles.failNext("WTSEnumerateSessionsW", ERROR_ACCESS_DENIED, 2);
  const out = new OutBlock();
  await assert.rejects(
    callBool(pooled, wtsapi32(), "WTSEnumerateSessionsW", enumerateArgs(out)),
    isWindowsError(ERROR_ACCESS_DENIED, "WTSEnumerateSessionsW"),
  );
  assert.equal(doubles.calls("WTSEnumerateSessionsW"), 2); // the pool call and its repeat
  assertNoLeaks();
});

Deno.test("callBool: a transient pool failure is answered by the repeat's result", async () => {
  useDoubles();
  doubles.addSession({ id: 2, winStation: "RDP-Tcp#0", state: ConnectState.Active });
  doubles.failNext("WTSEnumerateSessionsW", ERROR_ACCESS_DENIED, 1);
  const out = new OutBlock();
  const wts = wtsapi32();
  await callBool(pooled, wts, "WTSEnumerateSessionsW", enumerateArgs(out));
  const ids = decodeThenFree(
    out,
    [],
    (block, count) => decodeSessionInfoW(block, count).map((row) => row.sessionId),
    wts.WTSFreeMemory,
  );
  assert.ok(ids.includes(2));
  assertNoLeaks();
});

Deno.test("callBool runs prepare before every attempt, and not at all when abandoned", async () => {
  useDoubles();
  let prepared = 0;
  doubles.failNext("WTSEnumerateSessionsW", ERROR_ACCESS_DENIED, 2);
  const out = new OutBlock();
  const wts = wtsapi32();
  await assert.rejects(
    callBool(pooled, wts, "WTSEnumerateSessionsW", enumerateArgs(out), {
      prepare: () => prepared++,
    }),
    WindowsError,
  );
  assert.equal(prepared, 2);
  const abandoned = { ...pooled, abandoned: true };
  await assert.rejects(
    callBool(abandoned, wts, "WTSEnumerateSessionsW", enumerateArgs(out), {
      prepare: () => prepared++,
    }),
    AbandonedError,
  );
  assert.equal(prepared, 2);
  assert.equal(doubles.calls("WTSEnumerateSessionsW"), 2);
  assertNoLeaks();
});

Deno.test("tryBool says whether it worked and never repeats a failure", async () => {
  useDoubles();
  const wts = wtsapi32();
  for (const mode of [blocking, pooled]) {
    doubles.reset();
    doubles.failNext("WTSEnumerateSessionsW", ERROR_ACCESS_DENIED, 1);
    const out = new OutBlock();
    assert.equal(await tryBool(mode, wts, "WTSEnumerateSessionsW", enumerateArgs(out)), false);
    assert.equal(await tryBool(mode, wts, "WTSEnumerateSessionsW", enumerateArgs(out)), true);
    freeBlock(out, wts.WTSFreeMemory);
    assert.equal(doubles.calls("WTSEnumerateSessionsW"), 2);
  }
  assertNoLeaks();
});

Deno.test("decodeThenFree frees the block even when decoding throws, and answers NULL with empty", () => {
  useDoubles();
  const wts = wtsapi32();
  const out = new OutBlock();
  assert.deepEqual(decodeThenFree(out, [], () => [1], wts.WTSFreeMemory), []);
  callBoolBlocking(wts, "WTSEnumerateSessionsW", enumerateArgs(out));
  assert.throws(
    () =>
      decodeThenFree(out, [], () => {
        throw new Error("bad row");
      }, wts.WTSFreeMemory),
    /bad row/,
  );
  assert.equal(out.pointer(), null);
  assertNoLeaks();
});

Deno.test("the helpers' types: twins only where an …Async twin exists, argument lists checked", () => {
  // Never run: these lines only have to type-check (or fail to, where marked).
  const typed = () => {
    const wts = wtsapi32();
    // @ts-expect-error WTSTerminateProcess has no nonblocking twin
    void callBool(pooled, wts, "WTSTerminateProcess", [null, 1, 0]);
    // @ts-expect-error the argument list is WTSLogoffSession's: (handle, session, bWait)
    void callBool(pooled, wts, "WTSLogoffSession", [null, "3", 0]);
    // @ts-expect-error WTSOpenServerW returns a HANDLE, not a BOOL
    callBoolBlocking(wts, "WTSOpenServerW", [null]);
  };
  assert.equal(typeof typed, "function");
});

Deno.test("callBoolStatus gives the code instead of throwing, on the main thread and the pool", async () => {
  useDoubles();
  const out = new OutBlock();
  const wts = wtsapi32();
  assert.equal(await callBoolStatus(blocking, wts, "WTSEnumerateSessionsW", enumerateArgs(out)), 0);
  wts.WTSFreeMemory(out.pointer());
  doubles.failNext("WTSEnumerateSessionsW", ERROR_ACCESS_DENIED, 1);
  assert.equal(
    await callBoolStatus(blocking, wts, "WTSEnumerateSessionsW", enumerateArgs(out)),
    ERROR_ACCESS_DENIED,
  );
  // On the pool, the failure is repeated on the main thread for its code, as callBool does.
  doubles.failNext("WTSEnumerateSessionsW", ERROR_ACCESS_DENIED, 2);
  const before = doubles.calls("WTSEnumerateSessionsW");
  assert.equal(
    await callBoolStatus(pooled, wts, "WTSEnumerateSessionsW", enumerateArgs(out)),
    ERROR_ACCESS_DENIED,
  );
  assert.equal(doubles.calls("WTSEnumerateSessionsW") - before, 2);
  assertNoLeaks();
});

Deno.test("failureOf: the WindowsError of a status, and of a failure that set no code", () => {
  const denied = failureOf("LookupAccountSidW", ERROR_ACCESS_DENIED);
  assert.ok(isWindowsError(ERROR_ACCESS_DENIED, "LookupAccountSidW")(denied));
  const silent = failureOf("WTSEnumerateSessionsW", FAILED_WITHOUT_CODE);
  assert.equal(silent.code, ERROR_SUCCESS);
  assert.match(silent.message, /failed without setting an error code/);
});
