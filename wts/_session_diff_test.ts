import assert from "node:assert/strict";
import { diffSessions } from "./_session_diff.ts";
import type { Session } from "./sessions.ts";

function session(id: number, fields: Partial<Session> = {}): Session {
  return {
    server: "",
    id,
    stationName: `RDP-Tcp#${id}`,
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
    lockedReason: null,
    ...fields,
  };
}

const types = (before: Session[], after: Session[]) =>
  diffSessions(before, after).map((change) => [change.type, change.sessionId]);

Deno.test("diffSessions: alike readings give nothing", () => {
  const table = [session(1, { user: "alice" }), session(2)];
  assert.deepEqual(diffSessions(table, table.map((s) => ({ ...s }))), []);
});

Deno.test("diffSessions: a new session is create, then logon when it has a user", () => {
  assert.deepEqual(types([], [session(3), session(4, { user: "bob" })]), [
    ["create", 3],
    ["create", 4],
    ["logon", 4],
  ]);
});

Deno.test("diffSessions: a vanished session is logoff (if it had a user), then delete", () => {
  const changes = diffSessions([session(4, { user: "bob" }), session(5)], []);
  assert.deepEqual(changes.map((c) => [c.type, c.sessionId]), [
    ["logoff", 4],
    ["delete", 4],
    ["delete", 5],
  ]);
  assert.equal(changes[0]!.before?.user, "bob");
  assert.equal(changes[0]!.after, null);
});

Deno.test("diffSessions: user appearing or leaving on a kept id", () => {
  assert.deepEqual(types([session(2, { state: "Connected" })], [session(2, { user: "eve" })]), [
    ["stateChange", 2],
    ["logon", 2],
  ]);
  assert.deepEqual(types([session(2, { user: "eve" })], [session(2)]), [["logoff", 2]]);
});

Deno.test("diffSessions: Disconnected in is disconnect, out is connect", () => {
  const active = session(2, { user: "eve" });
  const away = session(2, { user: "eve", state: "Disconnected" });
  assert.deepEqual(types([active], [away]), [["disconnect", 2]]);
  assert.deepEqual(types([away], [active]), [["connect", 2]]);
});

Deno.test("diffSessions: a reused id (other user, or the same user's new logon) is logoff + logon", () => {
  const t1 = new Date("2026-01-01T08:00:00Z");
  const t2 = new Date("2026-01-01T09:00:00Z");
  assert.deepEqual(
    types([session(2, { user: "eve", logonTime: t1 })], [session(2, { user: "mallory" })]),
    [["logoff", 2], ["logon", 2]],
  );
  assert.deepEqual(
    types([session(2, { user: "eve", logonTime: t1 })], [
      session(2, { user: "EVE", logonTime: t2 }),
    ]),
    [["logoff", 2], ["logon", 2]],
  );
  assert.deepEqual(
    types([session(2, { user: "eve", logonTime: t1 })], [
      session(2, { user: "EVE", logonTime: t1 }),
    ]),
    [],
  );
});

Deno.test("diffSessions: lock and unlock only when both readings know the lock state", () => {
  const open = session(2, { user: "eve", locked: false });
  const shut = session(2, { user: "eve", locked: true });
  const unknown = session(2, { user: "eve", locked: null });
  assert.deepEqual(types([open], [shut]), [["lock", 2]]);
  assert.deepEqual(types([shut], [open]), [["unlock", 2]]);
  assert.deepEqual(types([unknown], [shut]), []);
  assert.deepEqual(types([shut], [unknown]), []);
});
