import assert from "node:assert/strict";
import { join } from "node:path";

import { parseExclusion, resolveExclusions } from "./exclusions.ts";
import { ReleasePlan } from "./release.ts";
import { RestartManagerSession } from "./session.ts";
import type { RmProcess } from "./types.ts";
import { doubles, type ProcessSetup, useDoubles } from "../tests/doubles.ts";
import { rmDoubles } from "../tests/doubles_rm.ts";

import { addTestProcess, RESTARTABLE_APP, START, tempFolderTest } from "./_testing.ts";

useDoubles();

const EXCEL = "C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE";

function exclusionTest(name: string, body: (file: string) => Promise<void> | void) {
  tempFolderTest(
    name,
    { prefix: "winsession_exclude_", files: { "budget.xlsx": "" } },
    (dir) => body(join(dir, "budget.xlsx")),
  );
}

function holder(file: string, pid: number, extra: Partial<ProcessSetup> = {}) {
  addTestProcess(pid, { imagePath: `C:\\Apps\\app${pid}.exe`, ...RESTARTABLE_APP, ...extra });
  rmDoubles.lock(file, pid);
}

const pids = (list: readonly RmProcess[]) => list.map((p) => p.pid);

Deno.test("parseExclusion: digits are a pid, .exe or a path an image, else a service", () => {
  assert.deepEqual(parseExclusion(" 42 "), { pid: 42 });
  assert.deepEqual(parseExclusion("EXCEL.EXE"), { image: "EXCEL.EXE" });
  assert.deepEqual(parseExclusion("C:\\Tools\\agent"), { image: "C:\\Tools\\agent" });
  assert.deepEqual(parseExclusion("wuauserv"), { service: "wuauserv" });
  assert.throws(() => parseExclusion(" "), TypeError);
  assert.throws(() => parseExclusion("4294967296"), /up to 4294967295/);
});

exclusionTest(
  "resolve: an image longer than MAX_PATH is matched (the one image reader retries, holders' too)",
  async (file) => {
    const long = `C:\\${"deep\\".repeat(70)}agent.exe`;
    holder(file, 14, { imagePath: long, appName: "Agent" });
    using plan = await ReleasePlan.create([file]);
    const [byImage] = resolveExclusions([parseExclusion("agent.exe")], plan.processes);
    assert.deepEqual(byImage!.filters, [{ file: long }]);
    assert.deepEqual(pids(byImage!.processes), [14]);
  },
);

exclusionTest(
  "resolve: pid with its start time, service by name, image to full paths",
  async (file) => {
    holder(file, 10);
    holder(file, 11, { imagePath: EXCEL, appName: "Excel" });
    holder(file, 12, { imagePath: EXCEL, appName: "Excel" });
    holder(file, 13, { service: "Spooler", appType: 3, sessionId: 0 });
    using plan = await ReleasePlan.create([file]);
    const [byPid, byImage, byPath, byService] = resolveExclusions(
      ["10", "excel.exe", EXCEL.toLowerCase(), "spooler"].map(parseExclusion),
      plan.processes,
    );
    assert.deepEqual(byPid!.filters, [{ process: { pid: 10, startTime: START + 10n } }]);
    // One RmAddFilter for the executable both Excel processes run, by its full path.
    assert.deepEqual(byImage!.filters, [{ file: EXCEL }]);
    assert.deepEqual(pids(byImage!.processes), [11, 12]);
    assert.deepEqual(pids(byPath!.processes), [11, 12]);
    assert.deepEqual(byService!.filters, [{ service: "Spooler" }]);
    assert.deepEqual(pids(byService!.processes), [13]);
  },
);

exclusionTest(
  "resolve: a typo is refused, naming the holders; unreadable images explained",
  async (file) => {
    holder(file, 20);
    holder(file, 21, { accessDenied: true });
    using plan = await ReleasePlan.create([file]);
    assert.throws(
      () => resolveExclusions([{ pid: 99 }], plan.processes),
      /^TypeError: --exclude pid 99 matches no program holding the files \(the holders are 20 App 20, 21 App 21\)$/,
    );
    assert.throws(
      () => resolveExclusions([{ image: "winword.exe" }], plan.processes),
      /the executable of pid 21 could not be read \(not elevated\?\), and RmAddFilter needs its full path: exclude it by pid instead/,
    );
    assert.throws(() => resolveExclusions([{ service: "Nope" }], plan.processes), /service Nope/);
    assert.deepEqual(resolveExclusions([{ pid: 99 }], plan.processes, { strict: false }), [
      { exclusion: { pid: 99 }, filters: [], processes: [] },
    ]);
  },
);

exclusionTest("execute: excluded programs are kept running and reported as kept", async (file) => {
  holder(file, 30);
  holder(file, 31, { imagePath: EXCEL, appName: "Excel" });
  holder(file, 32, { service: "Spooler", appType: 3, sessionId: 0 });
  holder(file, 33);
  using plan = await ReleasePlan.create([file]);
  const outcome = await plan.execute({
    exclude: [{ image: "EXCEL.exe" }, { service: "Spooler" }, { pid: 33 }],
  });
  assert.deepEqual(pids(outcome.closed), [30]);
  assert.deepEqual(pids(outcome.kept), [31, 32, 33]);
  assert.deepEqual(pids(outcome.stillRunning), [31, 32, 33]);
  for (const process of outcome.kept) assert.ok(process.status.includes("ShutdownMasked"));
  assert.equal(doubles.processAlive(30), false);
  for (const pid of [31, 32, 33]) assert.equal(doubles.processAlive(pid), true);
  assert.equal(outcome.rebootRequired, false);
});

exclusionTest(
  "the double, like RmAddFilter's page: a module filter needs the full path",
  (file) => {
    holder(file, 41);
    using rm = RestartManagerSession.start();
    rm.registerFiles([file]);
    // Not "the full path for the application's executable file": masks nothing.
    rm.addFilter({ file: "app41.exe", action: "noShutdown" });
    assert.deepEqual(rm.list().processes[0]!.status, ["Running"]);
    rm.addFilter({ file: "c:\\apps\\APP41.exe", action: "noShutdown" });
    assert.deepEqual(rm.list().processes[0]!.status, ["Running", "ShutdownMasked"]);
  },
);
