/**
 * Session and process targets and session filters: parsing, matching and filtering (pure), and over the doubles' real listings.
 */
import assert from "node:assert/strict";
import {
  filterSessions,
  matchesImage,
  matchesUser,
  parseProcessTarget,
  parseSessionState,
  parseSessionTarget,
  selectProcesses,
  selectSessions,
} from "./targets.ts";
import { listProcesses, type ProcessInfo } from "./processes.ts";
import { listSessions, type Session } from "./sessions.ts";
import { assertNoLeaks, ConnectState, doubles, useDoubles } from "../tests/doubles.ts";

function session(fields: Partial<Session>): Session {
  return {
    server: "",
    id: 0,
    stationName: "",
    state: "Active",
    user: "",
    domain: "",
    clientName: "",
    clientAddress: null,
    protocol: "rdp",
    connectTime: null,
    disconnectTime: null,
    lastInputTime: null,
    logonTime: null,
    idleMs: null,
    locked: null,
    lockedReason: "not read",
    ...fields,
  };
}

const SESSIONS: Session[] = [
  session({ id: 0, stationName: "Services", state: "Disconnected" }),
  session({ id: 1, user: "alice", domain: "CONTOSO", stationName: "Console", idleMs: 90_000 }),
  session({
    id: 2,
    user: "Alice",
    domain: "FABRIKAM",
    state: "Disconnected",
    clientName: "LAPTOP-7",
    clientAddress: "10.0.0.5",
    idleMs: 3 * 3_600_000,
  }),
  session({ id: 3, user: "bob", domain: "CONTOSO", clientAddress: "FE80::1", idleMs: 10_000 }),
  session({ id: 65536, stationName: "RDP-Tcp", state: "Listen" }),
];

const ids = (sessions: readonly { id: number }[]) => sessions.map((s) => s.id);

Deno.test("parseSessionTarget reads ids, all/*, user and DOMAIN\\user", () => {
  assert.deepEqual(parseSessionTarget(" 12 "), { kind: "id", id: 12 });
  assert.deepEqual(parseSessionTarget("4294967295"), { kind: "id", id: 4294967295 });
  assert.deepEqual(parseSessionTarget("ALL"), { kind: "all" });
  assert.deepEqual(parseSessionTarget("*"), { kind: "all" });
  assert.deepEqual(parseSessionTarget("alice"), { kind: "user", user: "alice", domain: null });
  assert.deepEqual(parseSessionTarget("CONTOSO\\alice"), {
    kind: "user",
    user: "alice",
    domain: "CONTOSO",
  });
  for (const bad of ["", "  ", "4294967296", "CONTOSO\\", "\\alice", "A\\B\\C"]) {
    assert.throws(() => parseSessionTarget(bad), TypeError, bad);
  }
});

Deno.test("selectSessions: by id, by user in any domain or one, case-insensitive; all = users", () => {
  assert.deepEqual(ids(selectSessions(SESSIONS, parseSessionTarget("2"))), [2]);
  assert.deepEqual(ids(selectSessions(SESSIONS, parseSessionTarget("9"))), []);
  assert.deepEqual(ids(selectSessions(SESSIONS, parseSessionTarget("ALICE"))), [1, 2]);
  assert.deepEqual(ids(selectSessions(SESSIONS, parseSessionTarget("contoso\\Alice"))), [1]);
  assert.deepEqual(ids(selectSessions(SESSIONS, parseSessionTarget("CONTOSO\\carol"))), []);
  // Services and the listener have no user: "all" never names them.
  assert.deepEqual(ids(selectSessions(SESSIONS, parseSessionTarget("all"))), [1, 2, 3]);
  assert.ok(matchesUser({ user: "bob", domain: "CONTOSO" }, "Bob"));
  assert.ok(!matchesUser({ user: "", domain: "" }, "all"));
});

