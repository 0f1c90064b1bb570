/**
 * "What is using this file or folder?": {@linkcode findLockingProcesses} asks the Restart
 * Manager which processes hold a set of files, folders expanded to their files.
 *
 * @example
 * ```ts ignore
 * import { findLockingProcesses } from "./locks.ts";
 *
 * const report = await findLockingProcesses(["C:\\build\\out"], { recursive: true });
 * for (const process of report.processes) {
 *   console.log(process.pid, process.appName, process.paths);
 * }
 * if (report.warning) console.warn(report.warning);
 * ```
 *
 * @module
 */

import { PathNotFoundError } from "../ffi/errors.ts";
import { type NotVisible, notVisibleReasons } from "./not_visible.ts";
import { resolveFullPath, shortenPath } from "./paths.ts";
import { walkFiles } from "./_walk.ts";
import type { RmProcess, RmRebootReason } from "./session.ts";
import { bisect, checkBatchSize, DEFAULT_BATCH_SIZE, listFor } from "./batches.ts";
import { processKey, uniqueProcesses } from "./_unique_process.ts";

export * from "./not_visible.ts";
export { DEFAULT_BATCH_SIZE, registerFilesInBatches } from "./batches.ts";

/** How many `stat` calls run at once while checking the given paths exist. */
const STAT_CONCURRENCY = 64;
/** `RmRebootReasonPermissionDenied`. */
const PERMISSION_DENIED = 0x1;

/** Options of {@linkcode lockTargets} and {@linkcode findLockingProcesses}. */
export interface LockTargetOptions {
  /** Expand directories to every file below them (else a directory is an error). */
  recursive?: boolean;
  /** What relative paths are relative to (default: the working directory). */
  cwd?: string;
}

/** Options of {@linkcode findLockingProcesses}. */
export interface FindLockingProcessesOptions extends LockTargetOptions {
  /**
   * Tell which of the files each process holds. Costs extra sessions only when something
   * holds the files: see {@linkcode findLockingProcesses}. With a single file it is free and
   * always done.
   */
  attribute?: boolean;
  /** Files per `RmRegisterResources` call (default {@linkcode DEFAULT_BATCH_SIZE}). */
  batchSize?: number;
  /**
   * Whether the caller runs elevated, when it knows (`isElevated()`): `true` drops the
   * `otherUsers` entry of {@linkcode LockReport.notVisible}.
   */
  elevated?: boolean;
}

/** A process holding some of the files, as {@linkcode findLockingProcesses} reports it. */
export interface LockingProcess extends RmProcess {
  /**
   * The full paths of the checked files this process holds (under a given folder, the files
   * themselves), or `null` when attribution was not asked for: then it holds at least one of
   * them, but which is unknown.
   */
  paths: string[] | null;
}

/** What {@linkcode findLockingProcesses} returns. */
export interface LockReport {
  /** The processes holding any of the files, each once (by pid and start time). */
  processes: LockingProcess[];
  /** How many files were checked (directories expanded). */
  fileCount: number;
  /** Whether `paths` of each process was worked out. */
  attributed: boolean;
  /** Why replacing the files would need a reboot, by name (empty when none). */
  rebootReasons: RmRebootReason[];
  /** The raw `RM_REBOOT_REASON` flags. */
  rebootReasonFlags: number;
  /**
   * `false` when the Restart Manager reported `RmRebootReasonPermissionDenied` (this process
   * could not inspect some processes, the sign of running without elevation); `null` when that
   * cannot be told: winsession does not load advapi32 to read its token, so it never claims
   * `true`.
   */
  elevated: boolean | null;
  /** A sentence for people when the list may be incomplete, else `null`. */
  warning: string | null;
  /**
   * What the Restart Manager cannot see here, so an empty list is not proof that the files
   * can be replaced: see {@linkcode notVisibleReasons}.
   */
  notVisible: NotVisible[];
}

