/**
 * The Restart Manager (rstrtmgr.dll) as a typed, disposable session: register files, processes
 * and services, ask which processes use them, shut those down and restart them. The names and
 * records live in `types.ts`, filters in `filters.ts`, the registrations in `_register.ts`, the
 * shutdown/restart task with its callback in `_task.ts`; this module re-exports their public
 * parts.
 *
 * Every `Rm*` function returns its Win32 error code directly (it does not set the thread's last
 * error), so a failure becomes a {@linkcode WindowsError} built from that code, and the slow
 * calls (`RmShutdown`, `RmRestart`) can run on Deno's FFI thread pool without losing it.
 *
 * A session counts against a per-user limit of 64 open sessions (`ERROR_MAX_SESSIONS_REACHED`),
 * so always end it: `using rm = RestartManagerSession.start()` does, even when the body throws.
 *
 * @example Who is using a file?
 * ```ts ignore
 * import { RestartManagerSession } from "./session.ts";
 *
 * using rm = RestartManagerSession.start();
 * rm.registerFiles(["C:\\app\\app.dll"]);
 * for (const process of rm.list().processes) {
 *   console.log(process.pid, process.appName, process.type);
 * }
 * ```
 *
 * @module
 */

import { rstrtmgr } from "../ffi/load.ts";
import { decodeWide, encodeWide } from "../ffi/utf16.ts";
import { check } from "./_common.ts";
import { getList } from "./_list.ts";
import { registerFiles, registerProcesses, registerServices } from "./_register.ts";
import { runTask } from "./_task.ts";
import {
  addFilter,
  listFilters,
  removeFilter,
  type RmFilter,
  type RmFilterTarget,
} from "./filters.ts";
import type { RmList, RmRestartOptions, RmShutdownOptions, RmUniqueProcess } from "./types.ts";

export * from "./types.ts";
export type { RmFilter, RmFilterAction, RmFilterTarget } from "./filters.ts";
export * from "./paths.ts";

/** `CCH_RM_SESSION_KEY`: a session key is a GUID written as 32 hexadecimal characters. */
const SESSION_KEY_LENGTH = 32;
/** `RM_SHUTDOWN_TYPE` flags. */
const RmForceShutdown = 0x1;
const RmShutdownOnlyRegistered = 0x10;

/**
 * One Restart Manager session. Start one with {@linkcode RestartManagerSession.start}, or join
 * another installer's with {@linkcode RestartManagerSession.join}; end it with
 * {@linkcode RestartManagerSession.end} or, better, `using`.
 *
 * @example Shut down what uses a file, then restart it
 * ```ts ignore
 * import { RestartManagerSession } from "./session.ts";
 *
 * using rm = RestartManagerSession.start();
 * rm.registerFiles(["C:\\app\\app.dll"]);
 * await rm.shutdown({ onProgress: (percent) => console.log(`${percent}%`) });
 * // … replace the file …
 * await rm.restart();
 * ```
 */
export class RestartManagerSession implements Disposable {
  readonly #handle: number;
  readonly #key: string;
  #ended = false;
  /** Processes the last list() found: the room the next one offers up front (rm/_list.ts). */
  #listed = 0;

  private constructor(handle: number, key: string) {
    this.#handle = handle;
    this.#key = key;
  }

  /**
   * Starts a new session (`RmStartSession`).
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * console.log(rm.key); // 32 hexadecimal characters, to share with a secondary installer
   * ```
   *
   * @returns The session; end it (or let `using` end it).
   * @throws {WindowsError} `ERROR_MAX_SESSIONS_REACHED` (353) when 64 sessions are open.
   */
  static start(): RestartManagerSession {
    const handle = new Uint32Array(1);
    const key = new Uint8Array((SESSION_KEY_LENGTH + 1) * 2);
    check("RmStartSession", rstrtmgr().RmStartSession(handle, 0, key));
    return new RestartManagerSession(handle[0]!, decodeWide(key, 0, SESSION_KEY_LENGTH + 1));
  }

  /**
   * Joins a session another process started (`RmJoinSession`), by its key.
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using primary = RestartManagerSession.start();
   * using secondary = RestartManagerSession.join(primary.key);
   * ```
   *
   * @param key The primary session's 32-character hexadecimal key.
   * @returns The joined session; end it (or let `using` end it).
   * @throws {TypeError} When `key` is not 32 hexadecimal characters.
   * @throws {WindowsError} When Windows refuses to join.
   */
  static join(key: string): RestartManagerSession {
    if (typeof key !== "string" || !/^[0-9a-fA-F]{32}$/.test(key)) {
      throw new TypeError(
        `a Restart Manager session key is 32 hexadecimal characters, got ${JSON.stringify(key)}`,
      );
    }
    const handle = new Uint32Array(1);
    check("RmJoinSession", rstrtmgr().RmJoinSession(handle, encodeWide(key, "session key")));
    return new RestartManagerSession(handle[0]!, key);
  }

