/**
 * The table formatter: full values without a width, fitted with … on a terminal (unit), and the session commands' tables on a narrow terminal against the doubles.
 */
import assert from "node:assert/strict";
import { ELLIPSIS, fitWidths, formatTable, setTableWidth, shorten } from "./_table.ts";
import { ConnectState, doubles } from "../tests/doubles.ts";
import { lines, run, test } from "./_session_testing.ts";

const rows = [
  {
    path: "C:\\Program Files\\Contoso\\Reporting\\report-server.exe",
    pid: 4242,
    user: "CONTOSO\\alice",
  },
  { path: "C:\\app.exe", pid: 7, user: "NT AUTHORITY\\SYSTEM" },
];
const columns = [
  { header: "PID", cell: (r: typeof rows[0]) => String(r.pid), right: true },
  { header: "USER", cell: (r: typeof rows[0]) => r.user },
  { header: "PATH", cell: (r: typeof rows[0]) => r.path },
];

Deno.test("formatTable without a width keeps every value whole (pipes, files)", () => {
  const text = formatTable(rows, columns);
  assert.ok(text.includes(rows[0]!.path));
  assert.ok(!text.includes(ELLIPSIS));
});

Deno.test("formatTable with a width: no line longer, the widest text column cut with …, numbers whole", () => {
  for (const width of [60, 45, 30]) {
    const text = formatTable(rows, columns, width);
    for (const line of lines(text)) assert.ok(line.length <= width, `${width}: ${line}`);
    assert.match(text, /4242/);
    assert.ok(text.includes(ELLIPSIS), String(width));
  }
  // Wide enough: nothing is cut.
  assert.equal(formatTable(rows, columns, 200), formatTable(rows, columns));
});

Deno.test("fitWidths: never below a header or two characters; gives up when only numbers are left", () => {
  const cols = [{ header: "ID", right: true }, { header: "NAME" }, { header: "X" }];
  assert.deepEqual(fitWidths([5, 30, 40], cols, 30), [5, 10, 11]);
  assert.deepEqual(fitWidths([5, 30, 40], cols, 5), [5, 4, 2]);
  assert.deepEqual(fitWidths([5, 3, 1], cols, 5), [5, 3, 1], "already at their floors");
  assert.equal(shorten("abcdef", 4), "abc…");
  assert.equal(shorten("abc", 3), "abc");
});

Deno.test("setTableWidth is the default width; undefined or nonsense means full values", () => {
  try {
    setTableWidth(30);
    assert.ok(lines(formatTable(rows, columns)).every((line) => line.length <= 30));
    for (const bad of [undefined, 0, -5, NaN]) {
      setTableWidth(bad);
      assert.equal(formatTable(rows, columns), formatTable(rows, columns, undefined));
    }
  } finally {
    setTableWidth(undefined);
  }
});

test("sessions on a 60-column terminal: every line fits, long names end in …; piped: whole", async () => {
  doubles.addSession({
    id: 9,
    winStation: "RDP-Tcp#12",
    state: ConnectState.Active,
    user: "a.very.long.account.name.for.testing",
    domain: "CONTOSO",
    clientName: "A-CLIENT-WITH-A-LONG-NAME",
    clientAddress: "fe80::1234:5678:9abc:def0",
  });
  const narrow = await run(["sessions"], { columns: 60 });
  for (const line of lines(narrow.io.stdout)) assert.ok(line.length <= 60, line);
  assert.ok(narrow.io.stdout.includes("…"));
  assert.match(lines(narrow.io.stdout)[0]!, /^ USER\s+SESSION\s+ID\s+STATE/, "headers stay whole");
  const piped = await run(["sessions"]);
  assert.ok(piped.io.stdout.includes("a.very.long.account.name.for.testing"));
  assert.ok(!piped.io.stdout.includes("…"));
  const json = await run(["sessions", "--json"], { columns: 20 });
  assert.ok(json.io.stdout.includes("a.very.long.account.name.for.testing"), "JSON is never cut");
});

test("processes --sid on a narrow terminal: the SID and user are cut, pids are not", async () => {
  const { io } = await run(["processes", "--sid"], { columns: 70 });
  for (const line of lines(io.stdout)) assert.ok(line.length <= 70, line);
  assert.match(io.stdout, /^\s*4242\s/m);
  assert.ok(io.stdout.includes("…"));
});
