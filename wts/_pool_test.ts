// Tests of the fan-out pool: lane sizing, Workers answering like the main thread, errors crossing.
import assert from "node:assert/strict";
import { CALLS_PER_LANE, MAX_LANES, startTasks } from "./_pool.ts";
import { errorFromWire, errorToWire, type ServerTask } from "./_fanout_task.ts";
import { NonblockingCallError } from "./_context.ts";
import { ERROR_ACCESS_DENIED, RPC_S_SERVER_UNAVAILABLE, WindowsError } from "../ffi/errors.ts";
import { listSessions } from "./sessions.ts";
import { assertNoLeaks, buildDir, doubles, useDoubles } from "../tests/doubles.ts";

Deno.test("work within one lane of 32 calls stays on the main thread", async () => {
  useDoubles();
  doubles.addServer("a");
  const running = startTasks([{ kind: "sessions", server: "a" }, {
    kind: "processes",
    server: "a",
    session: undefined,
  }]);
  assert.deepEqual(running.map((task) => task.lane), [0, 0]);
  assert.ok((await Promise.all(running.map((task) => task.done))).every((o) => o.ok));
  assertNoLeaks();
});

Deno.test("more calls than one lane holds start Workers, which answer like the main thread", async () => {
  useDoubles();
  const tasks: ServerTask[] = [];
  for (let i = 0; i < 8; i++) {
    doubles.addServer(`w${i}`);
    doubles.generateSessions(2, `w${i}`);
    tasks.push({ kind: "sessions", server: `w${i}` });
  }
  tasks.push({ kind: "sessions", server: "nowhere" });
  const running = startTasks(tasks);
  const lanes = new Set(running.map((task) => task.lane));
  assert.equal(lanes.size, Math.min(MAX_LANES, Math.ceil((9 * 8) / CALLS_PER_LANE)));
  assert.ok(lanes.has(0) && lanes.size >= 2, "the main thread and at least one Worker");
  const outcomes = await Promise.all(running.map((task) => task.done));
  for (let i = 0; i < 8; i++) {
    const outcome = outcomes[i]!;
    assert.ok(outcome.ok);
    const expected = await listSessions({ server: `w${i}` });
    const strip = (rows: unknown) =>
      (rows as { idleMs: unknown }[]).map(({ idleMs: _, ...rest }) => rest);
    assert.deepEqual(strip(outcome.value), strip(expected));
  }
  // An error from a Worker keeps its class and code.
  const dead = outcomes[8]!;
  assert.ok(!dead.ok && dead.error instanceof WindowsError);
  assert.equal(dead.error.code, RPC_S_SERVER_UNAVAILABLE);
  assertNoLeaks();
});

Deno.test("errors cross the Worker boundary with their class and fields", () => {
  const windows = errorFromWire(
    errorToWire(new WindowsError("WTSOpenServerW", ERROR_ACCESS_DENIED)),
  );
  assert.ok(windows instanceof WindowsError);
  assert.equal(windows.code, ERROR_ACCESS_DENIED);
  assert.equal(windows.functionName, "WTSOpenServerW");
  const original = new NonblockingCallError("WTSEnumerateSessionsExW", "rdsh01", 1500, "too slow");
  const nonblocking = errorFromWire(errorToWire(original));
  assert.ok(nonblocking instanceof NonblockingCallError);
  assert.equal(nonblocking.message, original.message);
  assert.equal(nonblocking.server, "rdsh01");
  assert.ok(errorFromWire(errorToWire(new TypeError("bad name"))) instanceof TypeError);
  assert.equal(errorFromWire(errorToWire("text")).message, "text");
});

Deno.test("without read access to the worker module the fan-out stays on the main thread, silently", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "winsession-pool-" });
  try {
    const script = `${scratch}/child.ts`;
    const mod = new URL("../mod.ts", import.meta.url).href;
    const doublesModule = new URL("../tests/doubles.ts", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import { listSessionsOnServers } from ${JSON.stringify(mod)};
import { assertNoLeaks, doubles, useDoubles } from ${JSON.stringify(doublesModule)};
useDoubles();
const servers = Array.from({ length: 8 }, (_, i) => "p" + i);
for (const s of servers) { doubles.addServer(s); doubles.generateSessions(2, s); }
const results = await listSessionsOnServers(servers);
assertNoLeaks();
console.log(JSON.stringify(results.map((r) => r.ok && r.value.length)));
`,
    );
    // Read access to the doubles only (they must load), not to the library's own files.
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-config",
        "--allow-ffi",
        "--allow-env",
        `--allow-read=${buildDir}`,
        script,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.ok(output.success, stderr);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(output.stdout)), new Array(8).fill(2));
    assert.doesNotMatch(stderr, /worker|Requires/i);
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});
