/**
 * Integration tests of wts/accounts.ts against the system's OWN advapi32.dll (Wine's under the
 * Wine lane, no test double): LookupAccountSidW through the real x64 ABI and PE loader, the
 * token's elevation, and the `user` column of listProcesses.
 *
 * Real Windows localizes account names ("NT-AUTORITÄT\SYSTEM" on German systems), so the tests
 * that run everywhere check the kind and shape; exact names are asserted for Wine only.
 *
 * Run: sudo scripts/wine/run.sh test --allow-ffi --allow-env --allow-read tests/windows/
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  isElevated,
  listProcesses,
  lookupAccountName,
  RPC_S_SERVER_UNAVAILABLE,
  WindowsError,
} from "../../mod.ts";
import { announceSkip, windowsSkipReason, wineSkipReason } from "./wine.ts";

const onWindows = !announceSkip("tests/windows accounts (any Windows)", windowsSkipReason());
const onWine = !announceSkip("tests/windows accounts (Wine)", wineSkipReason());

Deno.test({
  name: "advapi32: LookupAccountSidW names LocalSystem (S-1-5-18) as a well-known account",
  ignore: !onWindows,
  async fn() {
    const system = await lookupAccountName("S-1-5-18");
    assert.ok(system, "S-1-5-18 did not map");
    assert.equal(system.use, "WellKnownGroup");
    assert.ok(system.name.length > 0 && system.domain.length > 0);
    assert.equal(system.qualified, `${system.domain}\\${system.name}`);
  },
});

Deno.test({
  name: "advapi32: isElevated answers from the real token (and closes it)",
  ignore: !onWindows,
  fn() {
    assert.equal(typeof isElevated(), "boolean");
  },
});

Deno.test({
  name: "wine: S-1-5-18 is NT AUTHORITY\\SYSTEM, Everyone has no domain",
  ignore: !onWine,
  async fn() {
    assert.equal((await lookupAccountName("S-1-5-18"))?.qualified, "NT AUTHORITY\\SYSTEM");
    // Wine 10 answers an empty domain for Everyone, as Windows does: qualified is the name alone.
    assert.deepEqual(await lookupAccountName("S-1-1-0"), {
      domain: "",
      name: "Everyone",
      qualified: "Everyone",
      use: "WellKnownGroup",
    });
  },
});

Deno.test({
  name: "wine: an unmapped SID is null, an unknown lpSystemName a WindowsError",
  ignore: !onWine,
  async fn() {
    assert.equal(await lookupAccountName("S-1-5-21-1-2-3-4242"), null);
    // The nonblocking call fails on a pool thread; its blocking repeat gives Wine's exact code,
    // the one Wine's own conformance test expects ("deepthought" -> RPC_S_SERVER_UNAVAILABLE).
    await assert.rejects(
      () => lookupAccountName("S-1-5-18", { server: "deepthought" }),
      (error) => {
        assert.ok(error instanceof WindowsError);
        assert.equal(error.code, RPC_S_SERVER_UNAVAILABLE);
        return true;
      },
    );
  },
});

Deno.test({
  name: "wine: the token is not elevated; our own process row carries our account name",
  ignore: !onWine,
  async fn() {
    // Observed on this lane's Wine 10 (run as root): TokenIsElevated 0, user S-1-5-21-0-0-0-1000
    // named "<computer>\root".
    assert.equal(isElevated(), false);
    const ours = (await listProcesses()).find((p) => p.pid === Deno.pid);
    assert.ok(ours?.userSid, "deno.exe is not listed with a SID");
    assert.match(ours.user, /^[^\\]+\\[^\\]+$/);
    assert.equal(ours.user, (await lookupAccountName(ours.userSid))?.qualified);
  },
});
