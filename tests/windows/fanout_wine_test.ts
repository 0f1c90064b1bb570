/**
 * The fan-out on Wine's own wtsapi32.dll, with its Worker lanes: Workers and nonblocking FFI work
 * under Wine, load the same (builtin) library, and report the real Win32 error. Wine's
 * WTSOpenServerW answers NULL with ERROR_CALL_NOT_IMPLEMENTED (120) for every name
 * (measured: see wine_test.ts), so every server fails in the open, on every lane alike.
 */

import assert from "node:assert/strict";
import {
  ERROR_CALL_NOT_IMPLEMENTED,
  listProcessesOnServers,
  listSessionsOnServers,
  settleLateAnswers,
  WindowsError,
} from "../../mod.ts";
import { announceSkip, wineSkipReason } from "./wine.ts";

const onWine = !announceSkip("tests/windows fan-out (Wine)", wineSkipReason());

Deno.test({
  name: "wine, fan-out: 40 servers over the main thread and Workers all report WTSOpenServerW 120",
  ignore: !onWine,
  async fn() {
    // 40 session listings keep up to 320 calls in flight: more than one lane, so Workers run.
    const servers = Array.from({ length: 40 }, (_, i) => `winsession-wine-${i}`);
    const results = await listSessionsOnServers(servers, { timeoutMs: 30_000 });
    assert.deepEqual(results.map((r) => r.server), servers);
    for (const result of results) {
      assert.ok(!result.ok, `${result.server} answered`);
      assert.ok(result.error instanceof WindowsError, String(result.error));
      assert.equal(result.error.code, ERROR_CALL_NOT_IMPLEMENTED);
      assert.equal(result.error.functionName, "WTSOpenServerW");
    }
    // The same message from every lane: the Workers' errors are rebuilt, not retyped.
    assert.equal(new Set(results.map((r) => !r.ok && r.error.message)).size, 1);
    const processes = await listProcessesOnServers(servers.slice(0, 2));
    assert.ok(processes.every((r) => !r.ok && r.error instanceof WindowsError));
    await settleLateAnswers();
  },
});
