import assert from "node:assert/strict";

import { MAX_PATH_UNITS, protectedFolderReason, resolveFullPath, shortenPath } from "./paths.ts";

const WINDOWS_ENV: Record<string, string> = {
  SystemDrive: "C:",
  USERPROFILE: "C:\\Users\\alice",
  SystemRoot: "C:\\WINDOWS",
  ProgramFiles: "C:\\Program Files",
  "ProgramFiles(x86)": "C:\\Program Files (x86)",
  ProgramData: "C:\\ProgramData",
};

function windows(path: string, env: Record<string, string> = WINDOWS_ENV) {
  return protectedFolderReason(path, { os: "windows", env: (name) => env[name] });
}

Deno.test("resolveFullPath: empty and blank paths are errors, not the current folder", () => {
  for (const path of ["", " ", "\t"]) {
    assert.throws(() => resolveFullPath(path, "/srv"), TypeError, JSON.stringify(path));
  }
  assert.throws(() => resolveFullPath("x".repeat(MAX_PATH_UNITS + 1), "/srv"), RangeError);
  // "." is the explicit way to name the current folder (on Windows "/srv" gains a drive letter).
  assert.match(resolveFullPath(".", "/srv"), /^([A-Z]:)?[\\/]srv$/);
});

Deno.test("shortenPath: short paths as is, long ones start…end with their length", () => {
  assert.equal(shortenPath("C:\\app\\app.dll"), "C:\\app\\app.dll");
  const long = "D:\\" + "y".repeat(39_997);
  const shown = shortenPath(long);
  assert.ok(shown.length < 110);
  assert.ok(shown.startsWith("D:\\yyy") && shown.endsWith("y (40000 characters)"));
});

Deno.test("protectedFolderReason (Windows): roots, Users, profiles, system folders", () => {
  assert.equal(windows("C:\\"), "a drive root");
  assert.equal(windows("d:/"), "a drive root");
  assert.equal(windows("\\\\fs01\\share\\"), "a share root");
  assert.equal(windows("\\\\fs01\\share"), "a share root");
  assert.equal(windows("C:\\Users"), "the folder of every user profile");
  assert.equal(windows("c:\\users\\"), "the folder of every user profile");
  assert.equal(windows("C:\\Users\\alice"), "the profile folder of alice");
  assert.equal(windows("C:\\Users\\Public"), "the profile folder of Public");
  assert.equal(windows("C:\\Windows"), "a Windows system folder");
  assert.equal(windows("C:\\Windows\\System32"), "a Windows system folder");
  assert.equal(windows("C:\\Program Files"), "the folder of every installed program");
  assert.equal(windows("C:\\Program Files (x86)\\"), "the folder of every installed program");
  assert.equal(windows("C:\\ProgramData"), "the folder of every installed program");
  // Ordinary folders, including an application inside Program Files and a profile's subfolder.
  assert.equal(windows("C:\\Program Files\\Contoso"), null);
  assert.equal(windows("C:\\Users\\alice\\Documents\\Budget"), null);
  assert.equal(windows("D:\\app"), null);
  assert.equal(windows("C:\\WindowsApps"), null);
});

Deno.test("protectedFolderReason (Windows): profiles elsewhere follow USERPROFILE", () => {
  const env = { USERPROFILE: "E:\\Profiles\\bob", SystemDrive: "C:" };
  assert.equal(windows("E:\\Profiles", env), "the folder of every user profile");
  assert.equal(windows("e:\\profiles\\carol", env), "the profile folder of carol");
  // Without SystemRoot the default Windows folder on the system drive is still protected.
  assert.equal(windows("C:\\Windows", env), "a Windows system folder");
  assert.equal(windows("C:\\Users\\dave", env), null);
});

Deno.test("protectedFolderReason (POSIX): root, home, the homes folder and its children", () => {
  const env = (name: string) => name === "HOME" ? "/home/alice" : undefined;
  const posix = (path: string) => protectedFolderReason(path, { os: "linux", env });
  assert.equal(posix("/"), "the root folder");
  assert.equal(posix("/home"), "the folder of every home folder");
  assert.equal(posix("/home/alice/"), "your home folder");
  assert.equal(posix("/home/bob"), "the home folder of bob");
  assert.equal(posix("/home/alice/project"), null);
  assert.equal(posix("/tmp/build"), null);
});
