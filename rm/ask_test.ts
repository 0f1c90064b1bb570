// ReleasePlan.execute({ ask }) against the doubles: one box per user session, all at once;
// yes closes, no keeps (RmNoShutdown), no answer (IDTIMEOUT, or 0) follows onNoAnswer, a box that
// cannot be shown counts as no answer, services and session-0 programs are not asked.
import assert from "node:assert/strict";
import { join } from "node:path";

import { askText, notAskedReason, planAsks } from "./ask.ts";
import { ShutdownError } from "../ffi/errors.ts";
import { ReleasePlan } from "./release.ts";
import type { RmProcess } from "./types.ts";
import { assertNoLeaks, ConnectState, doubles, useDoubles } from "../tests/doubles.ts";
import { rmDoubles } from "../tests/doubles_rm.ts";

useDoubles();

const START = 133_500_000_000_000_000n;
const IDYES = 6;
const IDNO = 7;
const IDTIMEOUT = 32000;

function askTest(name: string, body: (file: string) => Promise<void>) {
  Deno.test(name, async () => {
    doubles.reset();
    const dir = await Deno.makeTempDir({ prefix: "winsession_ask_" });
    const file = join(dir, "Budget.xlsx");
    await Deno.writeTextFile(file, "");
    for (const id of [2, 3, 4]) {
      doubles.addSession({
        id,
        winStation: `RDP-Tcp#${id}`,
        state: ConnectState.Active,
        user: `u${id}`,
      });
    }
    try {
      await body(file);
    } finally {
      await Deno.remove(dir, { recursive: true });
      assertNoLeaks();
    }
  });
}

function holder(file: string, pid: number, sessionId: number, extra: Record<string, unknown> = {}) {
  doubles.addProcess({
    pid,
    sessionId,
    name: `app${pid}.exe`,
    appName: `App ${pid}`,
    createTime: START + BigInt(pid),
    appType: 1,
    restartable: true,
    ...extra,
  });
  rmDoubles.lock(file, pid);
}

const summary = (
  asks: readonly {
    process: RmProcess;
    asked: boolean;
    answer: unknown;
    decision: string;
    result: unknown;
  }[],
) => asks.map((a) => [a.process.pid, a.asked, a.answer, a.decision, a.result]);

askTest(
  "ask: yes closes, no keeps (RmNoShutdown), each session answering for itself",
  async (file) => {
    holder(file, 20, 2);
    holder(file, 21, 2, { appName: "Notepad" });
    holder(file, 30, 3);
    doubles.setSessionMessageResponse(2, IDYES);
    doubles.setSessionMessageResponse(3, IDNO);
    using plan = await ReleasePlan.create([file]);
    const shown: number[][] = [];
    const outcome = await plan.execute({
      ask: { timeoutSeconds: 30, onAsking: (s) => shown.push(s.map((b) => b.sessionId)) },
    });
    assert.deepEqual(shown, [[2, 3]]);
    assert.deepEqual(summary(outcome.asks), [
      [20, true, "yes", "close", "closed"],
      [21, true, "yes", "close", "closed"],
      [30, true, "no", "keep", "kept"],
    ]);
    assert.equal(doubles.processAlive(20), false);
    assert.equal(doubles.processAlive(30), true);
    assert.deepEqual(outcome.stillRunning.map((p) => p.pid), [30]);
    assert.ok(outcome.stillRunning[0]!.status.includes("ShutdownMasked"));
    // One box per session, listing its programs and the file.
    const two = doubles.sessionMessage(2);
    assert.equal(two.count, 1);
    assert.match(
      two.text,
      new RegExp(
        `^App 20 and Notepad must close so .*Budget\\.xlsx can be updated\\. Close them now\\?`,
      ),
    );
    assert.match(doubles.sessionMessage(3).text, /^App 30 must close .* Close it now\?/);
    const last = doubles.lastMessage();
    assert.equal(last.count, 2);
    assert.equal(last.style, 0x24); // MB_YESNO | MB_ICONQUESTION
    assert.equal(last.timeout, 30);
    assert.equal(last.wait, true);
    assert.deepEqual(plan.asks.map((a) => a.result), ["closed", "closed", "kept"]);
  },
);

askTest(
  "ask: no answer keeps by default, closes with onNoAnswer close; answer 0 is a timeout",
  async (file) => {
    holder(file, 40, 2);
    holder(file, 41, 3);
    doubles.setSessionMessageResponse(2, IDTIMEOUT);
    doubles.setSessionMessageResponse(3, 0); // a Server build's timeout (Cassia)
    {
      using plan = await ReleasePlan.create([file]);
      const outcome = await plan.execute({ ask: { timeoutSeconds: 5 } });
      assert.deepEqual(summary(outcome.asks), [
        [40, true, "timeout", "keep", "kept"],
        [41, true, "timeout", "keep", "kept"],
      ]);
      assert.equal(doubles.calls("RmShutdown"), 0); // nothing to close: no shutdown at all
      assert.match(
        doubles.sessionMessage(2).text,
        /Without an answer within 5 seconds, it stays open\./,
      );
    }
    using plan = await ReleasePlan.create([file]);
    const outcome = await plan.execute({ ask: { timeoutSeconds: 5, onNoAnswer: "close" } });
    assert.deepEqual(summary(outcome.asks), [
      [40, true, "timeout", "close", "closed"],
      [41, true, "timeout", "close", "closed"],
    ]);
    assert.match(doubles.sessionMessage(2).text, /it will be closed\.$/);
  },
);

