/**
 * Programs a release must not close: `--exclude <pid|image|service>`, resolved against the
 * processes holding the files and turned into `RmAddFilter(RmNoShutdown)` filters.
 *
 * Installers have the same need: Inno Setup's `CloseApplicationsFilterExcludes` keeps files
 * out of its Restart Manager check ("Files matching one of the wildcards will not be checked",
 * jrsoftware.org/ishelp/topic_setup_closeapplicationsfilterexcludes.htm). winsession excludes
 * the program instead, with the Restart Manager's own filter, so the files are still checked
 * and the kept program is reported (`RmStatusShutdownMasked`).
 *
 * `RmAddFilter` takes a process as `RM_UNIQUE_PROCESS` (pid AND start time, so a reused pid is
 * never filtered by mistake), a service by short name, or a program by "the full path for the
 * application's executable file" (learn.microsoft.com/windows/win32/api/restartmanager/
 * nf-restartmanager-rmaddfilter). `RmGetList` gives no executable path, so an image name is
 * resolved to the full paths of the holders running it (`QueryFullProcessImageNameW`).
 *
 * @example
 * ```ts
 * import { parseExclusion } from "./exclusions.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseExclusion("4242"), { pid: 4242 });
 * assert.deepEqual(parseExclusion("excel.exe"), { image: "excel.exe" });
 * assert.deepEqual(parseExclusion("Spooler"), { service: "Spooler" });
 * ```
 *
 * @module
 */

import type { RmFilterTarget } from "./filters.ts";
import { processImagePath } from "./_process_image.ts";
import type { RmProcess } from "./types.ts";
import { uniqueProcessOf } from "./_unique_process.ts";

/** A program to keep running: by pid, by executable (a name or a full path), or by service. */
export type ReleaseExclusion = { pid: number } | { image: string } | { service: string };

/** An exclusion as resolved against the holders: the filters to add and whom they keep. */
export interface ResolvedExclusion {
  /** As given. */
  exclusion: ReleaseExclusion;
  /** The `RmAddFilter` targets (each with `noShutdown`). */
  filters: RmFilterTarget[];
  /** The holders it keeps running. */
  processes: RmProcess[];
}

/**
 * Reads `--exclude` text: digits are a pid; a name ending in `.exe` or containing a path
 * separator is an executable; anything else is a service short name.
 *
 * @example
 * ```ts
 * import { parseExclusion } from "./exclusions.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseExclusion("C:\\Tools\\agent.exe"), { image: "C:\\Tools\\agent.exe" });
 * ```
 *
 * @param text What was given.
 * @returns The exclusion.
 * @throws {TypeError} Empty text, or a pid out of the DWORD range.
 */
export function parseExclusion(text: string): ReleaseExclusion {
  const trimmed = text.trim();
  if (trimmed === "") throw new TypeError("--exclude needs a pid, an executable or a service");
  if (/^\d+$/.test(trimmed)) {
    const pid = Number(trimmed);
    if (!Number.isSafeInteger(pid) || pid > 0xffff_ffff) {
      throw new TypeError(`--exclude ${trimmed}: a pid is a whole number up to 4294967295`);
    }
    return { pid };
  }
  if (/\.exe$/i.test(trimmed) || /[\\/]/.test(trimmed)) return { image: trimmed };
  return { service: trimmed };
}

function describe(exclusion: ReleaseExclusion): string {
  return "pid" in exclusion
    ? `pid ${exclusion.pid}`
    : "image" in exclusion
    ? exclusion.image
    : `service ${exclusion.service}`;
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf("\\"), path.lastIndexOf("/")) + 1);
}

function holdersList(holders: readonly RmProcess[]): string {
  if (holders.length === 0) return "nothing holds the files";
  const shown = holders.slice(0, 5).map((p) => `${p.pid} ${p.appName}`).join(", ");
  return `the holders are ${shown}${holders.length > 5 ? ", …" : ""}`;
}

/** Options of {@linkcode resolveExclusions}. */
export interface ResolveExclusionsOptions {
  /**
   * Refuse an exclusion that matches no holder (default true): a typo must not go unnoticed
   * before a destructive act. `false` just before acting, when a kept program may have exited.
   */
  strict?: boolean;
}

/**
 * Resolves exclusions against `holders`: a pid to that process (with its start time), a
 * service to the processes running it, an executable to the full paths of the holders
 * running it (a full path is compared as is, case-insensitively).
 *
 * @example
 * ```ts ignore
 * import { parseExclusion, resolveExclusions } from "./exclusions.ts";
 *
 * const [kept] = resolveExclusions([parseExclusion("excel.exe")], plan.processes);
 * console.log(kept!.filters); // [{ file: "C:\\Program Files\\…\\EXCEL.EXE" }]
 * ```
 *
 * @param exclusions What to keep running.
 * @param holders The processes holding the files.
 * @param options Strictness and the image-path reader.
 * @returns One entry per exclusion, with its filters and the holders it keeps.
 * @throws {TypeError} (strict) An exclusion that matches no holder, naming the holders; for an
 * executable name whose holders' paths could not be read, saying to pass the pid or full path.
 */
export function resolveExclusions(
  exclusions: readonly ReleaseExclusion[],
  holders: readonly RmProcess[],
  options: ResolveExclusionsOptions = {},
): ResolvedExclusion[] {
  const strict = options.strict ?? true;
  const paths = new Map<number, string | null>();
  const imageOf = (process: RmProcess) => {
    if (!paths.has(process.pid)) paths.set(process.pid, processImagePath(process.pid));
    return paths.get(process.pid) ?? null;
  };
  return exclusions.map((exclusion) => {
    let processes: RmProcess[];
    let filters: RmFilterTarget[];
    if ("pid" in exclusion) {
      processes = holders.filter((p) => p.pid === exclusion.pid);
      filters = processes.map((p) => ({ process: uniqueProcessOf(p) }));
    } else if ("service" in exclusion) {
      const name = exclusion.service.toLowerCase();
      processes = holders.filter((p) => p.serviceName?.toLowerCase() === name);
      filters = processes.length > 0 ? [{ service: processes[0]!.serviceName! }] : [];
    } else {
      const wanted = exclusion.image.toLowerCase();
      const full = /[\\/]/.test(exclusion.image);
      processes = holders.filter((p) => {
        const image = imageOf(p)?.toLowerCase();
        return image !== undefined && (full ? image === wanted : baseName(image) === wanted);
      });
      const images = new Map<string, string>();
      for (const p of processes) images.set(imageOf(p)!.toLowerCase(), imageOf(p)!);
      filters = [...images.values()].map((file) => ({ file }));
    }
    if (strict && processes.length === 0) {
      const unreadable = "image" in exclusion
        ? holders.filter((p) => imageOf(p) === null).map((p) => p.pid)
        : [];
      const why = unreadable.length > 0
        ? `; the executable of pid ${unreadable.join(", ")} could not be read (not elevated?), ` +
          "and RmAddFilter needs its full path: exclude it by pid instead"
        : "";
      throw new TypeError(
        `--exclude ${describe(exclusion)} matches no program holding the files ` +
          `(${holdersList(holders)})${why}`,
      );
    }
    return { exclusion, filters, processes };
  });
}
