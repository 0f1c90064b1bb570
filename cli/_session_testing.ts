/**
 * Test helpers of the session commands' tests: run the CLI in-process with a recording I/O,
 * seed the wtsapi32 double with a known host, and wrap each test in a leak check.
 *
 * @module
 */
import { main } from "./main.ts";
import { assertNoLeaks, ConnectState, doubles, useDoubles } from "../tests/doubles.ts";
import { accountDoubles } from "../tests/doubles_accounts.ts";
import { type RecordingIO, recordingIO } from "./_testing.ts";

/** Runs the CLI; returns the exit code and what it wrote. */
export async function run(
  args: string[],
  options: Parameters<typeof recordingIO>[0] & { signal?: AbortSignal } = {},
): Promise<{ code: number; io: RecordingIO }> {
  const io = recordingIO(options);
  const code = await main(args, io, { signal: options.signal });
  return { code, io };
}

/**
 * Runs the CLI on a terminal that answers "y" to its one question, after `meanwhile` ran: what
 * happens while a confirmation prompt is open (the target changes under it).
 */
export async function runChangedWhileAsking(
  args: string[],
  meanwhile: () => void | Promise<void>,
): Promise<{ code: number; io: RecordingIO }> {
  const io = recordingIO({ interactive: true });
  io.ask = async (question) => {
    io.questions.push(question);
    await meanwhile();
    return "y";
  };
  const code = await main(args, io);
  return { code, io };
}

export const HOUR = 3600_000;
export const WTS_EVENT_LOGON = 0x20;
export const WTS_EVENT_DISCONNECT = 0x10;
export const IDYES = 6;
export const MB_YESNO = 0x4;
export const MB_ICONQUESTION = 0x20;
export const ERROR_ACCESS_DENIED = 5;

/**
 * Services (no user), the console with alice, bob over RDP; two processes whose SIDs map to
 * CONTOSO\\bob and NT AUTHORITY\\SYSTEM on this computer; winsession runs elevated.
 */
export function seed(): void {
  accountDoubles.open(); // so the doubles' reset resets its tables too
  useDoubles();
  accountDoubles.setElevated(true);
  accountDoubles.add({ sid: "S-1-5-21-1-2-3-1001", domain: "CONTOSO", name: "bob" });
  accountDoubles.add({ sid: "S-1-5-18", domain: "NT AUTHORITY", name: "SYSTEM", use: 5 });
  const now = Date.now();
  doubles.addSession({ id: 0, winStation: "Services", state: ConnectState.Disconnected });
  doubles.addSession({
    id: 1,
    winStation: "Console",
    state: ConnectState.Active,
    user: "alice",
    domain: "CONTOSO",
    protocol: 0,
    logonTime: new Date(now - 5 * HOUR),
    lastInputTime: new Date(now - 3 * HOUR - 12 * 60_000 - 5_000),
    currentTime: new Date(now),
  });
  doubles.addSession({
    id: 2,
    winStation: "RDP-Tcp#3",
    state: ConnectState.Active,
    user: "bob",
    domain: "CONTOSO",
    clientName: "LAPTOP-7",
    clientAddress: "10.0.0.5",
    protocol: 2,
    logonTime: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
    connectTime: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
  });
  doubles.addSession({ id: 65536, winStation: "RDP-Tcp", state: ConnectState.Listen });
  doubles.addProcess({
    pid: 4242,
    sessionId: 2,
    name: "notepad.exe",
    sid: "S-1-5-21-1-2-3-1001",
    threads: 3,
    handles: 99,
    workingSet: 12 * 1024 * 1024,
    userTime: 10_000_000n,
    kernelTime: 5_000_000n,
  });
  doubles.addProcess({ pid: 4, sessionId: 0, name: "System", sid: "S-1-5-18" });
}

/** Each test seeds the doubles, runs, then checks that nothing leaked. */
export function test(name: string, fn: () => Promise<void>): void {
  Deno.test(name, async () => {
    seed();
    await fn();
    assertNoLeaks();
  });
}

export const lines = (text: string) => text.split("\n").filter((line) => line !== "");

/** Waits until `predicate` holds, polling the event loop (never a timed assertion). */
export async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 1));
}