askTest(
  "ask: services and session-0 programs are not asked and are closed as usual",
  async (file) => {
    holder(file, 50, 0, { appName: "Print Spooler", service: "Spooler", appType: 3 });
    holder(file, 51, 0);
    holder(file, 52, 2);
    doubles.setSessionMessageResponse(2, IDNO);
    using plan = await ReleasePlan.create([file]);
    const outcome = await plan.execute({ ask: {} });
    assert.deepEqual(summary(outcome.asks), [
      [50, false, null, "close", "closed"],
      [51, false, null, "close", "closed"],
      [52, true, "no", "keep", "kept"],
    ]);
    assert.deepEqual(outcome.asks.map((a) => a.notAskedReason), ["service", "session0", null]);
    assert.equal(doubles.sessionMessage(0).count, 0);
    assert.equal(doubles.lastMessage().count, 1);
  },
);

askTest("ask: a box that cannot be shown counts as no answer and says why", async (file) => {
  holder(file, 60, 9); // session 9 does not exist: WTSQuerySessionInformation fails first
  using plan = await ReleasePlan.create([file]);
  const outcome = await plan.execute({ ask: { onNoAnswer: "keep" } });
  assert.deepEqual(summary(outcome.asks), [[60, true, "failed", "keep", "kept"]]);
  assert.match(outcome.asks[0]!.error!, /ERROR_CTX_WINSTATION_NOT_FOUND|7022/);
  assert.equal(doubles.processAlive(60), true);
});

askTest(
  "ask: a program that refuses to close after a Yes is 'running'; plan.asks survives the ShutdownError",
  async (file) => {
    holder(file, 80, 2, { refuseShutdown: true });
    holder(file, 81, 3);
    doubles.setSessionMessageResponse(2, IDYES);
    doubles.setSessionMessageResponse(3, IDYES);
    using plan = await ReleasePlan.create([file]);
    await assert.rejects(plan.execute({ ask: {} }), ShutdownError);
    assert.deepEqual(plan.asks.map((a) => [a.process.pid, a.answer, a.result]), [
      [80, "yes", "running"],
      [81, "yes", "closed"],
    ]);
  },
);

askTest("ask: an already aborted signal shows no box and closes nothing", async (file) => {
  holder(file, 90, 2);
  using plan = await ReleasePlan.create([file]);
  const stop = new AbortController();
  stop.abort(new Error("interrupted"));
  await assert.rejects(plan.execute({ ask: {}, signal: stop.signal }), /interrupted/);
  assert.equal(doubles.lastMessage().count, 0);
  assert.equal(doubles.processAlive(90), true);
});

askTest("ask with restart: closed programs come back and say so", async (file) => {
  holder(file, 70, 2);
  doubles.setSessionMessageResponse(2, IDYES);
  using plan = await ReleasePlan.create([file]);
  const outcome = await plan.execute({ restart: true, ask: {} });
  assert.deepEqual(outcome.asks.map((a) => a.result), ["restarted"]);
});

Deno.test("planAsks and askText: the wording, who is asked, and a refused timeout", () => {
  const base: RmProcess = {
    pid: 1,
    startTime: null,
    startFileTime: 1n,
    appName: "Excel",
    serviceName: null,
    type: "MainWindow",
    typeCode: 1,
    status: ["Running"],
    statusFlags: 1,
    sessionId: 3,
    restartable: true,
  };
  const target = {
    path: "B",
    fullPath: "D:\\Finance\\Budget.xlsx",
    directory: false,
    fileCount: 1,
  };
  assert.equal(
    askText(["Excel"], [target], 60, "keep"),
    "Excel must close so D:\\Finance\\Budget.xlsx can be updated. Close it now?\n\n" +
      "Save your work first, then answer Yes. If you answer No, it stays open. " +
      "Without an answer within 60 seconds, it stays open.",
  );
  const folder = { path: "D:\\app", fullPath: "D:\\app", directory: true, fileCount: 9 };
  assert.match(
    askText(["A", "B", "C"], [folder], 1, "close"),
    /^A, B and C must close so the files in D:\\app/,
  );
  assert.equal(notAskedReason({ ...base, sessionId: null }), "noSession");
  const { sessions, notAsked } = planAsks([base, { ...base, pid: 2, sessionId: 0 }], [target]);
  assert.deepEqual(sessions.map((s) => [s.sessionId, s.processes.length]), [[3, 1]]);
  assert.deepEqual(notAsked.map((n) => [n.process.pid, n.reason]), [[2, "session0"]]);
  assert.throws(() => planAsks([base], [target], { timeoutSeconds: 0 }), RangeError);
  assert.throws(() => planAsks([base], [target], { timeoutSeconds: 1.5 }), RangeError);
});
