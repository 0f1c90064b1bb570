import assert from "node:assert/strict";
import { type WatchEvent, watchServers } from "./watch_servers.ts";
import { WindowsError } from "../ffi/errors.ts";
import { assertNoLeaks, doubles, useDoubles } from "../tests/doubles.ts";

const LOGON = 0x20;

Deno.test("watchServers merges servers, reports a failing one as an error event, goes on", async () => {
  useDoubles();
  doubles.addServer("rdsh01");
  doubles.addServer("rdsh02");
  const stream = watchServers(["rdsh01", "ghost", "RDSH01", "rdsh02"]);
  const error = (await stream.next()).value as WatchEvent;
  assert.equal(error.type, "error");
  assert.equal(error.server, "ghost");
  assert.ok(error.type === "error" && error.error instanceof WindowsError);
  await doubles.waitUntilPending(2); // rdsh01 once: the repeated name is watched once
  doubles.addSession({ server: "rdsh02", id: 3, winStation: "RDP-Tcp#1", state: 0, user: "ann" });
  doubles.injectEvent(LOGON, "rdsh02");
  const seen: [string, string][] = [];
  for (let i = 0; i < 2; i++) {
    const event = (await stream.next()).value as WatchEvent;
    seen.push([event.server, event.type]);
  }
  assert.deepEqual(seen, [["rdsh02", "create"], ["rdsh02", "logon"]]);
  await stream.return();
  assert.equal(doubles.waitPending(), 0);
  assertNoLeaks();
});

Deno.test("watchServers ends when every server failed, and on abort", async () => {
  useDoubles();
  const failed: WatchEvent[] = [];
  for await (const event of watchServers(["ghost1", "ghost2"])) failed.push(event);
  assert.deepEqual(failed.map((e) => [e.type, e.server]).sort(), [
    ["error", "ghost1"],
    ["error", "ghost2"],
  ]);
  doubles.addServer("rdsh01");
  const stop = new AbortController();
  const started: string[] = [];
  const stream = watchServers(["rdsh01"], {
    signal: stop.signal,
    onWatching: (server) => started.push(server),
  });
  const next = stream.next();
  await doubles.waitUntilPending(1);
  stop.abort();
  assert.deepEqual(await next, { value: undefined, done: true });
  assert.deepEqual(started, ["rdsh01"]);
  assertNoLeaks();
});
