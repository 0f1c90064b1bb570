/**
 * What the Restart Manager tests (rm/*_test.ts and the `locks`/`release` CLI tests) share: a
 * holder process added to the doubles, and a test that runs in a fresh temporary folder with the
 * doubles reset before and their leak counters checked after; the `locks`/`release` CLI tests'
 * restartable holder and folder.
 *
 * @module
 */

import { join } from "node:path";

import { assertNoLeaks, doubles, type ProcessSetup } from "../tests/doubles.ts";

/** The start FILETIME of the test processes: process `pid` starts at `START + pid`. */
export const START = 133_500_000_000_000_000n;

/** A windowed application (`RmMainWindow`) the Restart Manager can restart. */
export const RESTARTABLE_APP = { appType: 1, restartable: true } as const;

/** Adds process `pid` to the doubles: session 1, image `app<pid>.exe`, app name `App <pid>`. */
export function addTestProcess(pid: number, extra: Partial<ProcessSetup> = {}): void {
  doubles.addProcess({
    pid,
    sessionId: 1,
    name: `app${pid}.exe`,
    appName: `App ${pid}`,
    createTime: START + BigInt(pid),
    ...extra,
  });
}

/** The temporary folder of a {@linkcode tempFolderTest}. */
export interface TempFolder {
  /** The folder name's prefix. */
  prefix: string;
  /** Sub-folders to create, relative. */
  dirs?: readonly string[];
  /** Files to create, relative, with their contents. */
  files?: Readonly<Record<string, string>>;
}

/**
 * A `Deno.test` whose body gets a fresh temporary folder laid out as `folder` says; the doubles
 * are reset before, and afterwards the folder is removed and nothing may have leaked.
 */
export function tempFolderTest(
  name: string,
  folder: TempFolder,
  body: (dir: string) => Promise<void> | void,
): void {
  Deno.test(name, async () => {
    doubles.reset();
    const dir = await Deno.makeTempDir({ prefix: folder.prefix });
    for (const sub of folder.dirs ?? []) await Deno.mkdir(join(dir, sub));
    for (const [file, text] of Object.entries(folder.files ?? {})) {
      await Deno.writeTextFile(join(dir, file), text);
    }
    try {
      await body(dir);
    } finally {
      await Deno.remove(dir, { recursive: true });
      assertNoLeaks();
    }
  });
}

/** A restartable application holder (the `locks`/`release` CLI tests' kind). */
export function addProcess(pid: number, extra: Partial<ProcessSetup> = {}): void {
  addTestProcess(pid, { ...RESTARTABLE_APP, ...extra });
}

/** dir/a.txt, dir/b.txt, dir/sub/c.txt, each holding its own name. */
const CLI_TREE: TempFolder = {
  prefix: "winsession_cli_locks_",
  dirs: ["sub"],
  files: { "a.txt": "a.txt", "b.txt": "b.txt", "sub/c.txt": "sub/c.txt" },
};

/** A `locks`/`release` CLI test in a fresh dir/a.txt, dir/b.txt, dir/sub/c.txt. */
export function cliTest(name: string, body: (dir: string) => Promise<void>): void {
  tempFolderTest(name, CLI_TREE, body);
}
