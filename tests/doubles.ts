/**
 * Control binding of the winsession test doubles (`tests/doubles/*.c`, built by
 * `tests/doubles/build.sh`): sets up sessions, processes, servers, events and message replies,
 * injects failures, counts calls and checks that a test leaked nothing.
 *
 * The doubles' shared core (`wsdouble.so` / `wsdouble.dll`) holds the last error, the process
 * table and the leak counters; `wtsapi32` holds sessions, servers, events and messages. Both are
 * opened here once, with `Deno.dlopen`, beside the copies `ffi/load.ts` opens (the platform
 * loader shares one instance, so both see the same state).
 *
 * @example
 * ```ts ignore
 * import { assertNoLeaks, doubles, useDoubles } from "./doubles.ts";
 *
 * useDoubles();
 * doubles.addSession({ id: 2, winStation: "RDP-Tcp#0", state: 0, user: "alice" });
 * // ... call the library under test ...
 * assertNoLeaks();
 * ```
 *
 * @module
 */

import { dateToFileTime } from "../ffi/filetime.ts";
import { setDllDirectory } from "../ffi/load.ts";

/** The folder holding this operating system's doubles (`build/linux` or `build/windows`). */
export const buildDir: string = (() => {
  const os = Deno.build.os === "windows" ? "windows" : "linux";
  const url = new URL(`./doubles/build/${os}/`, import.meta.url);
  const path = decodeURIComponent(url.pathname);
  // "/C:/x/" -> "C:\x" on Windows; the trailing separator goes either way.
  const trimmed = Deno.build.os === "windows" ? path.slice(1).replaceAll("/", "\\") : path;
  return trimmed.replace(/[\\/]+$/, "");
})();

const extension = Deno.build.os === "windows" ? "dll" : "so";
const separator = Deno.build.os === "windows" ? "\\" : "/";

/** Control exports of the shared core (`wsdouble`). The RM binding opens its own library. */
export const CORE_CONTROL_SYMBOLS = {
  dbl_reset: { parameters: [], result: "void" },
  dbl_fail_next: { parameters: ["buffer", "u32", "i32"], result: "void" },
  dbl_calls: { parameters: ["buffer"], result: "i64" },
  dbl_set_last_error: { parameters: ["u32"], result: "void" },
  dbl_get_last_error: { parameters: [], result: "u32" },
  dbl_wts_outstanding: { parameters: [], result: "i64" },
  dbl_local_outstanding: { parameters: [], result: "i64" },
  dbl_handles_outstanding: { parameters: [], result: "i64" },
  dbl_servers_outstanding: { parameters: [], result: "i64" },
  dbl_rm_open_sessions: { parameters: [], result: "i64" },
  dbl_set_current_pid: { parameters: ["u32"], result: "void" },
  dbl_set_current_session: { parameters: ["u32"], result: "void" },
  dbl_set_console_session: { parameters: ["u32"], result: "void" },
  dbl_process_add: { parameters: ["buffer", "u32", "u32", "buffer", "buffer"], result: "i32" },
  dbl_process_set_str: { parameters: ["buffer", "u32", "buffer", "buffer"], result: "i32" },
  dbl_process_set_u64: { parameters: ["buffer", "u32", "buffer", "u64"], result: "i32" },
  dbl_process_alive: { parameters: ["buffer", "u32"], result: "i32" },
  dbl_process_exit_code: { parameters: ["buffer", "u32"], result: "i64" },
} as const satisfies Deno.ForeignLibraryInterface;

