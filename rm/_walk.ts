/**
 * The folder walk of `expandTargets` (locks.ts): every file below a folder, depth first, names
 * sorted, links to files kept, links to folders not followed. Listed with kernel32's
 * `FindFirstFileExW`/`FindNextFileW`, one FFI call per entry into one reused buffer.
 *
 * Why not `Deno.readDirSync`: it makes the same Win32 calls (Deno's readDir is Rust's
 * `std::fs::read_dir`, which on Windows is FindFirstFileW on `<dir>\*` then FindNextFileW:
 * library/std/src/sys/pal/windows/fs.rs), then turns every entry into a JavaScript object
 * through an op: measured on the 10,000-file folder of bench/rm_bench.ts (Linux, test doubles),
 * `readDirSync` alone took ~12.5 ms of a ~16.5 ms walk, most of `findLockingProcesses`.
 *
 * What an entry is follows Rust's `FileType` (same file), so the walk keeps the old one's
 * answers: a reparse point whose tag is a name surrogate (bit 29: symbolic links, junctions) is
 * a link, else the directory attribute makes a folder, and anything else is a file. Windows'
 * side: FindFirstFileExW and WIN32_FIND_DATAW (dwReserved0 holds the reparse tag when
 * FILE_ATTRIBUTE_REPARSE_POINT is set), learn.microsoft.com/windows/win32/api/fileapi/
 * nf-fileapi-findfirstfileexw and .../api/minwinbase/ns-minwinbase-win32_find_dataw;
 * `FindExInfoBasic` skips the 8.3 name and `FIND_FIRST_EX_LARGE_FETCH` asks for larger batches
 * (both Windows 7 / Server 2008 R2 and later). The test double (tests/doubles/kernel32.c) lists
 * the host folder the same way.
 *
 * Permissions: FFI reads folders without asking Deno, so the walk only ever starts at a folder
 * `expandTargets` has already `stat`-ed through Deno's read permission, which covers everything
 * below it; links are resolved with `Deno.statSync`, under that permission too.
 *
 * @module
 */

import { systemMessage, WindowsError } from "../ffi/errors.ts";
import { ERROR_ACCESS_DENIED, ERROR_FILE_NOT_FOUND } from "../ffi/error_codes.ts";
import {
  FIND_FIRST_EX_LARGE_FETCH,
  FindExInfoBasic,
  FindExSearchNameMatch,
} from "../ffi/kernel32.ts";
import { WCHAR_ARRAY_LENGTHS, WIN32_FIND_DATAW } from "../ffi/layouts.ts";
import { kernel32 } from "../ffi/load.ts";
import { decodeWideUnits, encodeWide } from "../ffi/utf16.ts";
import { checkPathLength, shortenPath } from "./_path_length.ts";

const FILE_ATTRIBUTE_DIRECTORY = 0x10;
const FILE_ATTRIBUTE_REPARSE_POINT = 0x400;
/** `IsReparseTagNameSurrogate`: the tag names another file or folder (link, junction). */
const NAME_SURROGATE = 0x2000_0000;
const ERROR_NO_MORE_FILES = 18;
/** `INVALID_HANDLE_VALUE`, `(HANDLE)-1`. */
const INVALID_HANDLE_VALUE = 0xffff_ffff_ffff_ffffn;

/**
 * From this length on (in UTF-16 units) a pattern is passed in its `\\?\` form, which lifts
 * the 260-unit MAX_PATH limit: Rust's std does the same for every path it hands Windows, so
 * `Deno.readDirSync` listed such folders too (`get_long_path`, LEGACY_MAX_PATH = 248, "for APIs
 * such as CreateDirectory the limit is 248": library/std/src/sys/pal/windows/path.rs). The
 * folder is resolved already (no `.`, `..` or `/` left), which the `\\?\` form requires.
 */
const LEGACY_MAX_PATH = 248;

/**
 * The FindFirstFileExW pattern listing every entry of the folder `prefix` (a resolved full path
 * ending in a separator): `<prefix>*`, long ones on Windows as `\\?\C:\...\*` or
 * `\\?\UNC\server\share\...\*`. Exported for the tests.
 */
export function findPattern(prefix: string, windows = Deno.build.os === "windows"): string {
  const pattern = prefix + "*";
  if (!windows || pattern.length < LEGACY_MAX_PATH) return pattern;
  if (prefix.startsWith("\\\\?\\") || prefix.startsWith("\\\\.\\")) return pattern;
  if (prefix.startsWith("\\\\")) return "\\\\?\\UNC\\" + pattern.slice(2);
  return "\\\\?\\" + pattern;
}

/** What an entry that is not a plain file is. */
const FOLDER = 1;
const LINK = 2;

