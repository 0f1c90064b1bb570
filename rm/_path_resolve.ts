/**
 * Path resolution for `rm/paths.ts`, written out here instead of importing `node:path`: the first
 * `node:` import starts Deno's Node compatibility layer, which cost about 10 ms of every
 * `import "mod.ts"` (issue 10 point 3, measured with bench/startup.ts). Only what paths.ts needs:
 * resolve against a base, and a resolved path's root, parent and last segment.
 *
 * The rules are Node's `path.win32` / `path.posix` ones (rm/_path_resolve_test.ts checks them
 * against `node:path` on a corpus): `/` and `\` both separate on Windows; a root is `C:\`, a UNC
 * `\\server\share\` or `\` (the base's drive); `C:rel` is relative to C:'s folder; `.` and `..`
 * segments collapse, never above the root. Like Node (and unlike GetFullPathNameW), trailing dots
 * and spaces of a segment are kept, and `\\?\` / `\\.\` paths are normalised as UNC paths with
 * the server `?` or `.`. One deliberate difference: for `C:rel` with no base on C:, Node reads the
 * drive's folder from the hidden `=C:` variable; this reads no environment and uses the working
 * folder when it is on that drive, else the drive's root.
 *
 * @module
 */

/** A Windows path split at the end of its root. */
interface Win32Root {
  /** `C:` or `\\server\share` (empty when the path names no drive or share). */
  device: string;
  /** Whether the path starts at a root (`C:\x`, `\x`, `\\server\share\x`). */
  absolute: boolean;
  /** What follows the root. */
  tail: string;
}

function isWin32Separator(char: string | undefined): boolean {
  return char === "\\" || char === "/";
}

function isDriveLetter(char: string | undefined): boolean {
  return char !== undefined && /^[A-Za-z]$/.test(char);
}

/** The index of the first character at or after `from` that is (or is not) a separator. */
function skip(path: string, from: number, separators: boolean): number {
  let index = from;
  while (index < path.length && isWin32Separator(path[index]) === separators) index++;
  return index;
}

function splitWin32Root(path: string): Win32Root {
  if (isWin32Separator(path[0])) {
    if (isWin32Separator(path[1])) {
      // \\server\share: both parts present, else the path is merely rooted (Node's rule).
      const serverEnd = skip(path, 2, false);
      const shareStart = skip(path, serverEnd, true);
      if (serverEnd > 2 && serverEnd < path.length && shareStart > serverEnd) {
        const shareEnd = skip(path, shareStart, false);
        if (shareStart < path.length) {
          const device = `\\\\${path.slice(2, serverEnd)}\\${path.slice(shareStart, shareEnd)}`;
          return { device, absolute: true, tail: path.slice(shareEnd) };
        }
      }
      return { device: "", absolute: true, tail: path };
    }
    return { device: "", absolute: true, tail: path.slice(1) };
  }
  if (isDriveLetter(path[0]) && path[1] === ":") {
    const absolute = isWin32Separator(path[2]);
    return { device: path.slice(0, 2), absolute, tail: path.slice(absolute ? 3 : 2) };
  }
  return { device: "", absolute: false, tail: path };
}

/**
 * `segments` with `.` dropped and `..` taking the previous segment away; above the start they
 * are dropped when `absolute`, kept otherwise.
 */
function normalizeSegments(segments: readonly string[], absolute: boolean): string[] {
  const kept: string[] = [];
  for (const segment of segments) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (kept.length > 0 && kept[kept.length - 1] !== "..") kept.pop();
      else if (!absolute) kept.push("..");
      continue;
    }
    kept.push(segment);
  }
  return kept;
}

/** The folder `C:rel` is relative to when no base names drive C:. */
function driveFolder(device: string, cwd: () => string): string {
  const here = cwd();
  const onDrive = here.slice(0, 2).toLowerCase() === device.toLowerCase() &&
    isWin32Separator(here[2]);
  return onDrive ? here : `${device}\\`;
}

/**
 * Resolves `paths` from right to left into a full Windows path, as `path.win32.resolve` does.
 *
 * @param paths Paths, the rightmost winning; empty ones are skipped.
 * @param cwd The working folder, asked only when the paths give no full path.
 */
export function resolveWin32(paths: readonly string[], cwd: () => string = Deno.cwd): string {
  let device = "";
  let absolute = false;
  const tails: string[] = [];
  for (let i = paths.length - 1; i >= -1; i--) {
    let path: string;
    if (i >= 0) {
      path = paths[i]!;
      if (path === "") continue;
    } else {
      path = device === "" ? cwd() : driveFolder(device, cwd);
    }
    const root = splitWin32Root(path);
    if (root.device !== "") {
      // A path on another drive or share than the one already chosen does not apply.
      if (device === "") device = root.device;
      else if (root.device.toLowerCase() !== device.toLowerCase()) continue;
    }
    if (absolute) {
      if (device !== "") break;
      continue;
    }
    tails.unshift(root.tail);
    absolute = root.absolute;
    if (absolute && device !== "") break;
  }
  const tail = normalizeSegments(tails.join("\\").split(/[\\/]/), absolute).join("\\");
  return absolute ? `${device}\\${tail}` : `${device}${tail}` || ".";
}

/**
 * The root of a resolved Windows path (`C:\`, `\\server\share\`), its parent folder (the root's
 * parent is the root) and its last segment (empty for a root).
 *
 * @param fullPath A path {@linkcode resolveWin32} returned.
 */
export function win32Parts(fullPath: string): { root: string; parent: string; name: string } {
  const { device, absolute, tail } = splitWin32Root(fullPath);
  const root = `${device}${absolute ? "\\" : ""}`;
  const segments = tail.split(/[\\/]/).filter((segment) => segment !== "");
  const name = segments.pop() ?? "";
  return { root, parent: root + segments.join("\\"), name };
}

/**
 * Resolves `paths` from right to left into a full POSIX path, as `path.posix.resolve` does.
 *
 * @param paths Paths, the rightmost winning; empty ones are skipped.
 * @param cwd The working folder, asked only when the paths give no full path.
 */
export function resolvePosix(paths: readonly string[], cwd: () => string = Deno.cwd): string {
  const parts: string[] = [];
  let absolute = false;
  for (let i = paths.length - 1; i >= -1 && !absolute; i--) {
    const path = i >= 0 ? paths[i]! : cwd();
    if (path === "") continue;
    parts.unshift(path);
    absolute = path.startsWith("/");
  }
  const tail = normalizeSegments(parts.join("/").split("/"), absolute).join("/");
  return absolute ? `/${tail}` : tail || ".";
}

/**
 * The parent folder of a resolved POSIX path (`/` for `/` and its children) and its last
 * segment (empty for `/`).
 *
 * @param fullPath A path {@linkcode resolvePosix} returned.
 */
export function posixParts(fullPath: string): { parent: string; name: string } {
  const slash = fullPath.lastIndexOf("/");
  return { parent: slash <= 0 ? "/" : fullPath.slice(0, slash), name: fullPath.slice(slash + 1) };
}
