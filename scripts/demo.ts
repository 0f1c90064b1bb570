/**
 * Runs the CLI against the Linux test doubles with a small, fixed Remote Desktop estate in them,
 * so a newcomer without Windows can see what the commands print:
 *
 * ```sh
 * deno task demo sessions
 * deno task demo -- sessions --json          # options after `--` reach the CLI too
 * deno task demo sessions --server RDS01 --server RDS02 --server RDS03
 * deno task demo locks 'D:\Finance\Budget.xlsx'
 * ```
 *
 * The estate: the local server (a console session, two RDP users, a listener, four processes,
 * one file held open by Excel), `RDS01` (answers at once), `RDS02` (slow: every call on it takes
 * {@linkcode SLOW_SERVER_DELAY_MS}) and `RDS03` (dead: never registered in the doubles, so every
 * call on it fails with RPC_S_SERVER_UNAVAILABLE (1722), as on Windows, where WTSOpenServer
 * succeeds without contacting the server and the first query of an unreachable one fails with
 * "The RPC server is unavailable": Cassia's GetSessions, https://github.com/danports/cassia/issues/74,
 * and `qwinsta /server:` in the same report). All three are listed in the current domain and in
 * CONTOSO for `servers`.
 *
 * Windows paths: the README's samples name `D:\Finance\Budget.xlsx`. The demo keeps that file in
 * a temporary folder, passes the folder's path to the CLI for `D:\Finance` and its file, and
 * prints the Windows path back where the CLI printed the temporary one. Other paths are passed
 * through unchanged (relative ones resolve against the current folder, as always).
 *
 * The README's sample outputs come from this script.
 *
 * @module
 */

import { main } from "../cli/main.ts";
import { type CliIO, denoIO } from "../cli/common.ts";
import { doubles, useDoubles } from "../tests/doubles.ts";
import { rmDoubles } from "../tests/doubles_rm.ts";
import { accountDoubles } from "../tests/doubles_accounts.ts";

/** How long every WTS call on the slow server `RDS02` takes in the demo. */
export const SLOW_SERVER_DELAY_MS = 300;

/** The Windows folder the demo's locked file lives in. */
export const DEMO_FOLDER = "D:\\Finance";
/** The demo's locked file (Excel, pid 4120, holds it), as the README names it. */
export const DEMO_FILE = "D:\\Finance\\Budget.xlsx";

/** What {@linkcode seedDemo} set up; disposing it removes the temporary folder. */
export interface Demo extends Disposable {
  /** `[as on Windows, the temporary path it stands for]`, the file before its folder. */
  readonly paths: readonly (readonly [windows: string, actual: string])[];
}

/** Options of {@linkcode seedDemo}. */
export interface DemoOptions {
  /** The demo's wall clock: logon, input and process times are this much ago. */
  now?: Date;
  /** Delay of every call on `RDS02`; default {@linkcode SLOW_SERVER_DELAY_MS}. */
  slowServerDelayMs?: number;
}

const ALICE_SID = "S-1-5-21-1004336348-1177238915-682003330-1107";
const BOB_SID = "S-1-5-21-1004336348-1177238915-682003330-1108";
const CAROL_SID = "S-1-5-21-1004336348-1177238915-682003330-1112";
const ERIN_SID = "S-1-5-21-1004336348-1177238915-682003330-1115";

/**
 * Resets the doubles and fills them with the demo estate (see the module comment).
 *
 * @example
 * ```ts
 * import { main } from "../cli/main.ts";
 * import { denoIO } from "../cli/common.ts";
 * import { DEMO_FILE, demoArgs, demoIO, seedDemo } from "./demo.ts";
 *
 * using demo = seedDemo();
 * const code = await main(demoArgs(["locks", DEMO_FILE], demo), demoIO(denoIO(), demo));
 * console.log(code); // 10: Excel holds the file
 * ```
 */
export function seedDemo(options: DemoOptions = {}): Demo {
  const now = options.now ?? new Date();
  const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
  useDoubles();
  seedLocalServer(now, ago);
  seedRemoteServers(now, ago, options.slowServerDelayMs ?? SLOW_SERVER_DELAY_MS);

  const folder = Deno.makeTempDirSync({ prefix: "winsession-demo-" });
  const separator = Deno.build.os === "windows" ? "\\" : "/";
  const file = `${folder}${separator}Budget.xlsx`;
  Deno.writeTextFileSync(file, "demo");
  rmDoubles.lock(file, 4120);
  // `locks` names each holder's owner and executable; `release --ask`: alice answers No.
  accountDoubles.add({ sid: ALICE_SID, domain: "CONTOSO", name: "alice" });
  accountDoubles.add({ sid: BOB_SID, domain: "CONTOSO", name: "bob" });
  accountDoubles.add({ sid: "S-1-5-18", domain: "NT AUTHORITY", name: "SYSTEM" });
  doubles.setSessionMessageResponse(2, 7); // IDNO
  return {
    paths: [[DEMO_FILE, file], [DEMO_FOLDER, folder]],
    [Symbol.dispose]() {
      Deno.removeSync(folder, { recursive: true });
    },
  };
}