/** The one WIN32_FIND_DATAW every listing fills: the walk lists one folder at a time. */
const findData = new Uint8Array(WIN32_FIND_DATAW.size);
const findView = new DataView(findData.buffer);
const findUnits = new Uint16Array(findData.buffer);
const { dwFileAttributes, dwReserved0, cFileName } = WIN32_FIND_DATAW.offsets;
const NAME_UNIT = cFileName >>> 1;
const { FIND_DATA_FILE_NAME } = WCHAR_ARRAY_LENGTHS;

/**
 * Appends every file below `directory` (a resolved full path) to `into`, depth first, names
 * sorted by UTF-16 code unit so results are reproducible.
 *
 * Profiled on 10,000 files, earlier versions lost time to a name → entry map per folder, a
 * generator per folder and a closure per file: so the names go into one array sorted natively,
 * only the few entries that are not plain files are remembered by name, and paths are pushed
 * straight into the result. Nothing the listing already describes is stat-ed: only a symbolic
 * link's target, which the listing cannot tell.
 *
 * The paths it builds are registered as they are (`registerExpandedFiles`): `directory` is
 * resolved and a listed name holds no separator and is never `.` or `..`, so each is already
 * the full path `resolveFullPath` would give; only its length is checked here.
 *
 * @throws {Deno.errors.PermissionDenied} A folder below that cannot be listed (access denied),
 * naming it and the Win32 error, as `Deno.readDirSync` threw it.
 * @throws {WindowsError} Any other listing failure, naming the folder.
 * @throws {RangeError} A path longer than Windows allows.
 */
export function walkFiles(directory: string, into: string[]): void {
  const separator = Deno.build.os === "windows" ? "\\" : "/";
  const prefix = directory.endsWith("/") || directory.endsWith("\\")
    ? directory
    : directory + separator;
  const names: string[] = [];
  // Folders and links by name; a folder of files leaves it empty and is never looked up.
  let others: Map<string, number> | undefined;
  const k32 = kernel32();
  const handle = k32.FindFirstFileExW(
    encodeWide(findPattern(prefix), "path"),
    FindExInfoBasic,
    findData,
    FindExSearchNameMatch,
    null,
    FIND_FIRST_EX_LARGE_FETCH,
  );
  if (handle === null || Deno.UnsafePointer.value(handle) === INVALID_HANDLE_VALUE) {
    const code = k32.GetLastError();
    // Only a drive root has no "." entry: an empty one lists nothing at all.
    if (code === ERROR_FILE_NOT_FOUND) return;
    throw listingError("FindFirstFileExW", code, directory);
  }
  try {
    do {
      const attributes = findView.getUint32(dwFileAttributes, true);
      const name = decodeWideUnits(findUnits, NAME_UNIT, FIND_DATA_FILE_NAME);
      if (name === "." || name === "..") continue;
      names.push(name);
      if ((attributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT)) === 0) continue;
      const link = (attributes & FILE_ATTRIBUTE_REPARSE_POINT) !== 0 &&
        (findView.getUint32(dwReserved0, true) & NAME_SURROGATE) !== 0;
      if (link) (others ??= new Map()).set(name, LINK);
      else if ((attributes & FILE_ATTRIBUTE_DIRECTORY) !== 0) {
        (others ??= new Map()).set(name, FOLDER);
      }
    } while (k32.FindNextFileW(handle, findData) !== 0);
    const code = k32.GetLastError();
    if (code !== ERROR_NO_MORE_FILES) throw listingError("FindNextFileW", code, directory);
  } finally {
    k32.FindClose(handle);
  }
  // The default sort compares UTF-16 code units natively: ~10x faster than a comparator.
  names.sort();
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const kind = others?.get(name);
    const path = prefix + name;
    if (kind === FOLDER) {
      walkFiles(path, into);
      continue;
    }
    checkPathLength(path);
    if (kind === undefined) {
      into.push(path);
    } else {
      // A link to a file is a file to check; a link to a folder could loop, so it is not
      // followed (its target can be given on its own).
      let target: Deno.FileInfo | null = null;
      try {
        target = Deno.statSync(path);
      } catch {
        // A dangling link holds nothing.
      }
      if (target?.isFile) into.push(path);
    }
  }
}

/** The error for a folder that could not be listed: access denied as Deno's own error. */
function listingError(functionName: string, code: number, directory: string): Error {
  const text = systemMessage(code);
  const error = new WindowsError(
    functionName,
    code,
    `${text}${text === "" ? "" : " "}(listing ${shortenPath(directory)})`,
  );
  if (code !== ERROR_ACCESS_DENIED) return error;
  return new Deno.errors.PermissionDenied(error.message, { cause: error });
}
