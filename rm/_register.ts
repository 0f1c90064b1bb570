/**
 * `RmRegisterResources` for each kind of resource a session can watch: files (full paths),
 * processes (`RM_UNIQUE_PROCESS`: pid and start time) and services (short names). The methods of
 * `RestartManagerSession` in `session.ts` call these with their open handle.
 *
 * @module
 */

import { encodeUniqueProcesses } from "../ffi/rm_structs.ts";
import { rstrtmgr } from "../ffi/load.ts";
import { pointerArray } from "../ffi/utf16.ts";
import { check, toFileTime } from "./_common.ts";
import { processStartTime } from "./_process_start.ts";
import { resolveFullPath } from "./paths.ts";
import type { RmUniqueProcess } from "./types.ts";

/** Registers `paths` (resolved against `cwd`, default the working directory) in one call. */
export function registerFiles(handle: number, paths: readonly string[], cwd?: string): void {
  if (paths.length === 0) return;
  const base = cwd ?? Deno.cwd();
  registerExpandedFiles(handle, paths.map((path) => resolveFullPath(path, base)));
}

/**
 * Registers full paths `expandTargets` produced (locks.ts) in one call, without
 * resolving each again: they are already full, normalised and length-checked (a given path by
 * `resolveFullPath`, a walked one built from its resolved folder and a listed name, which holds
 * no separator, `.` or `..`, so resolving it again returns it unchanged; rm/locks_walk_test.ts
 * checks that). Resolving them again took ~5 ms of a ~25 ms `findLockingProcesses` on 10,000
 * files (bench/rm_bench.ts, measured alone). A NUL is still refused, by `pointerArray`.
 */
export function registerExpandedFiles(handle: number, fullPaths: readonly string[]): void {
  if (fullPaths.length === 0) return;
  const files = pointerArray(fullPaths, "path");
  check(
    "RmRegisterResources",
    rstrtmgr().RmRegisterResources(handle, fullPaths.length, files.array, 0, null, 0, null),
  );
  // `files.array` is a view of the one buffer holding the strings it points to, so the
  // argument itself keeps them alive; `files.keep` is touched after the call all the same.
  void files.keep;
}

/** Registers processes; a bare pid gets its start time from the running process. */
export function registerProcesses(
  handle: number,
  processes: readonly (number | RmUniqueProcess)[],
): void {
  if (processes.length === 0) return;
  const unique = processes.map((process) =>
    typeof process === "number"
      ? { pid: process, startTime: processStartTime(process) }
      : { pid: process.pid, startTime: toFileTime(process.startTime) }
  );
  const array = encodeUniqueProcesses(unique);
  check(
    "RmRegisterResources",
    rstrtmgr().RmRegisterResources(handle, 0, null, unique.length, array, 0, null),
  );
}

/** Registers services by short name. */
export function registerServices(handle: number, names: readonly string[]): void {
  if (names.length === 0) return;
  const services = pointerArray(names, "service name");
  check(
    "RmRegisterResources",
    rstrtmgr().RmRegisterResources(handle, 0, null, 0, null, names.length, services.array),
  );
  void services.keep;
}
