/**
 * The README's "Project layout" map matches the tree: every source file of the library, the CLI,
 * the doubles, the benches, the scripts and the examples is named under its folder's entry, and
 * every file the map names exists. A file added or moved without its line in the map fails here.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const readme = await Deno.readTextFile(`${root}README.md`);
const start = readme.indexOf("\n## Project layout\n");
assert.ok(start >= 0, "README has a Project layout section");
const end = readme.indexOf("\n## ", start + 1);
const section = readme.slice(start, end < 0 ? undefined : end);

/** The folders the map describes, each by its `- **`folder/`**` entry. */
const FOLDERS = ["wts", "rm", "ffi", "cli", "tests", "bench", "scripts", "examples"];

/** The text of one folder's entry: from its bullet to the next top-level bullet. */
function entry(folder: string): string {
  const marker = `- **\`${folder}/\`**`;
  const at = section.indexOf(marker);
  assert.ok(at >= 0, `the map has an entry for ${folder}/`);
  const next = section.indexOf("\n- **`", at + marker.length);
  return section.slice(at, next < 0 ? undefined : next);
}

/** Source files git tracks below `folder` (tests excluded: they sit beside what they test). */
async function sources(folder: string): Promise<string[]> {
  const output = await new Deno.Command("git", {
    args: ["ls-files", "--", folder],
    cwd: root,
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(output.stdout).split("\n").filter((path) =>
    /\.(ts|c|h|sh)$/.test(path) && !/_test\.ts$/.test(path) && !path.startsWith("tests/windows/")
  );
}

/** Whether git can list the tree here (the Wine lane's chroot has no git: then the tests skip). */
async function gitWorks(): Promise<boolean> {
  try {
    return (await new Deno.Command("git", { args: ["rev-parse"], cwd: root }).output()).success;
  } catch {
    return false;
  }
}
const inGit = await gitWorks();

Deno.test({
  name: "README Project layout names every source file under its folder",
  ignore: !inGit,
  fn: async () => {
    const missing: string[] = [];
    for (const folder of FOLDERS) {
      const text = entry(folder);
      for (const path of await sources(folder)) {
        const name = path.split("/").pop()!;
        if (!text.includes(name)) missing.push(path);
      }
    }
    assert.deepEqual(missing, [], "files the README's Project layout does not name");
  },
});

Deno.test({
  name: "README Project layout names no file that does not exist",
  ignore: !inGit,
  fn: async () => {
    const tracked = await allFiles(".");
    const gone: string[] = [];
    for (const folder of FOLDERS) {
      const below = tracked.filter((path) => path.startsWith(`${folder}/`));
      for (const [, name] of entry(folder).matchAll(/`([\w./-]+\.(?:ts|c|h|sh))`/g)) {
        // A name with a folder that starts at the top (`ffi/layouts.ts`) is a repository path;
        // any other is a file somewhere below this entry's folder.
        const exists = FOLDERS.some((top) => name!.startsWith(`${top}/`))
          ? tracked.includes(name!)
          : below.some((path) => path.endsWith(`/${name}`));
        if (!exists) gone.push(`${folder}/: ${name}`);
      }
    }
    assert.deepEqual(gone, [], "files the README's Project layout names but the tree lacks");
  },
});

/** Every file git tracks below `folder`, tests included. */
async function allFiles(folder: string): Promise<string[]> {
  const output = await new Deno.Command("git", {
    args: ["ls-files", "--", folder],
    cwd: root,
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(output.stdout).split("\n").filter(Boolean);
}
