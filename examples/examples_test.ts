/**
 * Runs each example's core function in-process against the test doubles, as a user would run
 * the script on Windows, and checks nothing leaks.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { assertNoLeaks, ConnectState, doubles, useDoubles } from "../tests/doubles.ts";
import { rmDoubles } from "../tests/doubles_rm.ts";
import { logoffIdle } from "./logoff_idle.ts";
import { freeFilesAndRestart } from "./free_files_and_restart.ts";
import { type LogonRecord, watchLogons } from "./watch_logons.ts";
import { logoffSession } from "../mod.ts";
import { maintenanceWindow } from "./maintenance_window.ts";

const HOUR = 3_600_000;
const hoursAgo = (hours: number) => new Date(Date.now() - hours * HOUR);

function idleSessions() {
  useDoubles();
  doubles.setCurrentSession(1);
  doubles.addSession({ id: 0, winStation: "Services", state: ConnectState.Disconnected });
  // The session running the script: idle for long, but never logged off.
  doubles.addSession({
    id: 1,
    winStation: "Console",
    state: ConnectState.Active,
    user: "admin",
    lastInputTime: hoursAgo(30),
  });
  doubles.addSession({
    id: 2,
    winStation: "RDP-Tcp#1",
    state: ConnectState.Active,
    user: "alice",
    domain: "CONTOSO",
    lastInputTime: hoursAgo(10),
  });
  doubles.addSession({
    id: 3,
    winStation: "RDP-Tcp#2",
    state: ConnectState.Active,
    user: "bob",
    lastInputTime: hoursAgo(1),
  });
  doubles.addSession({
    id: 4,
    winStation: "",
    state: ConnectState.Disconnected,
    user: "carol",
    disconnectTime: hoursAgo(20),
    lastInputTime: hoursAgo(20),
  });
}

Deno.test("logoff_idle: a dry run lists idle sessions and logs nobody off", async () => {
  idleSessions();
  const lines: string[] = [];
  const result = await logoffIdle({ hours: 8, log: (line) => lines.push(line) });
  assert.deepEqual(result.idle.map((entry) => entry.session.id).sort(), [2, 4]);
  assert.deepEqual(result.loggedOff, []);
  assert.equal(doubles.calls("WTSLogoffSession"), 0);
  assert.ok(
    lines.some((line) => /would log off session 2 \(CONTOSO\\alice/.test(line)),
    lines.join("\n"),
  );
  assert.ok(lines.some((line) => /--apply/.test(line)));
  assertNoLeaks();
});

Deno.test("logoff_idle --apply logs off exactly the idle sessions, never its own", async () => {
  idleSessions();
  const result = await logoffIdle({ hours: 8, apply: true, log: () => {} });
  assert.deepEqual(result.loggedOff.sort(), [2, 4]);
  assert.deepEqual(result.failed, []);
  assert.equal(doubles.calls("WTSLogoffSession"), 2);
  assertNoLeaks();
});

Deno.test("logoff_idle reports a session it could not log off and goes on", async () => {
  idleSessions();
  doubles.failNext("WTSLogoffSession", 5);
  const result = await logoffIdle({ hours: 8, apply: true, log: () => {} });
  assert.equal(result.failed.length, 1);
  assert.match(result.failed[0]!.error, /ERROR_ACCESS_DENIED/);
  assert.equal(result.loggedOff.length, 1);
  assertNoLeaks();
});

async function lockedFiles() {
  useDoubles();
  const folder = await Deno.realPath(await Deno.makeTempDir({ prefix: "winsession-example-" }));
  // join: the double matches the full path the library registers ("C:\…\core.dll" on Windows).
  const app = join(folder, "app.exe");
  const core = join(folder, "core.dll");
  await Deno.writeTextFile(app, "old");
  await Deno.writeTextFile(core, "old");
  doubles.addProcess({
    pid: 4242,
    sessionId: 1,
    name: "app.exe",
    appName: "Contoso App",
    appType: 1, // RmMainWindow
    restartable: true,
    createTime: hoursAgo(2),
  });
  rmDoubles.lock(core, 4242);
  return { folder, paths: [app, core] };
}

Deno.test("free_files_and_restart: closes the holder, updates, restarts it", async () => {
  const { folder, paths } = await lockedFiles();
  try {
    const updated: string[][] = [];
    const result = await freeFilesAndRestart({
      paths,
      update: (p) => void updated.push([...p]),
      log: () => {},
    });
    assert.deepEqual(result.holders.map((p) => p.pid), [4242]);
    assert.deepEqual(updated, [paths]);
    assert.equal(result.updated, true);
    assert.equal(result.restarted, true);
    assertNoLeaks();
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("free_files_and_restart: a failing update still restarts and ends the session", async () => {
  const { folder, paths } = await lockedFiles();
  try {
    const logged: string[] = [];
    await assert.rejects(
      freeFilesAndRestart({
        paths,
        update: () => {
          throw new Error("disk full");
        },
        log: (line) => logged.push(line),
      }),
      /disk full/,
    );
    assert.ok(logged.some((line) => /restarting/.test(line)), logged.join("\n"));
    assertNoLeaks();
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("free_files_and_restart --dry-run only lists", async () => {
  const { folder, paths } = await lockedFiles();
  try {
    let ran = false;
    const result = await freeFilesAndRestart({
      paths,
      dryRun: true,
      update: () => void (ran = true),
      log: () => {},
    });
    assert.deepEqual(result.holders.map((p) => p.pid), [4242]);
    assert.equal(ran, false);
    assert.equal(result.restarted, false);
    assertNoLeaks();
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

const WTS_EVENT_CONNECT = 0x8;
const WTS_EVENT_LOGON = 0x20;
const WTS_EVENT_LOGOFF = 0x40;

async function until(condition: () => boolean, what: string) {
  for (let i = 0; i < 10_000 && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  assert.ok(condition(), `never happened: ${what}`);
}

Deno.test("watch_logons appends who logged on and off as JSON lines until aborted", async () => {
  useDoubles();
  doubles.addSession({ id: 1, winStation: "Console", state: ConnectState.Active, user: "admin" });
  const folder = await Deno.makeTempDir({ prefix: "winsession-example-" });
  const file = `${folder}/logons.jsonl`;
  try {
    const controller = new AbortController();
    const records: LogonRecord[] = [];
    const watching = watchLogons({
      file,
      signal: controller.signal,
      onRecord: (record) => records.push(record),
    });
    await doubles.waitUntilPending(1);
    doubles.addSession({
      id: 2,
      winStation: "RDP-Tcp#1",
      state: ConnectState.Active,
      user: "alice",
      domain: "CONTOSO",
      clientName: "LAPTOP-7",
      clientAddress: "10.0.0.5",
    });
    doubles.injectEvent(WTS_EVENT_LOGON);
    await until(() => records.length === 1, "the logon line");
    await doubles.waitUntilPending(1);
    doubles.injectEvent(WTS_EVENT_CONNECT); // nothing changed: not written
    await doubles.waitUntilPending(1);
    await logoffSession(2);
    doubles.injectEvent(WTS_EVENT_LOGOFF);
    await until(() => records.length === 2, "the logoff line");
    controller.abort();
    assert.equal(await watching, 2);

    const lines = (await Deno.readTextFile(file)).trimEnd().split("\n");
    const written = lines.map((line) => JSON.parse(line) as LogonRecord);
    assert.deepEqual(written.map((r) => [r.type, r.sessionId, r.user]), [
      ["logon", 2, "alice"],
      ["logoff", 2, "alice"],
    ]);
    assert.deepEqual([written[0]!.domain, written[0]!.clientName, written[0]!.clientAddress], [
      "CONTOSO",
      "LAPTOP-7",
      "10.0.0.5",
    ]);
    assert.ok(!Number.isNaN(Date.parse(written[0]!.at)));
    assertNoLeaks();
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

// ---- maintenance_window ---------------------------------------------------------------------

const IDYES = 6;
const IDNO = 7;

/** Sessions 2 (alice, idle 10 h), 3 (bob, idle 1 h), 4 (carol, disconnected), 5 (svc-backup,
 * idle 12 h, exempt); the folder's core.dll held by alice's App (session 2) and a service. */
