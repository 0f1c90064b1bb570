import assert from "node:assert/strict";
import { ExitCode } from "../cli/common.ts";
import { recordingIO } from "../cli/_testing.ts";
import { assertNoLeaks } from "../tests/doubles.ts";
import { DEMO_FILE, demoArgs, runDemo, seedDemo } from "./demo.ts";

/** Every demo here runs with a 1 ms slow server: the tests check what is printed, not timing. */
async function demo(args: string[]) {
  const io = recordingIO();
  try {
    const code = await runDemo(args, io, { slowServerDelayMs: 1 });
    return { code, stdout: io.stdout, stderr: io.stderr };
  } finally {
    assertNoLeaks();
  }
}

Deno.test("demo: a leading -- (deno task demo -- sessions --json) reaches the CLI as options", async () => {
  const { code, stdout, stderr } = await demo(["--", "sessions", "--json"]);
  assert.equal(code, ExitCode.Ok, stderr);
  const sessions = JSON.parse(stdout) as { id: number; user: string }[];
  assert.deepEqual(sessions.map((s) => s.id), [0, 1, 2, 3, 65536]);
});

Deno.test("demo: only the leading -- is dropped; a later one is the CLI's", () => {
  using seeded = seedDemo();
  assert.deepEqual(demoArgs(["--", "locks", "--", "-odd-name"], seeded), [
    "locks",
    "--",
    "-odd-name",
  ]);
  assert.deepEqual(demoArgs(["sessions"], seeded), ["sessions"]);
  assertNoLeaks();
});

Deno.test("demo: fan-out over RDS01, the slow RDS02 and the dead RDS03 is a partial result", async () => {
  const { code, stdout, stderr } = await demo([
    "--",
    "sessions",
    "--server",
    "RDS01",
    "--server",
    "RDS02",
    "--server",
    "RDS03",
    "--json",
  ]);
  assert.equal(code, ExitCode.Partial, stderr);
  const results = JSON.parse(stdout) as {
    server: string;
    ok: boolean;
    errorCode?: number;
    sessions: { user: string }[];
  }[];
  assert.deepEqual(results.map((r) => [r.server, r.ok]), [
    ["RDS01", true],
    ["RDS02", true],
    ["RDS03", false],
  ]);
  assert.deepEqual(results[1]!.sessions.map((s) => s.user), ["erin", "bob"]);
  assert.equal(results[2]!.errorCode, 1722); // RPC_S_SERVER_UNAVAILABLE: the server is down
  assert.match(stderr, /RDS03: .*RPC_S_SERVER_UNAVAILABLE \(1722\)/);
});

Deno.test("demo: servers lists the three servers of the current domain", async () => {
  const { code, stdout } = await demo(["servers"]);
  assert.equal(code, ExitCode.Ok);
  assert.deepEqual(stdout.trim().split("\n"), ["RDS01", "RDS02", "RDS03"]);
});

Deno.test("demo: the README's D:\\Finance\\Budget.xlsx is the locked file, shown as on Windows", async () => {
  const table = await demo(["locks", DEMO_FILE]);
  assert.equal(table.code, ExitCode.Locked, table.stderr);
  assert.match(table.stdout, /^4120 {2}Microsoft Excel .* D:\\Finance\\Budget\.xlsx$/m);
  assert.doesNotMatch(table.stdout, /winsession-demo-/);

  const json = await demo(["--", "locks", "--json", "d:\\finance\\budget.xlsx"]);
  assert.equal(json.code, ExitCode.Locked, json.stderr);
  const report = JSON.parse(json.stdout) as { processes: { pid: number; paths: string[] }[] };
  assert.deepEqual(report.processes.map((p) => [p.pid, p.paths]), [[4120, [DEMO_FILE]]]);

  const folder = await demo(["locks", "--recursive", "D:\\Finance"]);
  assert.equal(folder.code, ExitCode.Locked, folder.stderr);
  assert.match(folder.stdout, /D:\\Finance\\Budget\.xlsx$/m);
});

/** The `$ winsession …` samples of the README's console blocks, with the output shown after. */
function readmeSamples(readme: string): { args: string[]; shown: string[] }[] {
  const samples: { args: string[]; shown: string[] }[] = [];
  for (const block of readme.matchAll(/```console\n([\s\S]*?)```/g)) {
    for (const part of block[1]!.split(/^\$ /m).slice(1)) {
      const [command, ...shown] = part.split("\n");
      const line = /^winsession (.*?)(?:;|<|$)/.exec(command!)?.[1];
      if (line === undefined) continue;
      // Words, with '…' quoting as in the README ("'D:\Finance\Budget.xlsx'").
      const args = [...line.trim().matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
      samples.push({ args, shown: shown.filter((l) => l !== "") });
    }
  }
  return samples;
}

Deno.test("demo: every `$ winsession` sample in the README runs, with the exit code it shows", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const samples = readmeSamples(readme);
  assert.ok(samples.length >= 4, `only ${samples.length} samples found`);
  for (const { args, shown } of samples) {
    const { code, stdout, stderr } = await demo(args);
    const exit = shown.map((l) => /^exit (\d+)$/.exec(l)?.[1]).find((n) => n !== undefined);
    const refused = shown.some((l) => l.startsWith("winsession: refusing"));
    const expected = exit ? Number(exit) : refused ? ExitCode.NotConfirmed : ExitCode.Ok;
    assert.equal(code, expected, `winsession ${args.join(" ")}: ${stderr}`);
    // A table's header is the same as the README's (its widths come from the same demo data).
    if (shown[0] && /^[ A-Z]+$/.test(shown[0])) {
      assert.equal(stdout.split("\n")[0], shown[0], `winsession ${args.join(" ")}`);
    }
  }
});

Deno.test("demo: every `deno task demo` line in the README runs, with the exit code it names", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const lines = [...readme.matchAll(/^deno task demo (.*)$/gm)].map((m) => m[1]!);
  assert.ok(lines.length >= 5, `only ${lines.length} demo lines found`);
  for (const line of lines) {
    const [command, comment = ""] = line.split("#");
    const args = [...command!.trim().matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
    const { code, stderr } = await demo(args);
    const named = /exit (\d+)/.exec(comment)?.[1];
    // A --timeout line times the slow server out only at its real delay, and whether a timer
    // fires first is no thing to assert: there, only that the command line is valid.
    if (named && !args.includes("--timeout")) {
      assert.equal(code, Number(named), `deno task demo ${line}: ${stderr}`);
    } else if (!named) {
      assert.equal(code, ExitCode.Ok, `deno task demo ${line}: ${stderr}`);
    } else {
      assert.notEqual(code, ExitCode.Usage, `deno task demo ${line}: ${stderr}`);
    }
  }
});
