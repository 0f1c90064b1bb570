/**
 * `winsession message` against the wtsapi32 double: one session, all sessions, partial failure and refused input.
 */
import assert from "node:assert/strict";
import { ExitCode } from "./common.ts";
import { ConnectState, doubles, useDoubles } from "../tests/doubles.ts";
import {
  ERROR_ACCESS_DENIED,
  IDYES,
  lines,
  MB_ICONQUESTION,
  MB_YESNO,
  run,
  test,
} from "./_session_testing.ts";

test("message <id> --wait reports the answer; title, text, style and timeout reach the box", async () => {
  doubles.setMessageResponse(IDYES);
  const { code, io } = await run([
    "message",
    "2",
    "Log off now?",
    "--title",
    "IT",
    "--timeout",
    "30",
    "--buttons",
    "yesNo",
    "--icon",
    "question",
    "--wait",
  ]);
  assert.equal(code, ExitCode.Ok);
  assert.match(lines(io.stdout)[1]!, /^\s*2\s+bob\s+RDP-Tcp#3\s+yes$/);
  const last = doubles.lastMessage();
  assert.equal(last.title, "IT");
  assert.equal(last.text, "Log off now?");
  assert.equal(last.timeout, 30);
  assert.equal(last.wait, true);
  assert.equal(last.style & 0xff, MB_YESNO | MB_ICONQUESTION);
});

test("message all: every session with a user, Services and listeners skipped", async () => {
  const { code, io } = await run(["message", "all", "Save your work", "--json"]);
  assert.equal(code, ExitCode.Ok);
  assert.deepEqual(JSON.parse(io.stdout), [
    { server: "", sessionId: 1, user: "alice", response: "async" },
    { server: "", sessionId: 2, user: "bob", response: "async" },
  ]);
  assert.equal(doubles.lastMessage().count, 2);
});

test("message all: a failing session is reported on stderr, the others answered (exit 6)", async () => {
  doubles.failNext("WTSSendMessageW", ERROR_ACCESS_DENIED);
  const { code, io } = await run(["message", "all", "hello"]);
  assert.equal(code, ExitCode.Partial);
  assert.equal(lines(io.stdout).length, 2, "header and one answer");
  assert.equal(lines(io.stderr).length, 1);
  assert.match(io.stderr, /^winsession: session \d: .*ERROR_ACCESS_DENIED/);
});

test("message all with no user session sends nothing", async () => {
  useDoubles();
  doubles.addSession({ id: 0, winStation: "Services", state: ConnectState.Disconnected });
  const { code, io } = await run(["message", "all", "hello"]);
  assert.equal(code, ExitCode.Ok);
  assert.match(io.stderr, /no session with a user on the local server/);
  assert.equal(doubles.lastMessage().count, 0);
});

test("message: bad id, unknown session, bad --buttons and a NUL are refused before sending", async () => {
  const cases: [string[], number, RegExp][] = [
    [["message", "99999999999", "hi"], ExitCode.Usage, /session id must be a whole number/],
    [["message", "two", "hi"], ExitCode.WindowsError, /no session of "two" on the local server/],
    [["message", "42", "hi"], ExitCode.WindowsError, /ERROR_CTX_WINSTATION_NOT_FOUND/],
    [["message", "2", "hi", "--buttons", "maybe"], ExitCode.Usage, /Allowed choices are ok/],
    [["message", "2", "hi", "--timeout", "-5"], ExitCode.Usage, /--timeout must be a whole/],
    [["message", "2", "a\0b"], ExitCode.Usage, /NUL/],
  ];
  for (const [args, expected, pattern] of cases) {
    const { code, io } = await run(args);
    assert.equal(code, expected, args.join(" "));
    assert.match(io.stderr, pattern);
  }
  assert.equal(doubles.lastMessage().count, 0);
});

test("message: empty or blank text is refused (exit 2) before any lookup", async () => {
  for (const text of ["", "   ", "\t\n"]) {
    const { code, io } = await run(["message", "all", text]);
    assert.equal(code, ExitCode.Usage, JSON.stringify(text));
    assert.match(io.stderr, /^winsession: the message text is empty/);
  }
  assert.equal(doubles.lastMessage().count, 0);
  assert.equal(
    doubles.calls("WTSEnumerateSessionsExW") + doubles.calls("WTSEnumerateSessionsW"),
    0,
  );
});

test("message --timeout: whole seconds only, 0 = never; hex, exponent and negatives refused", async () => {
  for (const value of ["0x10", "1e3", "-1", "2.5", "abc", "4294967296"]) {
    const { code, io } = await run(["message", "2", "hi", "--timeout", value]);
    assert.equal(code, ExitCode.Usage, value);
    assert.match(
      io.stderr,
      /--timeout must be a whole number of seconds from 0 to 4294967295 \(0 = never\)/,
    );
  }
  const { code } = await run(["message", "2", "hi", "--timeout", "4294967295"]);
  assert.equal(code, ExitCode.Ok);
  assert.equal(doubles.lastMessage().timeout, 4294967295);
});

test("message all --dry-run: who would get it, nothing sent; --json as one object", async () => {
  let { code, io } = await run(["message", "all", "Save your work", "--dry-run"]);
  assert.equal(code, ExitCode.Ok);
  const [first, header, ...rows] = lines(io.stdout);
  assert.equal(
    first,
    'Would send "Message" to 2 sessions on the local server (dry run: nothing was sent):',
  );
  assert.match(header!, /^ID\s+USER\s+SESSION$/);
  assert.deepEqual(rows.map((row) => row.trim().split(/\s+/)[1]), ["alice", "bob"]);
  ({ code, io } = await run(["message", "2", "hi", "--title", "IT", "--dry-run", "--json"]));
  assert.equal(code, ExitCode.Ok);
  assert.deepEqual(JSON.parse(io.stdout), {
    dryRun: true,
    title: "IT",
    text: "hi",
    sessions: [{ server: "", sessionId: 2, user: "bob", stationName: "RDP-Tcp#3" }],
  });
  assert.equal(doubles.lastMessage().count, 0);
  assert.equal(doubles.calls("WTSSendMessageW"), 0);
  ({ code } = await run(["message", "42", "hi", "--dry-run"]));
  assert.equal(code, ExitCode.WindowsError, "an unknown session fails the dry run too");
});

test("message --server: a failure names the server", async () => {
  const { code, io } = await run(["message", "all", "hi", "-s", "NOPE"]);
  assert.equal(code, ExitCode.WindowsError);
  assert.match(io.stderr, /^winsession: NOPE: .*RPC_S_SERVER_UNAVAILABLE \(1722\)/);
});

test("message by user name: every session of the user, in any domain unless one is given", async () => {
  doubles.addSession({
    id: 5,
    winStation: "RDP-Tcp#9",
    state: ConnectState.Disconnected,
    user: "BOB",
    domain: "FABRIKAM",
  });
  let { code, io } = await run(["message", "bob", "hi", "--json"]);
  assert.equal(code, ExitCode.Ok);
  assert.deepEqual(JSON.parse(io.stdout).map((r: { sessionId: number }) => r.sessionId), [2, 5]);
  ({ code, io } = await run(["message", "fabrikam\\bob", "hi", "--json"]));
  assert.deepEqual(JSON.parse(io.stdout).map((r: { sessionId: number }) => r.sessionId), [5]);
  ({ code, io } = await run(["message", "*", "hi", "--dry-run", "--json"]));
  assert.equal(JSON.parse(io.stdout).sessions.length, 3);
  assert.equal(doubles.lastMessage().count, 3);
});

test("message on several --server: every server's sessions, SERVER column; a dead server, exit 6", async () => {
  doubles.addServer("RDS01");
  doubles.addSession({
    server: "RDS01",
    id: 3,
    winStation: "RDP-Tcp#1",
    state: ConnectState.Active,
    user: "bob",
    domain: "CONTOSO",
  });
  const { code, io } = await run(["message", "bob", "hi", "-s", "RDS01", "-s", "NOPE", "--wait"]);
  assert.equal(code, ExitCode.Partial);
  assert.match(io.stderr, /^winsession: NOPE: /m);
  const [header, ...rows] = lines(io.stdout);
  assert.match(header!, /^SERVER\s+ID\s+USER\s+SESSION\s+ANSWER$/);
  assert.equal(rows.length, 1);
  assert.match(rows[0]!, /^RDS01\s+3\s+bob\s+RDP-Tcp#1\s+\w+$/);
});
