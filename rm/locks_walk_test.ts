// lockTargets/expandTargets' folder walk: order, nesting, links and duplicates, against both an
// explicit expectation and an independent reference walk.
import assert from "node:assert/strict";
import { join } from "node:path";

import { expandTargets, lockTargets } from "./locks.ts";
import { resolveFullPath } from "./paths.ts";

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
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
