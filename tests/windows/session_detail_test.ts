/**
 * `getSessionDetail` against Wine's OWN wtsapi32.dll (no doubles): what Wine 10 answers for
 * WTSClientInfo and WTSSessionInfoEx on its one Console session, measured here.
 *
 * @module
 */

import assert from "node:assert/strict";
import { getSession, getSessionDetail } from "../../mod.ts";
import { announceSkip, wineSkipReason } from "./wine.ts";

const onWine = !announceSkip("tests/windows/session_detail_test.ts (Wine)", wineSkipReason());

Deno.test({
  name: "wine, mod.ts: getSessionDetail(1) is getSession(1) plus what Wine answers",
  ignore: !onWine,
  async fn() {
    const detail = await getSessionDetail(1);
    const { clientDisplay, clientBuild, clientDirectory, counters, ...session } = detail;
    assert.deepEqual(session, await getSession(1));
    // Measured under Wine 10: the Console session has no client display, build or directory,
    // and WTSSessionInfoEx is not answered, so the counters are null (not zeros), as the
    // library promises for a server that does not answer; nothing throws, nothing leaks.
    assert.deepEqual({ clientDisplay, clientBuild, clientDirectory, counters }, {
      clientDisplay: null,
      clientBuild: null,
      clientDirectory: "",
      counters: null,
    });
  },
});