  /** The session key: 32 hexadecimal characters another installer can join with. */
  get key(): string {
    return this.#key;
  }

  /** The session handle (a DWORD; 0 is a valid handle). */
  get handle(): number {
    return this.#handle;
  }

  /** Whether {@linkcode RestartManagerSession.end} has been called. */
  get ended(): boolean {
    return this.#ended;
  }

  #open(): number {
    if (this.#ended) {
      throw new Error(`this Restart Manager session (handle ${this.#handle}) has already ended`);
    }
    return this.#handle;
  }

  /**
   * Ends the session (`RmEndSession`). Calling it again does nothing.
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * const rm = RestartManagerSession.start();
   * try {
   *   rm.registerFiles(["C:\\app\\app.dll"]);
   * } finally {
   *   rm.end();
   * }
   * ```
   *
   * @throws {WindowsError} When Windows fails to end it (the handle is given up all the same).
   */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    check("RmEndSession", rstrtmgr().RmEndSession(this.#handle));
  }

  /** Ends the session; what `using` calls. */
  [Symbol.dispose](): void {
    this.end();
  }

  /**
   * Registers files (`RmRegisterResources`) in one call. Relative paths are resolved against
   * the working directory, because the Restart Manager needs full paths (Windows' rules on
   * Windows, POSIX rules elsewhere, where only test doubles run).
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * rm.registerFiles(["C:\\app\\app.dll", "app.log"]);
   * ```
   *
   * @param paths The files; an empty list does nothing.
   * @param cwd What relative paths are relative to (default: the working directory).
   * @throws {TypeError} When a path contains a NUL character (the message names the path).
   * @throws {WindowsError} When Windows rejects the registration.
   */
  registerFiles(paths: readonly string[], cwd?: string): void {
    registerFiles(this.#open(), paths, cwd);
  }

  /**
   * Registers processes (`RmRegisterResources`). A bare pid gets its start time from
   * `OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION)` + `GetProcessTimes`.
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * rm.registerProcesses([4242, { pid: 4343, startTime: 133_000_000_000_000_000n }]);
   * ```
   *
   * @param processes Pids, or pids with their start time.
   * @throws {WindowsError} When a bare pid is not a running process (OpenProcess's error), or
   * Windows rejects the registration.
   */
  registerProcesses(processes: readonly (number | RmUniqueProcess)[]): void {
    registerProcesses(this.#open(), processes);
  }

  /**
   * Registers services by short name (`RmRegisterResources`).
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * rm.registerServices(["Spooler"]);
   * ```
   *
   * @param names Service short names (not display names).
   * @throws {TypeError} When a name contains a NUL character.
   * @throws {WindowsError} When Windows rejects the registration.
   */
  registerServices(names: readonly string[]): void {
    registerServices(this.#open(), names);
  }

  /**
   * Lists the processes using the registered resources (`RmGetList`), following its
   * `ERROR_MORE_DATA` protocol: one call with room for what the last list found plus headroom
   * (at least 32), and only when that is too small, again with room for as many as Windows
   * said are needed, while the list keeps growing (a bounded number of times).
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * rm.registerFiles(["C:\\app\\app.dll"]);
   * const { processes, rebootReasons } = rm.list();
   * ```
   *
   * @returns The processes and the reboot reasons.
   * @throws {WindowsError} On any RmGetList failure, including `ERROR_MORE_DATA` when the list
   * kept growing through every retry.
   */
  list(): RmList {
    const list = getList(this.#open(), this.#listed);
    this.#listed = list.processes.length;
    return list;
  }

  /**
   * Shuts down the processes using the registered resources (`RmShutdown`), on Deno's FFI
   * thread pool so the event loop keeps running (progress, timers, an abort). With `timeoutMs`
   * a shutdown that takes longer is cancelled (`RmCancelCurrentTask`, itself on the pool so it
   * never waits for the main thread: see rm/_task.ts).
   *
   * An `onProgress` that throws does not stop the shutdown: its first error is kept and thrown
   * once `RmShutdown` has returned (then a failure code from RmShutdown is its `cause`).
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * rm.registerFiles(["C:\\app\\app.dll"]);
   * await rm.shutdown({ force: true, onProgress: (p) => console.log(`${p}%`) });
   * ```
   *
   * @param options Force, only-registered, progress and cancellation.
   * @throws {WindowsError} `ERROR_FAIL_NOACTION_REBOOT` (a reboot is needed anyway),
   * `ERROR_FAIL_SHUTDOWN` (some application did not close), and others.
   * @throws `signal.reason` when `signal` aborted the shutdown.
   * @throws {ShutdownTimeoutError} When `timeoutMs` passed and the shutdown was cancelled.
   */
  shutdown(options: RmShutdownOptions = {}): Promise<void> {
    const flags = (options.force ? RmForceShutdown : 0) |
      (options.onlyRegistered ? RmShutdownOnlyRegistered : 0);
    return this.#task("RmShutdown", flags, options);
  }

  /**
   * Restarts what {@linkcode RestartManagerSession.shutdown} closed (`RmRestart`), on Deno's FFI
   * thread pool. Progress and errors of `onProgress` work as for `shutdown`.
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * rm.registerFiles(["C:\\app\\app.dll"]);
   * await rm.shutdown();
   * await rm.restart({ onProgress: (p) => console.log(`${p}%`) });
   * ```
   *
   * @param options Progress and cancellation.
   * @throws {WindowsError} `ERROR_REQUEST_OUT_OF_SEQUENCE` before a shutdown, `ERROR_FAIL_RESTART`.
   * @throws `signal.reason` when `signal` aborted the restart.
   */
  restart(options: RmRestartOptions = {}): Promise<void> {
    return this.#task("RmRestart", 0, options);
  }

  #task(
    functionName: "RmShutdown" | "RmRestart",
    flags: number,
    options: RmRestartOptions,
  ): Promise<void> {
    const handle = this.#open();
    return runTask(functionName, handle, {
      flags,
      onProgress: options.onProgress,
      signal: options.signal,
      timeoutMs: (options as RmShutdownOptions).timeoutMs,
    });
  }

  /**
   * Cancels the shutdown or restart running in this session (`RmCancelCurrentTask`); that call
   * then fails with `ERROR_CANCELLED`. This call runs on the main thread: if Windows made it
   * wait for the task to stop while the task waits for its status callback (which needs the
   * main thread), it would deadlock. Prefer the `signal` or `timeoutMs` options, which cancel
   * from Deno's FFI thread pool (rm/_task.ts).
   *
   * @example
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * rm.registerFiles(["C:\\app\\app.dll"]);
   * const running = rm.shutdown();
   * rm.cancel();
   * await running.catch((error) => console.log(error.message)); // … ERROR_CANCELLED (1223) …
   * ```
   *
   * @throws {WindowsError} When Windows refuses.
   */
  cancel(): void {
    check("RmCancelCurrentTask", rstrtmgr().RmCancelCurrentTask(this.#open()));
  }

  /**
   * Adds a filter (`RmAddFilter`): keep a module file, a process or a service from being shut
   * down (`noShutdown`) or restarted (`noRestart`). Only the session's starter may filter.
   *
   * @example Add, list and remove filters
   * ```ts ignore
   * import { RestartManagerSession } from "./session.ts";
   *
   * using rm = RestartManagerSession.start();
   * rm.addFilter({ service: "Spooler", action: "noShutdown" });
   * rm.addFilter({ file: "C:\\Windows\\explorer.exe", action: "noRestart" });
   * console.log(rm.filters()); // [{ action: "noShutdown", service: "Spooler" }, …]
   * rm.removeFilter({ service: "Spooler" });
   * ```
   *
   * @param filter The target (exactly one of `file`, `process`, `service`) and the action.
   * @throws {TypeError} When the target or action is missing or ambiguous.
   * @throws {WindowsError} When Windows rejects the filter.
   */
  addFilter(filter: RmFilter): void {
    addFilter(this.#open(), filter);
  }

  /**
   * Removes a filter added with {@linkcode RestartManagerSession.addFilter} (`RmRemoveFilter`).
   *
   * @param target The filter's target (its action is not needed).
   * @throws {WindowsError} `ERROR_FILE_NOT_FOUND` when no such filter exists.
   */
  removeFilter(target: RmFilterTarget): void {
    removeFilter(this.#open(), target);
  }

  /**
   * The session's filters (`RmGetFilterList`, with its buffer-size protocol); see the example
   * of {@linkcode RestartManagerSession.addFilter}.
   *
   * @returns The filters, in the order Windows lists them.
   * @throws {WindowsError} On any RmGetFilterList failure.
   */
  filters(): RmFilter[] {
    return listFilters(this.#open());
  }
}
