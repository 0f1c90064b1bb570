// lockTargets/expandTargets' folder walk (rm/_walk.ts, FindFirstFileExW through the kernel32
// double): order, nesting, links and duplicates, against both an explicit expectation and an
// independent reference walk with Deno.readDirSync; listing errors; no find handle left open.
import assert from "node:assert/strict";
import { join } from "node:path";

import { ERROR_ACCESS_DENIED, WindowsError } from "../ffi/errors.ts";
import { assertNoLeaks, doubles, useDoubles } from "../tests/doubles.ts";
import { expandTargets, lockTargets } from "./locks.ts";
import { resolveFullPath } from "./paths.ts";
import { findPattern } from "./_walk.ts";

useDoubles();

/** The old walk's rules written plainly: sorted names, depth first, links to files only. */
function referenceWalk(directory: string): string[] {
  const entries = [...Deno.readDirSync(directory)].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0
  );
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isFile) files.push(path);
    else if (entry.isDirectory) files.push(...referenceWalk(path));
    else if (entry.isSymlink) {
      try {
        if (Deno.statSync(path).isFile) files.push(path);
      } catch {
        // dangling
      }
    }
  }
  return files;
}

const canLink = Deno.build.os !== "windows"; // symlinks need a privilege on Windows

Deno.test("the walk: nested folders sorted depth first, links to files only, duplicates once", async () => {
  doubles.reset();
  const dir = await Deno.makeTempDir({ prefix: "winsession_walk_" });
  try {
    for (const sub of ["b", "b/deep", "b/deep/deeper", "a", "C", "empty"]) {
      await Deno.mkdir(join(dir, sub));
    }
    const names = [
      "z.txt",
      "a/1.txt",
      "a/10.txt",
      "a/2.txt",
      "b/deep/deeper/x.dll",
      "b/deep/y.dll",
      "b/m.txt",
      "C/upper.txt",
      "é.txt",
      "_.txt",
    ];
    for (const name of names) await Deno.writeTextFile(join(dir, name), name);
    if (canLink) {
      await Deno.symlink(join(dir, "z.txt"), join(dir, "b/link-to-file"));
      await Deno.symlink(join(dir, "a"), join(dir, "b/link-to-dir")); // not followed
      await Deno.symlink(join(dir, "gone"), join(dir, "b/dangling")); // holds nothing
    }
    // UTF-16 code unit order: "C" < "_" < "a" < "b" < "z" < "é"; "deeper" < "y.dll".
    const expected = [
      "C/upper.txt",
      "_.txt",
      "a/1.txt",
      "a/10.txt",
      "a/2.txt",
      "b/deep/deeper/x.dll",
      "b/deep/y.dll",
      ...(canLink ? ["b/link-to-file"] : []),
      "b/m.txt",
      "z.txt",
      "é.txt",
    ].map((name) => join(dir, name));
    const files = await lockTargets([dir], { recursive: true });
    assert.deepEqual(files, expected);
    assert.deepEqual(files, referenceWalk(dir));

    // Duplicates: the folder twice, a file inside it, and the file again by a relative path.
    const { files: unique, targets } = await expandTargets(
      [dir, join(dir, "a/1.txt"), dir, "a/1.txt"],
      { recursive: true, cwd: dir },
    );
    assert.deepEqual(unique, expected);
    assert.deepEqual(targets.map((t) => t.fileCount), [expected.length, 0, 0, 0]);
    // A file first, then its folder: the folder adds everything but that file.
    const { files: fileFirst } = await expandTargets([join(dir, "z.txt"), dir], {
      recursive: true,
    });
    assert.deepEqual(fileFirst, [
      join(dir, "z.txt"),
      ...expected.filter((path) => path !== join(dir, "z.txt")),
    ]);
    // A folder with nothing in it expands to no files.
    assert.deepEqual(await lockTargets([join(dir, "empty")], { recursive: true }), []);
    // What the walk builds is registered without being resolved again (registerExpandedFiles):
    // that is only right because resolving it again changes nothing, even when the folder was
    // given with a trailing separator, `.` and `..` segments or relative to a base.
    for (const given of [dir, `${dir}/`, `${dir}/./b/..`]) {
      const walked = await lockTargets([given], { recursive: true });
      assert.deepEqual(walked, expected);
      for (const path of walked) assert.equal(resolveFullPath(path, "/elsewhere"), path);
    }
    const relative = await lockTargets(["."], { recursive: true, cwd: dir });
    assert.deepEqual(relative, expected);
    // One find handle per folder listed, every one closed.
    assert.ok(doubles.calls("FindFirstFileExW") > 0);
    assert.equal(doubles.calls("FindClose"), doubles.calls("FindFirstFileExW"));
    assertNoLeaks();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the walk: a folder that cannot be listed is an error naming it, and closes its handle", async () => {
  doubles.reset();
  const dir = await Deno.makeTempDir({ prefix: "winsession_walk_" });
  try {
    await Deno.mkdir(join(dir, "sub"));
    await Deno.writeTextFile(join(dir, "sub", "a.txt"), "");
    // Access denied listing the folder: Deno's own PermissionDenied (what Deno.readDirSync threw,
    // so the CLI's exit code stays the same), naming the folder, caused by the WindowsError.
    doubles.failNext("FindFirstFileExW", ERROR_ACCESS_DENIED);
    const denied = await lockTargets([dir], { recursive: true }).catch((error) => error);
    assert.ok(denied instanceof Deno.errors.PermissionDenied, String(denied));
    assert.match(denied.message, /FindFirstFileExW failed: ERROR_ACCESS_DENIED \(5\)/);
    assert.ok(denied.message.includes(`(listing ${dir})`), denied.message);
    assert.ok(denied.cause instanceof WindowsError);
    // A failure half-way through a listing (any other code) is a WindowsError; the handle of the
    // folder being listed is still closed.
    doubles.failNext("FindNextFileW", 59); // ERROR_UNEXP_NET_ERR
    const failed = await lockTargets([dir], { recursive: true }).catch((error) => error);
    assert.ok(failed instanceof WindowsError, String(failed));
    assert.equal(failed.code, 59);
    assert.ok(failed.message.includes(`(listing ${dir})`), failed.message);
    assert.equal(doubles.calls("FindClose"), doubles.calls("FindFirstFileExW") - 1);
    assertNoLeaks();
    // And nothing went wrong for good: the next walk lists the file.
    assert.deepEqual(await lockTargets([dir], { recursive: true }), [join(dir, "sub", "a.txt")]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the walk: 2,000 files in 3 folders, the same as Deno.readDirSync's walk", async () => {
  doubles.reset();
  const dir = await Deno.makeTempDir({ prefix: "winsession_walk_" });
  try {
    for (const sub of ["x", "y", "y/z"]) await Deno.mkdir(join(dir, sub));
    await Promise.all(
      Array.from(
        { length: 2000 },
        (_, i) => Deno.writeTextFile(join(dir, ["x", "y", "y/z", ""][i % 4]!, `file-${i}.log`), ""),
      ),
    );
    const files = await lockTargets([dir], { recursive: true });
    assert.equal(files.length, 2000);
    assert.deepEqual(files, referenceWalk(dir));
    assertNoLeaks();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the walk's pattern: long folders on Windows in the \\\\?\\ form, like Rust's std", () => {
  const short = "C:\\app\\";
  assert.equal(findPattern(short, true), "C:\\app\\*");
  const long = `C:\\${"d".repeat(250)}\\`;
  assert.equal(findPattern(long, true), `\\\\?\\${long}*`);
  const share = `\\\\server\\share\\${"d".repeat(250)}\\`;
  assert.equal(findPattern(share, true), `\\\\?\\UNC\\server\\share\\${"d".repeat(250)}\\*`);
  const verbatim = `\\\\?\\C:\\${"d".repeat(250)}\\`;
  assert.equal(findPattern(verbatim, true), `${verbatim}*`);
  // 247 units with the star: as is; 248: the long form (Rust's LEGACY_MAX_PATH).
  assert.equal(findPattern(`C:\\${"e".repeat(242)}\\`, true), `C:\\${"e".repeat(242)}\\*`);
  assert.ok(findPattern(`C:\\${"e".repeat(243)}\\`, true).startsWith("\\\\?\\C:\\"));
  // POSIX (the doubles): always as is.
  assert.equal(findPattern(`/${"d".repeat(300)}/`, false), `/${"d".repeat(300)}/*`);
});