async function maintenanceHost() {
  idleSessions(); // sessions 0-4 as for logoff_idle; 1 runs the script
  doubles.addSession({
    id: 5,
    winStation: "RDP-Tcp#5",
    state: ConnectState.Active,
    user: "svc-backup",
    domain: "CONTOSO",
    lastInputTime: hoursAgo(12),
  });
  const folder = await Deno.realPath(await Deno.makeTempDir({ prefix: "winsession-mw-" }));
  const core = join(folder, "core.dll");
  await Deno.writeTextFile(core, "old");
  doubles.addProcess({
    pid: 4300,
    sessionId: 2,
    name: "app.exe",
    appName: "Contoso App",
    appType: 1,
    restartable: true,
    createTime: hoursAgo(2),
  });
  doubles.addProcess({
    pid: 4400,
    sessionId: 0,
    name: "contososvc.exe",
    appName: "Contoso Service",
    service: "ContosoSvc",
    appType: 3,
    restartable: true,
    createTime: hoursAgo(3),
  });
  rmDoubles.lock(core, 4300);
  rmDoubles.lock(core, 4400);
  return folder;
}

Deno.test("maintenance_window: a dry run messages, logs off, closes and updates nothing", async () => {
  const folder = await maintenanceHost();
  try {
    const lines: string[] = [];
    let ran = false;
    const result = await maintenanceWindow({
      folder,
      update: () => (ran = true, Promise.resolve(0)),
      exempt: ["contoso\\SVC-BACKUP"],
      log: (line) => lines.push(line),
    });
    assert.deepEqual(result.loggedOff.map((s) => s.sessionId).sort(), [2, 4]);
    assert.ok(result.messaged.length >= 4);
    assert.equal(doubles.lastMessage().count, 0);
    assert.equal(doubles.calls("WTSLogoffSession"), 0);
    assert.equal(doubles.calls("RmShutdown"), 0);
    assert.equal(ran, false);
    assert.ok(lines.some((l) => /would ask session 2: Contoso App/.test(l)), lines.join("\n"));
    assert.ok(lines.some((l) => /--apply/.test(l)));
    assert.equal(result.exitCode, 0);
    assertNoLeaks();
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("maintenance_window --apply: owner says yes → closed, updated, restarted; reboot code", async () => {
  const folder = await maintenanceHost();
  try {
    doubles.setSessionMessageResponse(2, IDYES);
    const waited: number[] = [];
    let ran = 0;
    const result = await maintenanceWindow({
      folder,
      apply: true,
      waitMinutes: 5,
      idleHours: 12, // alice (idle 10 h, her App holds the folder) stays; carol is disconnected
      exempt: ["svc-backup"],
      update: () => (ran++, Promise.resolve(3010)), // msiexec: success, reboot required
      sleep: (ms) => (waited.push(ms), Promise.resolve()),
      log: () => {},
    });
    assert.deepEqual(waited, [300_000]);
    assert.deepEqual(result.loggedOff.map((s) => s.sessionId), [4]);
    assert.equal(doubles.calls("WTSLogoffSession"), 1);
    assert.equal(ran, 1);
    assert.deepEqual(result.asks.map((a) => [a.process.pid, a.asked, a.answer, a.result]), [
      [4300, true, "yes", "restarted"],
      [4400, false, null, "restarted"],
    ]);
    assert.deepEqual(result.stillClosed, []);
    assert.equal(result.exitCode, 12); // reboot required
    assertNoLeaks();
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("maintenance_window --apply: owner says no → nothing closed, update postponed, exit 10", async () => {
  const folder = await maintenanceHost();
  try {
    doubles.setSessionMessageResponse(2, IDNO);
    let ran = false;
    const result = await maintenanceWindow({
      folder,
      apply: true,
      idleHours: 100, // nobody idle enough; only the disconnected session 4 is logged off
      update: () => (ran = true, Promise.resolve(0)),
      sleep: () => Promise.resolve(),
      log: () => {},
    });
    assert.deepEqual(result.loggedOff.map((s) => s.sessionId), [4]);
    assert.equal(ran, false);
    assert.equal(doubles.calls("RmShutdown"), 0);
    assert.equal(doubles.processAlive(4300), true);
    assert.equal(doubles.processAlive(4400), true);
    assert.deepEqual(result.asks.map((a) => a.result), ["kept", "running"]);
    assert.equal(result.exitCode, 10);
    assertNoLeaks();
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("maintenance_window --apply: a failing update still restarts; exit 1", async () => {
  const folder = await maintenanceHost();
  try {
    doubles.setSessionMessageResponse(2, IDYES);
    const result = await maintenanceWindow({
      folder,
      apply: true,
      idleHours: 12,
      update: () => Promise.reject(new Error("disk full")),
      sleep: () => Promise.resolve(),
      log: () => {},
    });
    assert.equal(result.updated, false);
    assert.deepEqual(result.asks.map((a) => a.result), ["restarted", "restarted"]);
    assert.equal(result.exitCode, 1);
    assertNoLeaks();
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});