function seedLocalServer(now: Date, ago: (minutes: number) => Date): void {
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
    lastInputTime: ago(2.5),
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
    { pid: 4120, sessionId: 2, name: "EXCEL.EXE", sid: ALICE_SID },
    { pid: 5208, sessionId: 2, name: "explorer.exe", sid: ALICE_SID },
    { pid: 6312, sessionId: 3, name: "notepad.exe", sid: BOB_SID },
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
      imagePath: p.name === "EXCEL.EXE"
        ? "C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE"
        : `C:\\Windows\\${p.name}`,
      appName: p.name === "EXCEL.EXE" ? "Microsoft Excel" : "",
      appType: p.name === "EXCEL.EXE" ? 1 : 2,
      restartable: p.name === "EXCEL.EXE",
    });
  }
}

/** RDS01 answers at once, RDS02 slowly; RDS03 is listed in the domain but never registered. */
function seedRemoteServers(now: Date, ago: (minutes: number) => Date, slowDelayMs: number): void {
  doubles.addServer("RDS01");
  doubles.addServer("RDS02", slowDelayMs);
  for (const domain of ["", "CONTOSO"]) {
    for (const name of ["RDS01", "RDS02", "RDS03"]) doubles.addDomainServer(domain, name);
  }
  doubles.addSession({ server: "RDS01", id: 0, winStation: "Services", state: 4 });
  doubles.addSession({
    server: "RDS01",
    id: 2,
    winStation: "RDP-Tcp#11",
    state: 0,
    user: "carol",
    domain: "CONTOSO",
    clientName: "PC-CAROL",
    clientAddress: "10.1.7.40",
    protocol: 2,
    logonTime: ago(75),
    connectTime: ago(75),
    lastInputTime: ago(1),
    currentTime: now,
  });
  doubles.addSession({
    server: "RDS02",
    id: 3,
    winStation: "RDP-Tcp#2",
    state: 0,
    user: "erin",
    domain: "CONTOSO",
    clientName: "PC-ERIN",
    clientAddress: "10.1.9.13",
    protocol: 2,
    logonTime: ago(40),
    connectTime: ago(40),
    lastInputTime: ago(12),
    currentTime: now,
  });
  // bob is on both farm servers too, so `logoff bob --server RDS01 --server RDS02` has a target
  // on each (the README's multi-server sample).
  doubles.addSession({
    server: "RDS01",
    id: 3,
    winStation: "RDP-Tcp#1",
    state: 0,
    user: "bob",
    domain: "CONTOSO",
    protocol: 2,
    logonTime: ago(20),
    connectTime: ago(20),
    lastInputTime: ago(3),
    currentTime: now,
  });
  doubles.addSession({
    server: "RDS02",
    id: 7,
    winStation: "",
    state: 4,
    user: "bob",
    domain: "CONTOSO",
    protocol: 2,
    logonTime: ago(300),
    connectTime: ago(300),
    disconnectTime: ago(200),
    currentTime: now,
  });
  const remote = [
    { server: "RDS01", pid: 3312, sessionId: 2, name: "WINWORD.EXE", sid: CAROL_SID },
    { server: "RDS02", pid: 2840, sessionId: 3, name: "chrome.exe", sid: ERIN_SID },
  ];
  for (const p of remote) {
    doubles.addProcess({
      ...p,
      createTime: ago(30),
      threads: 20,
      handles: 600,
      workingSet: 210_000_000,
      userTime: 95_000_000n,
      kernelTime: 12_000_000n,
    });
  }
}

/**
 * The CLI's arguments for `args` as `deno task demo` gets them: a leading `--` (Deno 2 passes on
 * the one in `deno task demo -- sessions --json`) is dropped, and the demo's Windows paths become
 * the temporary paths they stand for (compared case-insensitively, as Windows does).
 */
export function demoArgs(args: readonly string[], demo: Demo): string[] {
  const rest = args[0] === "--" ? args.slice(1) : [...args];
  return rest.map((arg) =>
    demo.paths.find(([windows]) => windows.toLowerCase() === arg.toLowerCase())?.[1] ?? arg
  );
}

/** `io`, with the demo's temporary paths shown as the Windows paths they stand for. */
export function demoIO(io: CliIO, demo: Demo): CliIO {
  const show = (text: string) => {
    for (const [windows, actual] of demo.paths) {
      // JSON first (a Windows path's backslashes are escaped there), then plain text.
      text = text.replaceAll(JSON.stringify(actual), JSON.stringify(windows))
        .replaceAll(actual, windows);
    }
    return text;
  };
  return {
    out: (text) => io.out(show(text)),
    err: (text) => io.err(show(text)),
    get interactive() {
      return io.interactive;
    },
    get color() {
      return io.color;
    },
    ask: (question) => io.ask(show(question)),
    cwd: () => io.cwd(),
  };
}

/**
 * Seeds the demo, runs the CLI with `args` (as `deno task demo` passes them) and returns its exit
 * code; the temporary folder is removed afterwards.
 *
 * @example
 * ```ts
 * import { runDemo } from "./demo.ts";
 *
 * const code = await runDemo(["--", "sessions", "--json"]); // prints the demo's sessions as JSON
 * ```
 */
export async function runDemo(
  args: readonly string[],
  io: CliIO = denoIO(),
  options: DemoOptions = {},
): Promise<number> {
  using demo = seedDemo(options);
  return await main(demoArgs(args, demo), demoIO(io, demo));
}

if (import.meta.main) {
  Deno.exit(await runDemo(Deno.args));
}
