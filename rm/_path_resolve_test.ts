import assert from "node:assert/strict";
import posixPath from "node:path/posix";
import win32Path from "node:path/win32";

import { posixParts, resolvePosix, resolveWin32, win32Parts } from "./_path_resolve.ts";

// The hand-written rules must give what node:path gave before they replaced it.
const WIN32_PATHS = [
  "app.log",
  "logs\\app.log",
  "logs/app.log",
  ".",
  "..",
  "..\\..\\..\\..",
  "a\\.\\b\\..\\c\\",
  "a//b\\\\c",
  "\\",
  "/",
  "\\rooted\\x",
  "/rooted/x",
  "C:\\",
  "c:/Users/",
  "C:\\a\\..\\..\\b",
  "C:",
  "C:rel\\x",
  "D:",
  "D:rel",
  "D:\\other",
  "\\\\fs01\\share",
  "\\\\fs01\\share\\",
  "\\\\fs01\\share\\dir\\..\\..\\x",
  "//fs01/share/x",
  "\\\\fs01\\\\share\\x",
  "\\\\fs01",
  "\\\\fs01\\",
  "\\\\?\\C:\\a\\..\\b",
  "\\\\?\\UNC\\srv\\sh\\x",
  "\\\\.\\PIPE\\x",
  "C:\\a\\b.\\c ",
  "...\\x",
];
const WIN32_BASES = ["C:\\base\\dir", "c:\\", "\\\\srv\\share\\in", "D:\\base"];

Deno.test("resolveWin32 matches path.win32.resolve for full bases", () => {
  for (const base of WIN32_BASES) {
    for (const path of WIN32_PATHS) {
      // Node reads C:rel's folder from the "=C:" variable; both agree whenever a base names it.
      const driveRelative = /^[a-z]:(?![\\/])/i.test(path);
      if (driveRelative && path.slice(0, 2).toLowerCase() !== base.slice(0, 2).toLowerCase()) {
        continue;
      }
      const cwd = () => {
        throw new Error("a full base needs no working folder");
      };
      assert.equal(
        resolveWin32([base, path], cwd),
        win32Path.resolve(base, path),
        `${base} + ${path}`,
      );
      assert.equal(
        resolveWin32([path, base], cwd),
        win32Path.resolve(path, base),
        `${path} + ${base}`,
      );
    }
  }
});

Deno.test("resolveWin32: a drive-relative path with no base on its drive", () => {
  const cwd = () => "C:\\work";
  assert.equal(resolveWin32(["C:logs"], cwd), "C:\\work\\logs");
  assert.equal(resolveWin32(["D:logs"], cwd), "D:\\logs");
  assert.equal(resolveWin32(["C:\\base", "D:logs"], cwd), "D:\\logs");
  assert.equal(resolveWin32(["\\rooted"], cwd), "C:\\rooted");
  assert.equal(resolveWin32(["", "x"], cwd), "C:\\work\\x");
});

Deno.test("win32Parts: root, parent and last segment of a resolved path", () => {
  for (const path of WIN32_PATHS) {
    const full = win32Path.resolve("C:\\base", path);
    const parts = win32Parts(full);
    assert.equal(parts.root, win32Path.parse(full).root, full);
    // A root has no last segment (node's basename says "share" for \\fs01\share\).
    assert.equal(parts.name, parts.root === full ? "" : win32Path.basename(full), full);
    // node's dirname keeps the root's separator and nothing else.
    assert.equal(parts.parent.replace(/\\$/, ""), win32Path.dirname(full).replace(/\\$/, ""), full);
  }
  assert.deepEqual(win32Parts("C:\\"), { root: "C:\\", parent: "C:\\", name: "" });
  assert.deepEqual(win32Parts("C:\\Users\\bob"), {
    root: "C:\\",
    parent: "C:\\Users",
    name: "bob",
  });
});

const POSIX_PATHS = [
  "app.log",
  "logs/app.log",
  ".",
  "..",
  "../../../..",
  "a/./b/../c/",
  "a//b",
  "/",
  "//x//y/",
  "/a/../../b",
  "...",
  "a\\b",
];

Deno.test("resolvePosix and posixParts match path.posix", () => {
  const cwd = () => {
    throw new Error("a full base needs no working folder");
  };
  for (const base of ["/srv/app", "/"]) {
    for (const path of POSIX_PATHS) {
      const full = posixPath.resolve(base, path);
      assert.equal(resolvePosix([base, path], cwd), full, `${base} + ${path}`);
      assert.equal(resolvePosix([path, base], cwd), posixPath.resolve(path, base));
      assert.deepEqual(posixParts(full), {
        parent: posixPath.dirname(full),
        name: posixPath.basename(full),
      });
    }
  }
  assert.equal(resolvePosix(["x"], () => "/work"), "/work/x");
});
