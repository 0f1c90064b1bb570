// Tests of the fan-out pool: lane size per platform, Workers started only past one lane, calls
// run in a Worker answering exactly like this isolate's, the wire form, the no-Worker fallback.
import assert from "node:assert/strict";
import { CALLS_PER_LANE, MAX_WORKERS, pool } from "./_pool.ts";
import { argsToWire, copyBuffersBack, valueFromWire } from "./_call_wire.ts";
import { OutBlock } from "../ffi/call.ts";
import { wtsapi32 } from "../ffi/load.ts";
import { encodeWide } from "../ffi/utf16.ts";
import { WTSInfoClass } from "../ffi/wtsapi32.ts";
import { AbandonedError } from "../ffi/errors.ts";
import { listSessionsOnServers, settleLateAnswers } from "./fanout.ts";
import { assertNoLeaks, buildDir, doubles, useDoubles } from "../tests/doubles.ts";

const mode = { server: "x", nonblocking: true, abandoned: false };

Deno.test("a lane is Deno's blocking pool: 32 calls, 4 per core on Windows", () => {
  const expected = Deno.build.os === "windows" ? 4 * navigator.hardwareConcurrency : 32;
  assert.equal(CALLS_PER_LANE, expected);
  assert.ok(MAX_WORKERS >= 1);
});

Deno.test("work within one lane starts no Worker", async () => {
  useDoubles();
  const release = pool.reserve(CALLS_PER_LANE, 10_000);
  assert.equal(pool.workerCount, 0);
  release();
  const results = await listSessionsOnServers([]);
  assert.deepEqual(results, []);
  await settleLateAnswers();
  assert.equal(pool.workerCount, 0);
});

Deno.test("calls past one lane run in Workers and leave every buffer as a call here would", async () => {
  useDoubles();
  doubles.addServer("slow", 30);
  doubles.setOpenDelay("slow", 30);
  doubles.generateSessions(2, "slow");
  const wts = wtsapi32();
  const release = pool.reserve(4 * CALLS_PER_LANE, 10_000);
  try {
    // Enough opens that the lane here is full and the rest queue for the Workers.
    const count = 3 * CALLS_PER_LANE;
    const name = encodeWide("slow", "server");
    const handles = (await Promise.all(
      Array.from({ length: count }, () => pool.run(mode, wts, "WTSOpenServerWAsync", [name])),
    )) as Deno.PointerValue[];
    assert.ok(handles.every((handle) => handle !== null), "every open answered a handle");
    // A handle opened in a Worker is a handle of this process: query through a Worker with it.
    const outs = handles.map(() => new OutBlock());
    const ok = await Promise.all(
      handles.map((handle, i) =>
        pool.run(mode, wts, "WTSQuerySessionInformationWAsync", [
          handle,
          1,
          WTSInfoClass.WTSClientProtocolType,
          outs[i]!.cellBytes,
          outs[i]!.numberBytes,
        ])
      ),
    );
    assert.ok(ok.every((value) => value === 1));
    for (const out of outs) {
      assert.equal(out.number[0], 2, "the byte count came back into the caller's buffer");
      const block = out.pointer();
      assert.ok(block !== null, "the block pointer came back into the caller's cell");
      wts.WTSFreeMemory(block);
    }
    for (const handle of handles) wts.WTSCloseServer(handle);
  } finally {
    release();
  }
  await settleLateAnswers();
  assert.equal(pool.workerCount, 0, "the Workers end with the last user");
  assertNoLeaks();
});

Deno.test("a queued call whose chain was given up never runs", async () => {
  useDoubles();
  doubles.addServer("slow", 0);
  doubles.setOpenDelay("slow", 40);
  const wts = wtsapi32();
  const name = encodeWide("slow", "server");
  const busy = Array.from(
    { length: CALLS_PER_LANE },
    () => pool.run(mode, wts, "WTSOpenServerWAsync", [name]),
  );
  const given = { ...mode, abandoned: false };
  const queued = pool.run(given, wts, "WTSOpenServerWAsync", [name]);
  given.abandoned = true;
  await assert.rejects(queued, AbandonedError);
  for (const handle of (await Promise.all(busy)) as Deno.PointerValue[]) {
    wts.WTSCloseServer(handle);
  }
  assert.equal(doubles.calls("WTSOpenServerW"), CALLS_PER_LANE);
  assertNoLeaks();
});

Deno.test("the wire form keeps pointers, numbers and every byte of the buffers", () => {
  const cell = new BigUint64Array([0n]);
  const count = new Uint32Array([7]);
  const pointer = Deno.UnsafePointer.create(0x1234n);
  const { wire, buffers } = argsToWire([pointer, 5, null, new Uint8Array(cell.buffer), count]);
  assert.deepEqual(wire.slice(0, 3), [{ pointer: 0x1234n }, 5, null]);
  assert.equal(buffers.length, 2);
  // What a call in the Worker left in its copies comes back into the caller's buffers.
  copyBuffersBack(buffers, [
    new Uint8Array(new BigUint64Array([0xabcdn]).buffer),
    new Uint8Array(new Uint32Array([216]).buffer),
  ]);
  assert.equal(cell[0], 0xabcdn);
  assert.equal(count[0], 216);
  assert.equal(
    Deno.UnsafePointer.value(valueFromWire({ pointer: 0x99n }) as Deno.PointerObject),
    0x99n,
  );
  assert.equal(valueFromWire(1), 1);
  assert.throws(() => argsToWire([() => 0]), TypeError);
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