/** One given path and what it expanded to, as {@linkcode expandTargets} reports it. */
export interface LockTarget {
  /** The path as given. */
  path: string;
  /** Its full path. */
  fullPath: string;
  /** Whether it is a folder (expanded to the files below it). */
  directory: boolean;
  /** How many files it contributed (after dropping files an earlier path already gave). */
  fileCount: number;
}

/** What {@linkcode expandTargets} returns. */
export interface ExpandedTargets {
  /** The files' full paths, each once. */
  files: string[];
  /** The given paths, in order, with what each expanded to. */
  targets: LockTarget[];
}

/**
 * Resolves `paths` to the full paths of the files to check: each must exist (else
 * `PathNotFoundError` naming it); a directory needs `recursive` (else a `TypeError` that
 * suggests it) and is expanded to every file below it, without following links to directories.
 * Duplicates are dropped, the first occurrence kept.
 *
 * @example
 * ```ts ignore
 * import { lockTargets } from "./locks.ts";
 *
 * const files = await lockTargets(["C:\\app"], { recursive: true });
 * ```
 *
 * @param paths Files and directories, absolute or relative to `cwd`.
 * @param options Recursion and the base of relative paths.
 * @returns The files' full paths.
 * @throws {TypeError} No paths, an empty path, a NUL in a path, or a directory without
 * `recursive`.
 * @throws {RangeError} A path longer than Windows allows.
 * @throws {PathNotFoundError} A path that does not exist.
 */
export async function lockTargets(
  paths: readonly string[],
  options: LockTargetOptions = {},
): Promise<string[]> {
  return (await expandTargets(paths, options)).files;
}

/**
 * {@linkcode lockTargets}, also saying what each given path expanded to, so a confirmation can
 * show that a folder stands for 12,000 files.
 *
 * @example
 * ```ts ignore
 * import { expandTargets } from "./locks.ts";
 *
 * const { files, targets } = await expandTargets(["C:\\app"], { recursive: true });
 * console.log(`${targets[0]!.path}: ${targets[0]!.fileCount} files`);
 * ```
 *
 * @param paths Files and directories, absolute or relative to `cwd`.
 * @param options Recursion and the base of relative paths.
 * @returns The files and the targets.
 * @throws {TypeError} No paths, an empty path, a NUL in a path, or a directory without
 * `recursive`.
 * @throws {RangeError} A path longer than Windows allows.
 * @throws {PathNotFoundError} A path that does not exist.
 */
export async function expandTargets(
  paths: readonly string[],
  options: LockTargetOptions = {},
): Promise<ExpandedTargets> {
  if (paths.length === 0) throw new TypeError("no paths given: name at least one file or folder");
  const cwd = options.cwd ?? Deno.cwd();
  const resolved = paths.map((path) => resolveFullPath(path, cwd));
  const infos: Deno.FileInfo[] = new Array(resolved.length);
  for (let start = 0; start < resolved.length; start += STAT_CONCURRENCY) {
    const chunk = resolved.slice(start, start + STAT_CONCURRENCY);
    const stats = await Promise.all(chunk.map((full, i) => statGiven(full, paths[start + i]!)));
    stats.forEach((info, i) => infos[start + i] = info);
  }
  const files: string[] = [];
  const seen = new Set<string>();
  // One path cannot repeat itself: de-duplicate only when several were given.
  const add = paths.length === 1 ? (file: string) => void files.push(file) : (file: string) => {
    const key = Deno.build.os === "windows" ? file.toLowerCase() : file;
    if (seen.has(key)) return;
    seen.add(key);
    files.push(file);
  };
  const targets: LockTarget[] = [];
  for (let i = 0; i < resolved.length; i++) {
    const before = files.length;
    const directory = infos[i]!.isDirectory;
    if (!directory) {
      add(resolved[i]!);
    } else if (!options.recursive) {
      throw new TypeError(
        `${shortenPath(paths[i]!)} is a directory: pass recursive (--recursive) to check every ` +
          "file in it",
      );
    } else {
      // One folder given: walk straight into the result (nothing to de-duplicate).
      if (paths.length === 1) walkFiles(resolved[i]!, files);
      else for (const file of walkInto(resolved[i]!)) add(file);
    }
    targets.push({
      path: paths[i]!,
      fullPath: resolved[i]!,
      directory,
      fileCount: files.length - before,
    });
  }
  return { files, targets };
}

