/**
 * Control binding of the Restart Manager test double (`rstrtmgr.so` / `rstrtmgr.dll`, built by
 * `tests/doubles/build.sh`): which process locks which file, which process runs which service,
 * forced reboot reasons, list growth between two `RmGetList` calls, slowed-down
 * `RmShutdown`/`RmRestart` steps for cancellation tests, a program RmShutdown hangs on until
 * cancelled and an `RmCancelCurrentTask` that waits for the task to end.
 *
 * Processes themselves live in the doubles' shared core and are added through `doubles` from
 * `tests/doubles.ts`; the core's reset also resets this double.
 *
 * @example
 * ```ts ignore
 * import { rmDoubles } from "./doubles_rm.ts";
 *
 * rmDoubles.lock("C:\\app\\data.db", 4242);
 * rmDoubles.service("Spooler", 4243);
 * ```
 *
 * @module
 */

import { buildDir, coreSymbols, win32DoublePath } from "./doubles.ts";

const RM_CONTROL_SYMBOLS = {
  dbl_rm_lock_add: { parameters: ["buffer", "u32"], result: "i32" },
  dbl_rm_lock_clear: { parameters: [], result: "void" },
  dbl_rm_service_add: { parameters: ["buffer", "u32"], result: "i32" },
  dbl_rm_set_reboot_reasons: { parameters: ["u32"], result: "void" },
  dbl_rm_grow_after_next_query: { parameters: ["u32"], result: "void" },
  dbl_rm_set_step_delay_ms: { parameters: ["u32"], result: "void" },
  dbl_rm_set_hang_pid: { parameters: ["u32"], result: "void" },
  dbl_rm_set_cancel_waits: { parameters: ["u32"], result: "void" },
  dbl_rm_cancel_gave_up: { parameters: [], result: "u32" },
  dbl_rm_registered_count: { parameters: ["u32", "u32"], result: "i64" },
  dbl_rm_reset: { parameters: [], result: "void" },
  dbl_rm_bulk_locks: { parameters: ["buffer", "u32", "u32", "u32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** What one Restart Manager session has registered, as the double counts it. */
export interface RegisteredCounts {
  /** Distinct files (case-insensitive full paths). */
  files: number;
  /** Distinct `RM_UNIQUE_PROCESS` entries (pid and start time). */
  processes: number;
  /** Distinct service short names. */
  services: number;
  /** Filters added with `RmAddFilter` and not removed. */
  filters: number;
}

/** Set-up for {@linkcode rmDoubles.bulkLocks}. */
export interface BulkLocks {
  /** Files are `${prefix}0` .. `${prefix}${files - 1}`. */
  prefix: string;
  /** How many files are locked. */
  files: number;
  /** First pid of the processes created in the core's table. */
  pidBase: number;
  /** How many processes; file i is locked by `pidBase + i % processes`. */
  processes: number;
}

/**
 * The folder the doubles for this operating system are built into, with a trailing separator.
 *
 * It also opens the doubles' shared core (`wsdouble`) by full path and keeps it open: on Windows
 * the rstrtmgr double imports `wsdouble.dll`, and the PE loader does not look for a DLL's
 * imports in that DLL's own folder, so loading the double before the core fails with "Module not
 * found". Once the core is loaded, the import binds to it by name. Callers point
 * `setDllDirectory` at this folder, so this is the moment to do it.
 */
export function rmBuildDir(): string {
  coreSymbols();
  return `${buildDir}${Deno.build.os === "windows" ? "\\" : "/"}`;
}

let library: Deno.DynamicLibrary<typeof RM_CONTROL_SYMBOLS> | undefined;

function controls(): Deno.DynamicLibrary<typeof RM_CONTROL_SYMBOLS>["symbols"] {
  if (!library) {
    coreSymbols();
    // The same module ffi/load.ts opens (winsession_rstrtmgr.dll on Windows), or these controls
    // would drive a second copy of the double's tables.
    library = Deno.dlopen(win32DoublePath("rstrtmgr"), RM_CONTROL_SYMBOLS);
  }
  return library.symbols;
}

function utf8z(text: string, what: string): Uint8Array<ArrayBuffer> {
  if (text.includes("\0")) throw new TypeError(`${what} contains a NUL character`);
  return new TextEncoder().encode(`${text}\0`);
}

function u32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError(`${what} must be an integer in 0..0xFFFFFFFF, got ${value}`);
  }
  return value;
}

/**
 * Typed controls of the Restart Manager double. The library opens on first use.
 *
 * @example
 * ```ts ignore
 * import { rmDoubles } from "./doubles_rm.ts";
 *
 * rmDoubles.reset();
 * rmDoubles.lock("C:\\app\\data.db", 4242);
 * rmDoubles.growAfterNextQuery(2); // the next RmGetList's retry sees ERROR_MORE_DATA again
 * ```
 */
export const rmDoubles = {
  /** Ends every session (without lowering the RM-session leak counter), forgets every lock,
   * service mapping and setting. The core's `doubles.reset()` runs this too. */
  reset(): void {
    controls().dbl_rm_reset();
  },
  /** Process `pid` (local server) holds `path` open: RmGetList reports it for that file. */
  lock(path: string, pid: number): void {
    if (path === "") throw new TypeError("path is empty");
    if (controls().dbl_rm_lock_add(utf8z(path, "path"), u32(pid, "pid")) !== 0) {
      throw new Error(`rstrtmgr double: could not lock ${path} for pid ${pid}`);
    }
  },
  /** Releases every lock. */
  clearLocks(): void {
    controls().dbl_rm_lock_clear();
  },
  /** Service `name` runs in process `pid`. */
  service(name: string, pid: number): void {
    if (name === "") throw new TypeError("service name is empty");
    if (controls().dbl_rm_service_add(utf8z(name, "service name"), u32(pid, "pid")) !== 0) {
      throw new Error(`rstrtmgr double: could not map service ${name} to pid ${pid}`);
    }
  },
  /** `RM_REBOOT_REASON` flags every RmGetList reports; non-zero makes RmShutdown answer
   * ERROR_FAIL_NOACTION_REBOOT without shutting anything down. */
  setRebootReasons(flags: number): void {
    controls().dbl_rm_set_reboot_reasons(u32(flags, "flags"));
  },
  /** After the next RmGetList answers, `count` new processes lock the session's first file. */
  growAfterNextQuery(count: number): void {
    controls().dbl_rm_grow_after_next_query(u32(count, "count"));
  },
  /** RmShutdown/RmRestart sleep `ms` before each process, so a test can cancel half-way. */
  setStepDelay(ms: number): void {
    controls().dbl_rm_set_step_delay_ms(u32(ms, "ms"));
  },
  /**
   * RmShutdown hangs on process `pid` (0: none) until RmCancelCurrentTask, calling the status
   * callback every millisecond meanwhile: the program that will not close, with RmShutdown's
   * thread inside the callback whenever the caller acts.
   */
  hangOn(pid: number): void {
    controls().dbl_rm_set_hang_pid(u32(pid, "pid"));
  },
  /** RmCancelCurrentTask returns only once the running task has ended (the worst case). */
  setCancelWaits(on: boolean): void {
    controls().dbl_rm_set_cancel_waits(on ? 1 : 0);
  },
  /** How many waiting cancels gave up at the double's deadlock breaker (a deadlock) since reset. */
  cancelsThatGaveUp(): number {
    return controls().dbl_rm_cancel_gave_up();
  },
  /** What the session behind `handle` registered, or `null` for an unknown handle. */
  registered(handle: number): RegisteredCounts | null {
    const count = (kind: number) =>
      Number(controls().dbl_rm_registered_count(u32(handle, "handle"), kind));
    const files = count(0);
    if (files < 0) return null;
    return { files, processes: count(1), services: count(2), filters: count(3) };
  },
  /** Benchmark set-up: many files locked by processes created in the core's table. */
  bulkLocks(setup: BulkLocks): void {
    const { prefix, files, pidBase, processes } = setup;
    const result = controls().dbl_rm_bulk_locks(
      utf8z(prefix, "prefix"),
      u32(files, "files"),
      u32(pidBase, "pidBase"),
      u32(processes, "processes"),
    );
    if (result !== 0) throw new Error("rstrtmgr double: bulk lock set-up failed");
  },
  /** Closes the control library (it reopens on next use). */
  close(): void {
    library?.close();
    library = undefined;
  },
};