/** Control exports of the wtsapi32 double. */
export const WTS_CONTROL_SYMBOLS = {
  dbl_server_add: { parameters: ["buffer", "u32"], result: "i32" },
  dbl_server_open_delay: { parameters: ["buffer", "u32"], result: "i32" },
  dbl_server_vanish_after: { parameters: ["buffer", "u32"], result: "i32" },
  dbl_domain_server_add: { parameters: ["buffer", "buffer"], result: "i32" },
  dbl_session_add: { parameters: ["buffer", "u32", "buffer", "i32"], result: "i32" },
  dbl_session_set_str: { parameters: ["buffer", "u32", "buffer", "buffer"], result: "i32" },
  dbl_session_set_u64: { parameters: ["buffer", "u32", "buffer", "u64"], result: "i32" },
  dbl_session_state: { parameters: ["buffer", "u32"], result: "i32" },
  dbl_sessions_generate: { parameters: ["buffer", "i32"], result: "i32" },
  dbl_processes_generate: { parameters: ["buffer", "i32"], result: "i32" },
  dbl_event_inject: { parameters: ["buffer", "u32"], result: "i32" },
  dbl_wait_pending: { parameters: [], result: "i32" },
  dbl_message_set_response: { parameters: ["u32", "u32"], result: "void" },
  dbl_message_set_timeout_response: { parameters: ["u32"], result: "void" },
  dbl_message_set_session_response: { parameters: ["buffer", "u32", "u32", "u32"], result: "i32" },
  dbl_message_session_last: { parameters: ["buffer", "u32", "buffer", "usize"], result: "i32" },
  dbl_os_version_set: { parameters: ["u32", "u32", "u32"], result: "void" },
  dbl_server_os_version: { parameters: ["buffer", "u32", "u32"], result: "i32" },
  dbl_message_last: {
    parameters: ["buffer", "usize", "buffer", "usize", "buffer", "buffer", "buffer"],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

let core: Deno.DynamicLibrary<typeof CORE_CONTROL_SYMBOLS>["symbols"] | undefined;
let wts: Deno.DynamicLibrary<typeof WTS_CONTROL_SYMBOLS>["symbols"] | undefined;

/** The path of one double in {@linkcode buildDir}, e.g. `doublePath("wsdouble")`. */
export function doublePath(name: string): string {
  return `${buildDir}${separator}${name}.${extension}`;
}

/** The core's control symbols, opened on first use (the RM binding may reuse them). */
export function coreSymbols(): Deno.DynamicLibrary<typeof CORE_CONTROL_SYMBOLS>["symbols"] {
  return (core ??= Deno.dlopen(doublePath("wsdouble"), CORE_CONTROL_SYMBOLS).symbols);
}

/**
 * The file ffi/load.ts opens for a Win32-shaped double: on Windows it prefers
 * `winsession_<name>.dll` (a system-named DLL would resolve to the system's), and the control
 * binding must open that same module, or it would drive a second copy of the tables.
 */
export function win32DoublePath(name: "wtsapi32" | "kernel32" | "rstrtmgr" | "advapi32"): string {
  if (Deno.build.os === "windows") {
    const prefixed = doublePath(`winsession_${name}`);
    try {
      Deno.statSync(prefixed);
      return prefixed;
    } catch {
      // fall through to the plain name
    }
  }
  return doublePath(name);
}

function wtsSymbols(): Deno.DynamicLibrary<typeof WTS_CONTROL_SYMBOLS>["symbols"] {
  if (wts) return wts;
  coreSymbols(); // the double imports the core (see useDoubles)
  return (wts = Deno.dlopen(win32DoublePath("wtsapi32"), WTS_CONTROL_SYMBOLS).symbols);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 + NUL, the control API's string form. */
export function cString(text: string): Uint8Array<ArrayBuffer> {
  const bytes = encoder.encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

function readCString(buffer: Uint8Array): string {
  const end = buffer.indexOf(0);
  return decoder.decode(buffer.subarray(0, end < 0 ? buffer.length : end));
}

function check(result: number, what: string): void {
  if (result < 0) throw new Error(`test double rejected ${what}`);
}

/** A FILETIME (100 ns ticks since 1601) from a Date, or the ticks themselves. */
function ticks(value: Date | bigint): bigint {
  return value instanceof Date ? dateToFileTime(value) : value;
}

/** WTS_CONNECTSTATE_CLASS values, for readability in tests. */
export const ConnectState = {
  Active: 0,
  Connected: 1,
  ConnectQuery: 2,
  Shadow: 3,
  Disconnected: 4,
  Idle: 5,
  Listen: 6,
  Reset: 7,
  Down: 8,
  Init: 9,
} as const;

/** A session as {@linkcode doubles.addSession} creates it. */
export interface SessionSetup {
  /** Server name; "" or absent = the local server. */
  server?: string;
  id: number;
  winStation: string;
  /** WTS_CONNECTSTATE_CLASS (see {@linkcode ConnectState}). */
  state: number;
  user?: string;
  domain?: string;
  clientName?: string;
  clientDirectory?: string;
  /** Text IPv4 or IPv6 address; "" = AF_UNSPEC. */
  clientAddress?: string;
  farm?: string;
  host?: string;
  initialProgram?: string;
  workingDirectory?: string;
  /** 0 console, 2 RDP. */
  protocol?: number;
  clientBuild?: number;
  clientProductId?: number;
  clientHardwareId?: number;
  connectTime?: Date | bigint;
  disconnectTime?: Date | bigint;
  lastInputTime?: Date | bigint;
  logonTime?: Date | bigint;
  /** WTSINFO.CurrentTime; absent = the wall clock at query time. */
  currentTime?: Date | bigint;
  hres?: number;
  vres?: number;
  colorDepth?: number;
  /** WTSINFOEX SessionFlags (0 locked, 1 unlocked, 0xFFFFFFFF unknown = default). */
  sessionFlags?: number;
  /** Protocol counters of WTSINFO / WTSINFOEX_LEVEL1 (0 by default). */
  incomingBytes?: number;
  outgoingBytes?: number;
  incomingFrames?: number;
  outgoingFrames?: number;
  incomingCompressedBytes?: number;
  outgoingCompressedBytes?: number;
}

/** A process as {@linkcode doubles.addProcess} creates it. */
export interface ProcessSetup {
  server?: string;
  pid: number;
  sessionId: number;
  /** Image name, e.g. "notepad.exe". */
  name: string;
  /** "S-1-5-21-…" or absent for none. */
  sid?: string;
  imagePath?: string;
  createTime?: Date | bigint;
  exitTime?: Date | bigint;
  /** 100 ns units. */
  userTime?: bigint | number;
  kernelTime?: bigint | number;
  threads?: number;
  handles?: number;
  pagefile?: number;
  peakPagefile?: number;
  workingSet?: number;
  peakWorkingSet?: number;
  /** Restart Manager view: RM_PROCESS_INFO.strAppName. */
  appName?: string;
  service?: string;
  /** RM_APP_TYPE. */
  appType?: number;
  /** RM_APP_STATUS flags. */
  appStatus?: number;
  restartable?: boolean;
  refuseShutdown?: boolean;
  /** OpenProcess (and WTSTerminateProcess) fail with ERROR_ACCESS_DENIED. */
  accessDenied?: boolean;
  /** OpenProcess works but OpenProcessToken fails with ERROR_ACCESS_DENIED (a protected process,
   * or another user's token without elevation). */
  tokenDenied?: boolean;
}

/** The message WTSSendMessageW last showed. */
export interface LastMessage {
  /** Messages sent since reset. */
  count: number;
  title: string;
  text: string;
  style: number;
  timeout: number;
  wait: boolean;
}

/** Outstanding allocations and handles, as the doubles count them. */
export interface LeakCounters {
  wtsAllocations: number;
  localAllocations: number;
  kernelHandles: number;
  serverHandles: number;
  rmSessions: number;
}

const SESSION_STRINGS = {
  user: "user",
  domain: "domain",
  clientName: "client_name",
  clientDirectory: "client_directory",
  clientAddress: "client_address",
  farm: "farm",
  host: "host",
  initialProgram: "initial_program",
  workingDirectory: "working_directory",
} as const satisfies Partial<Record<keyof SessionSetup, string>>;

const SESSION_NUMBERS = {
  protocol: "protocol",
  clientBuild: "client_build",
  clientProductId: "client_product_id",
  clientHardwareId: "client_hardware_id",
  hres: "hres",
  vres: "vres",
  colorDepth: "color_depth",
  sessionFlags: "session_flags",
  incomingBytes: "incoming_bytes",
  outgoingBytes: "outgoing_bytes",
  incomingFrames: "incoming_frames",
  outgoingFrames: "outgoing_frames",
  incomingCompressedBytes: "incoming_compressed_bytes",
  outgoingCompressedBytes: "outgoing_compressed_bytes",
} as const satisfies Partial<Record<keyof SessionSetup, string>>;

const SESSION_TIMES = {
  connectTime: "connect_time",
  disconnectTime: "disconnect_time",
  lastInputTime: "last_input_time",
  logonTime: "logon_time",
  currentTime: "current_time",
} as const satisfies Partial<Record<keyof SessionSetup, string>>;

const PROCESS_STRINGS = {
  imagePath: "image_path",
  appName: "app_name",
  service: "service",
} as const satisfies Partial<Record<keyof ProcessSetup, string>>;

const PROCESS_NUMBERS = {
  createTime: "create_time",
  exitTime: "exit_time",
  userTime: "user_time",
  kernelTime: "kernel_time",
  threads: "threads",
  handles: "handles",
  pagefile: "pagefile",
  peakPagefile: "peak_pagefile",
  workingSet: "working_set",
  peakWorkingSet: "peak_working_set",
  appType: "app_type",
  appStatus: "app_status",
  restartable: "restartable",
  refuseShutdown: "refuse_shutdown",
  accessDenied: "access_denied",
  tokenDenied: "token_denied",
} as const satisfies Partial<Record<keyof ProcessSetup, string>>;

function toU64(value: Date | bigint | number | boolean): bigint {
  if (typeof value === "boolean") return value ? 1n : 0n;
  if (typeof value === "number") return BigInt.asUintN(64, BigInt(Math.trunc(value)));
  return BigInt.asUintN(64, ticks(value));
}

/** Typed control of the doubles. Every method throws when the double rejects the set-up. */
export const doubles = {
  /** Clears every table, injected failure, call count and setting (not the leak counters). */
  reset(): void {
    coreSymbols().dbl_reset();
    wtsSymbols(); // opened so its reset hook is registered before the next reset
  },

  /** Registers a remote server; every WTS call on its handles first sleeps `delayMs`. */
  addServer(name: string, delayMs = 0): void {
    check(wtsSymbols().dbl_server_add(cString(name), delayMs), `server ${name}`);
  },

  /** WTSOpenServer(Ex)W on the registered server `name` first sleeps `delayMs` (its RPC). */
  setOpenDelay(name: string, delayMs: number): void {
    check(wtsSymbols().dbl_server_open_delay(cString(name), delayMs), `server ${name}`);
  },

  /** The registered server `name` answers `calls` more calls, then RPC_S_SERVER_UNAVAILABLE. */
  vanishAfter(name: string, calls: number): void {
    check(wtsSymbols().dbl_server_vanish_after(cString(name), calls), `server ${name}`);
  },

  /** Lists `name` in `domain` for WTSEnumerateServersW. */
  addDomainServer(domain: string, name: string): void {
    check(wtsSymbols().dbl_domain_server_add(cString(domain), cString(name)), `server ${name}`);
  },

  /** Adds (or replaces) a session with the given fields. */
  addSession(setup: SessionSetup): void {
    const symbols = wtsSymbols();
    const server = cString(setup.server ?? "");
    check(
      symbols.dbl_session_add(server, setup.id, cString(setup.winStation), setup.state),
      `session ${setup.id}`,
    );
    for (const [key, field] of Object.entries(SESSION_STRINGS)) {
      const value = setup[key as keyof typeof SESSION_STRINGS];
      if (value === undefined) continue;
      check(
        symbols.dbl_session_set_str(server, setup.id, cString(field), cString(value)),
        `session ${setup.id} ${key} ${value}`,
      );
    }
    const numbers = { ...SESSION_NUMBERS, ...SESSION_TIMES };
    for (const [key, field] of Object.entries(numbers)) {
      const value = setup[key as keyof typeof numbers];
      if (value === undefined) continue;
      check(
        symbols.dbl_session_set_u64(server, setup.id, cString(field), toU64(value)),
        `session ${setup.id} ${key}`,
      );
    }
  },

  /** Sets one session field by its C name (see wtsapi32.c); false when unknown. */
  setSessionField(server: string, id: number, field: string, value: string | bigint): boolean {
    const symbols = wtsSymbols();
    return (typeof value === "string"
      ? symbols.dbl_session_set_str(cString(server), id, cString(field), cString(value))
      : symbols.dbl_session_set_u64(cString(server), id, cString(field), value)) === 0;
  },

  /** WTS_CONNECTSTATE_CLASS of a session, or -1 once it is gone (logged off). */
  sessionState(id: number, server = ""): number {
    return wtsSymbols().dbl_session_state(cString(server), id);
  },

  /** Adds n deterministic sessions after the highest id; returns the first new id. */
  generateSessions(n: number, server = ""): number {
    const first = wtsSymbols().dbl_sessions_generate(cString(server), n);
    check(first, `${n} sessions`);
    return first;
  },

  /** Adds n deterministic processes (pids 10000…) spread over the server's sessions. */
  generateProcesses(n: number, server = ""): void {
    check(wtsSymbols().dbl_processes_generate(cString(server), n), `${n} processes`);
  },

  /** Adds (or replaces) a live process with the given fields. */
  addProcess(setup: ProcessSetup): void {
    const symbols = coreSymbols();
    const server = cString(setup.server ?? "");
    check(
      symbols.dbl_process_add(
        server,
        setup.pid,
        setup.sessionId,
        cString(setup.name),
        cString(setup.sid ?? ""),
      ),
      `process ${setup.pid} (SID ${setup.sid})`,
    );
    for (const [key, field] of Object.entries(PROCESS_STRINGS)) {
      const value = setup[key as keyof typeof PROCESS_STRINGS];
      if (value === undefined) continue;
      check(
        symbols.dbl_process_set_str(server, setup.pid, cString(field), cString(value)),
        `process ${setup.pid} ${key}`,
      );
    }
    for (const [key, field] of Object.entries(PROCESS_NUMBERS)) {
      const value = setup[key as keyof typeof PROCESS_NUMBERS];
      if (value === undefined) continue;
      check(
        symbols.dbl_process_set_u64(
          server,
          setup.pid,
          cString(field),
          toU64(value),
        ),
        `process ${setup.pid} ${key}`,
      );
    }
  },

  /** true while the process runs, false once terminated, undefined when never added. */
  processAlive(pid: number, server = ""): boolean | undefined {
    const alive = coreSymbols().dbl_process_alive(cString(server), pid);
    return alive < 0 ? undefined : alive === 1;
  },

  /** The exit code a terminated process recorded, or undefined while it runs. */
  processExitCode(pid: number, server = ""): number | undefined {
    const code = coreSymbols().dbl_process_exit_code(cString(server), pid);
    return code < 0n ? undefined : Number(code);
  },

  /** Makes the next `times` calls of `fn` fail with `code` (-1 = until reset). */
  failNext(fn: string, code: number, times = 1): void {
    coreSymbols().dbl_fail_next(cString(fn), code, times);
  },

  /** Calls of `fn` (its Win32 name) since the last reset. */
  calls(fn: string): number {
    return Number(coreSymbols().dbl_calls(cString(fn)));
  },

  /** Adds event flags (WTS_EVENT_*) to a server's pending set and wakes waiters. */
  injectEvent(flags: number, server = ""): void {
    check(wtsSymbols().dbl_event_inject(cString(server), flags >>> 0), `event on ${server}`);
  },

  /** Threads currently blocked in WTSWaitSystemEvent. */
  waitPending(): number {
    return wtsSymbols().dbl_wait_pending();
  },

  /** Resolves once `n` threads are blocked in WTSWaitSystemEvent (polls every millisecond). */
  async waitUntilPending(n = 1, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.waitPending() < n) {
      if (Date.now() > deadline) throw new Error(`no ${n} WTSWaitSystemEvent waiter(s)`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  },

  /** What a waited box answers when its timeout passes: IDTIMEOUT (32000), or 0 as some Server builds do. */
  setMessageTimeoutResponse(response: number): void {
    wtsSymbols().dbl_message_set_timeout_response(response);
  },

  /** The Windows version NetServerGetInfo reports for a registered remote server. */
  setServerOsVersion(server: string, major: number, minor: number): void {
    check(wtsSymbols().dbl_server_os_version(cString(server), major, minor), `server ${server}`);
  },

  /** The Windows version RtlGetVersion (and NetServerGetInfo for this server) reports (default 10.0.20348). */
  setOsVersion(major: number, minor: number, build = 0): void {
    wtsSymbols().dbl_os_version_set(major, minor, build);
  },

  /** WTSSendMessageW with bWait answers `response` after `delayMs` (IDOK = 1 by default). */
  setMessageResponse(response: number, delayMs = 0): void {
    wtsSymbols().dbl_message_set_response(response, delayMs);
  },

  /**
   * A waited box in `sessionId` (on `server`, "" = local) answers `response` after `delayMs`,
   * whatever {@linkcode doubles.setMessageResponse} says for other sessions: IDYES 6, IDNO 7,
   * IDTIMEOUT 32000, or 0 as some Server builds answer a timeout.
   */
  setSessionMessageResponse(sessionId: number, response: number, delayMs = 0, server = ""): void {
    check(
      wtsSymbols().dbl_message_set_session_response(cString(server), sessionId, response, delayMs),
      `message reply for session ${sessionId}`,
    );
  },

  /** How many boxes `sessionId` was sent since reset, and the text of the last one. */
  sessionMessage(sessionId: number, server = ""): { count: number; text: string } {
    const text = new Uint8Array(2048);
    const count = wtsSymbols().dbl_message_session_last(
      cString(server),
      sessionId,
      text,
      BigInt(text.length),
    );
    return { count, text: readCString(text) };
  },

  /** The last message shown, and how many were sent since reset. */
  lastMessage(): LastMessage {
    const title = new Uint8Array(1024);
    const text = new Uint8Array(4096);
    const numbers = new Uint32Array(3);
    const bytes = new Uint8Array(numbers.buffer);
    const count = wtsSymbols().dbl_message_last(
      title,
      BigInt(title.length),
      text,
      BigInt(text.length),
      bytes.subarray(0, 4),
      bytes.subarray(4, 8),
      bytes.subarray(8, 12),
    );
    return {
      count,
      title: readCString(title),
      text: readCString(text),
      style: numbers[0]!,
      timeout: numbers[1]!,
      wait: numbers[2] !== 0,
    };
  },

  /** GetCurrentProcessId's answer (default: the real process id). */
  setCurrentPid(pid: number): void {
    coreSymbols().dbl_set_current_pid(pid);
  },

  /** The session WTS_CURRENT_SESSION means (default 1). */
  setCurrentSession(id: number): void {
    coreSymbols().dbl_set_current_session(id);
  },

  /** WTSGetActiveConsoleSessionId's answer (default 1; 0xFFFFFFFF = none attached). */
  setConsoleSession(id: number): void {
    coreSymbols().dbl_set_console_session(id >>> 0);
  },

  /** Seeds the thread's last error (as SetLastError would). */
  setLastError(code: number): void {
    coreSymbols().dbl_set_last_error(code);
  },

  /** Outstanding allocations and handles. */
  counters(): LeakCounters {
    const symbols = coreSymbols();
    return {
      wtsAllocations: Number(symbols.dbl_wts_outstanding()),
      localAllocations: Number(symbols.dbl_local_outstanding()),
      kernelHandles: Number(symbols.dbl_handles_outstanding()),
      serverHandles: Number(symbols.dbl_servers_outstanding()),
      rmSessions: Number(symbols.dbl_rm_open_sessions()),
    };
  },
};

const COUNTER_MEANING: Record<keyof LeakCounters, string> = {
  wtsAllocations: "WTS allocations not freed with WTSFreeMemory/WTSFreeMemoryExW",
  localAllocations: "FormatMessageW buffers not freed with LocalFree",
  kernelHandles: "process handles not closed with CloseHandle, find handles not with FindClose",
  serverHandles: "server handles not closed with WTSCloseServer",
  rmSessions: "Restart Manager sessions not ended with RmEndSession",
};

/** Throws naming every counter that is not back to zero. */
export function assertNoLeaks(): void {
  const counters = doubles.counters();
  const leaks = Object.entries(counters)
    .filter(([, value]) => value !== 0)
    .map(([key, value]) => `${key}=${value} (${COUNTER_MEANING[key as keyof LeakCounters]})`);
  if (leaks.length) throw new Error(`test doubles report leaks: ${leaks.join("; ")}`);
}

/**
 * Points ffi/load.ts at the doubles and resets them; call at the start of each test.
 *
 * The core (`wsdouble`) is opened first, by full path, and stays open: on Windows the
 * wtsapi32/kernel32/rstrtmgr doubles import `wsdouble.dll`, and the PE loader does not search a
 * DLL's own folder for its imports ("Module not found" otherwise). Once the core is loaded, their
 * imports bind to it by name.
 */
export function useDoubles(): void {
  coreSymbols();
  setDllDirectory(buildDir);
  doubles.reset();
}
