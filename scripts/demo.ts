/**
 * Runs the CLI against the Linux test doubles with a small, fixed Remote Desktop server in
 * them, so a newcomer without Windows can see what the commands print:
 *
 * ```sh
 * deno task doubles && deno run --allow-ffi --allow-env --allow-read --allow-write scripts/demo.ts sessions
 * ```
 *
 * The README's sample outputs come from this script.
 *
 * @module
 */

import { main } from "../cli/main.ts";
import { doubles, useDoubles } from "../tests/doubles.ts";
import { rmDoubles } from "../tests/doubles_rm.ts";

/**
 * Fills the doubles with a console session, two RDP users, a listener, some processes and one
 * locked file; returns that file's path and the temporary folder holding it.
 */
export function seedDemoServer(now = new Date()): { lockedFile: string; folder: string } {
  useDoubles();
  const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
  doubles.addSession({ id: 0, winStation: "Services", state: 4 });
  doubles.addSession({
    id: 1,
    winStation: "Console",
    state: 0,
    user: "Administrator",
    domain: "CONTOSO",
    protocol: 0,
    logonTime: ago(600),
    connectTime: ago(600),
    lastInputTime: ago(2),
    currentTime: now,
  });
  doubles.addSession({
    id: 2,
    winStation: "RDP-Tcp#4",
    state: 0,
    user: "alice",
    domain: "CONTOSO",
    clientName: "LAPTOP-ALICE",
    clientAddress: "10.1.4.22",
    protocol: 2,
    logonTime: ago(190),
    connectTime: ago(190),
    lastInputTime: ago(192 - 190 + 0.5),
    currentTime: now,
  });
  doubles.addSession({
    id: 3,
    winStation: "",
    state: 4,
    user: "bob",
    domain: "CONTOSO",
    protocol: 2,
    logonTime: ago(1500),
    connectTime: ago(1500),
    disconnectTime: ago(312),
    lastInputTime: ago(312),
    currentTime: now,
  });
  doubles.addSession({ id: 65536, winStation: "RDP-Tcp", state: 6 });
  const processes = [
    {
      pid: 4120,
      sessionId: 2,
      name: "EXCEL.EXE",
      sid: "S-1-5-21-1004336348-1177238915-682003330-1107",
    },
    {
      pid: 5208,
      sessionId: 2,
      name: "explorer.exe",
      sid: "S-1-5-21-1004336348-1177238915-682003330-1107",
    },
    {
      pid: 6312,
      sessionId: 3,
      name: "notepad.exe",
      sid: "S-1-5-21-1004336348-1177238915-682003330-1108",
    },
    { pid: 744, sessionId: 0, name: "svchost.exe", sid: "S-1-5-18" },
  ];
  for (const p of processes) {
    doubles.addProcess({
      ...p,
      createTime: ago(100),
      threads: 12,
      handles: 410,
      workingSet: 48_000_000,
      userTime: 1_250_000_000n,
      kernelTime: 310_000_000n,
      appName: p.name === "EXCEL.EXE" ? "Microsoft Excel" : "",
      appType: p.name === "EXCEL.EXE" ? 1 : 2,
      restartable: p.name === "EXCEL.EXE",
    });
  }
  const tmp = Deno.makeTempDirSync({ prefix: "winsession-demo-" });
  const book = `${tmp}/Budget.xlsx`;
  Deno.writeTextFileSync(book, "demo");
  rmDoubles.lock(book, 4120);
  return { lockedFile: book, folder: tmp };
}

if (import.meta.main) {
  const { lockedFile, folder } = seedDemoServer();
  // "@file" stands for the demo's locked file: `scripts/demo.ts locks @file`.
  const args = Deno.args.map((arg) => arg === "@file" ? lockedFile : arg);
  const code = await main(args);
  Deno.removeSync(folder, { recursive: true });
  Deno.exit(code);
}