function walkInto(directory: string): string[] {
  const files: string[] = [];
  walkFiles(directory, files);
  return files;
}

async function statGiven(full: string, given: string): Promise<Deno.FileInfo> {
  try {
    return await Deno.stat(full);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      const also = full === given ? "" : ` (${shortenPath(full)})`;
      throw new PathNotFoundError(shortenPath(given), also, { cause: error });
    }
    throw error;
  }
}

/**
 * Which processes hold `paths` (files, or folders with `recursive`), through the Restart
 * Manager: every path is checked first, then one session registers all the files in batches
 * and lists the processes, de-duplicated by pid and start time. The session always ends.
 *
 * Attribution (`attribute: true`): the Restart Manager only says which processes use *some* of
 * a session's files. So winsession bisects: a half of the files that something holds gets its
 * own session, and is split again until single files remain; halves nothing holds are dropped
 * at once. With `k` locked files out of `n` that is about `2·k·log2(n)` short sessions, one at a
 * time (never near the 64-session limit), and nothing extra when nothing is locked. A process
 * that appears or exits between those sessions may list fewer paths than it holds.
 *
 * Elevation: without it, Windows may not show processes of other users. winsession reads no
 * token (that needs advapi32); it sets `elevated: false` and a `warning` when the Restart
 * Manager reports `RmRebootReasonPermissionDenied`, and `elevated: null` otherwise.
 *
 * @example
 * ```ts ignore
 * import { findLockingProcesses } from "./locks.ts";
 *
 * const { processes } = await findLockingProcesses(["app.log"], { attribute: true });
 * console.log(processes.map((p) => `${p.pid} ${p.appName} ${p.paths?.join(", ")}`));
 * ```
 *
 * @param paths Files and folders, absolute or relative to `options.cwd`.
 * @param options Recursion, attribution, batch size, base directory.
 * @returns The processes and what the Restart Manager said about them.
 * @throws {TypeError} No paths, a NUL in a path, a directory without `recursive`.
 * @throws {PathNotFoundError} A path that does not exist (named in the message).
 * @throws {WindowsError} A Restart Manager failure, e.g. `ERROR_MAX_SESSIONS_REACHED`.
 */
export async function findLockingProcesses(
  paths: readonly string[],
  options: FindLockingProcessesOptions = {},
): Promise<LockReport> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  // Before the paths are read: a bad batch size is the caller's mistake, whatever the paths.
  checkBatchSize(batchSize);
  const { files, targets } = await expandTargets(paths, options);
  const list = files.length === 0
    ? { processes: [], rebootReasons: [], rebootReasonFlags: 0 }
    : listFor(files, batchSize);
  const attributed = files.length === 1 || options.attribute === true;
  const held = new Map<string, string[]>();
  if (attributed && list.processes.length > 0) {
    if (files.length === 1) {
      for (const process of list.processes) held.set(processKey(process), [files[0]!]);
    } else {
      bisect(files, list, batchSize, held);
    }
  }
  const processes: LockingProcess[] = uniqueProcesses(list.processes).map((process) => ({
    ...process,
    paths: attributed ? held.get(processKey(process)) ?? [] : null,
  }));
  const denied = (list.rebootReasonFlags & PERMISSION_DENIED) !== 0;
  return {
    processes,
    fileCount: files.length,
    attributed,
    rebootReasons: list.rebootReasons,
    rebootReasonFlags: list.rebootReasonFlags,
    elevated: denied ? false : null,
    warning: denied
      ? "the Restart Manager was denied access to some processes (not elevated?): processes of " +
        "other users may be missing; run from an elevated prompt to see them all"
      : null,
    notVisible: notVisibleReasons({
      folder: targets.some((target) => target.directory),
      elevated: denied ? false : options.elevated,
    }),
  };
}
