/**
 * Integration test of the folder walk (rm/_walk.ts) against the system's OWN kernel32.dll
 * (Wine's under the Wine lane, no test double): FindFirstFileExW with FindExInfoBasic and
 * FIND_FIRST_EX_LARGE_FETCH, "." and ".." skipped, nested folders, and a folder long enough to be
 * listed through the `\\?\` form, compared with a reference walk on Deno.readDirSync (Rust's std,
 * which makes the same calls).
 *
 * Run: sudo scripts/wine/run.sh test --allow-ffi --allow-env --allow-read --allow-write tests/windows/
 *
 * @module
 */

import assert from "node:assert/strict";
import { lockTargets } from "../../mod.ts";
import { announceSkip, windowsSkipReason } from "./wine.ts";

const onWindows = !announceSkip("tests/windows walk (any Windows)", windowsSkipReason());

/** The walk's rules written plainly on Deno.readDirSync: sorted names, depth first. */
function referenceWalk(directory: string): string[] {
  const entries = [...Deno.readDirSync(directory)].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0
  );
  const files: string[] = [];
  for (const entry of entries) {
    const path = `${directory}\\${entry.name}`;
    if (entry.isFile) files.push(path);
    else if (entry.isDirectory) files.push(...referenceWalk(path));
  }
  return files;
}

Deno.test({
  name: "walk: nested and longer-than-MAX_PATH folders, as Deno.readDirSync sees them",
  ignore: !onWindows,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "winsession_walk_" });
    try {
      // Folders down to one whose pattern (`<folder>\*`) is 248 units: from there on the walk lists
      // it in the `\\?\` form. (Longer paths are not used: Wine 10 fails to create files past
      // MAX_PATH through Deno, "More data available. (os error 234)".)
      let deep = root;
      for (let level = 0; deep.length < 248 - 2; level++) {
        const room = 248 - 2 - deep.length - 1;
        deep = `${deep}\\${String(level % 10).repeat(Math.max(1, Math.min(60, room)))}`;
        await Deno.mkdir(deep);
        await Deno.writeTextFile(`${deep}\\f${level}`, "");
      }
      assert.ok(`${deep}\\*`.length >= 248, `${deep.length}`);
      for (const name of ["b.dll", "a.txt", "Z.log", "é.txt"]) {
        await Deno.writeTextFile(`${root}\\${name}`, name);
      }
      await Deno.mkdir(`${root}\\empty`);
      const files = await lockTargets([root], { recursive: true });
      assert.deepEqual(files, referenceWalk(root));
      assert.ok(files.some((file) => file.startsWith(`${deep}\\f`)), "the deepest file");
      assert.ok(files.length >= 7);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