Deno.test("parseProcessTarget and selectProcesses: pid, exact image name, name without .exe", () => {
  const processes = [
    { pid: 10, name: "notepad.exe" },
    { pid: 11, name: "Notepad.EXE" },
    { pid: 12, name: "notepad++.exe" },
    { pid: 13, name: "notepad" },
  ];
  assert.deepEqual(parseProcessTarget("10"), { kind: "pid", pid: 10 });
  assert.deepEqual(
    ids(selectProcesses(processes, parseProcessTarget("11")).map((p) => ({ id: p.pid }))),
    [11],
  );
  const pids = (text: string) =>
    selectProcesses(processes, parseProcessTarget(text)).map((p) => p.pid);
  assert.deepEqual(pids("notepad"), [10, 11, 13]);
  assert.deepEqual(pids("NOTEPAD.exe"), [10, 11]);
  assert.deepEqual(pids("notepad++.exe"), [12]);
  assert.ok(!matchesImage("notepad.exe.bak", "notepad.exe"));
  for (const bad of ["", "C:\\Windows\\notepad.exe", "note*", "a/b", "99999999999"]) {
    assert.throws(() => parseProcessTarget(bad), TypeError, bad);
  }
});

Deno.test("parseSessionState: case-insensitive names and quser's short forms, others refused", () => {
  assert.equal(parseSessionState("active"), "Active");
  assert.equal(parseSessionState(" Disc "), "Disconnected");
  assert.equal(parseSessionState("LISTEN"), "Listen");
  assert.throws(
    () => parseSessionState("sleeping"),
    /unknown session state "sleeping": use one of Active/,
  );
});

Deno.test("filterSessions: user, state, idle longer than, client name or address; all must hold", () => {
  assert.deepEqual(ids(filterSessions(SESSIONS, {})), [0, 1, 2, 3, 65536]);
  assert.deepEqual(ids(filterSessions(SESSIONS, { users: ["alice", "bob"] })), [1, 2, 3]);
  assert.deepEqual(ids(filterSessions(SESSIONS, { states: ["Disconnected"] })), [0, 2]);
  // Unknown idle time (null) is never "longer than"; the bound itself is not longer.
  assert.deepEqual(ids(filterSessions(SESSIONS, { idleLongerThanMs: 90_000 })), [2]);
  assert.deepEqual(ids(filterSessions(SESSIONS, { idleLongerThanMs: 0 })), [1, 2, 3]);
  assert.deepEqual(ids(filterSessions(SESSIONS, { clients: ["laptop-7"] })), [2]);
  assert.deepEqual(ids(filterSessions(SESSIONS, { clients: ["fe80::1"] })), [3]);
  assert.deepEqual(ids(filterSessions(SESSIONS, { clients: [""] })), []);
  assert.deepEqual(
    ids(filterSessions(SESSIONS, { users: ["alice"], states: ["Active"], idleLongerThanMs: 1 })),
    [1],
  );
  assert.throws(() => filterSessions(SESSIONS, { users: ["all"] }), TypeError);
});

Deno.test("targets over real listings of the doubles: users across sessions, images across sessions", async () => {
  useDoubles();
  doubles.addSession({
    id: 1,
    winStation: "Console",
    state: ConnectState.Active,
    user: "alice",
    domain: "CONTOSO",
  });
  doubles.addSession({
    id: 2,
    winStation: "RDP-Tcp#1",
    state: ConnectState.Disconnected,
    user: "ALICE",
    domain: "contoso",
  });
  doubles.addSession({ id: 65536, winStation: "RDP-Tcp", state: ConnectState.Listen });
  doubles.addProcess({ pid: 100, sessionId: 1, name: "notepad.exe", sid: "S-1-5-18" });
  doubles.addProcess({ pid: 200, sessionId: 2, name: "NOTEPAD.EXE", sid: "S-1-5-18" });
  doubles.addProcess({ pid: 300, sessionId: 2, name: "calc.exe", sid: "S-1-5-18" });
  const sessions: Session[] = await listSessions();
  assert.deepEqual(ids(selectSessions(sessions, parseSessionTarget("CONTOSO\\alice"))), [1, 2]);
  const processes: ProcessInfo[] = await listProcesses();
  assert.deepEqual(selectProcesses(processes, parseProcessTarget("notepad")).map((p) => p.pid), [
    100,
    200,
  ]);
  assertNoLeaks();
});
