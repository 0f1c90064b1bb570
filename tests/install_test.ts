/**
 * The README's `deno install -g` commands install a `winsession` that works: the checkout one is
 * run into a temporary install root, then the installed command itself (its permissions are the
 * ones the command line gives: FFI, read, and the environment variables it reads), then
 * `deno uninstall -g`; the pre-built one (`deno task bundle`) likewise, on a bundle built into a
 * temporary folder. The JSR one cannot be run here (JSR is unreachable from the build
 * machine), so its permission flags are checked to equal the checkout one's.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { buildDir } from "./doubles.ts";
import { runProgram } from "./_run.ts";
import { BUNDLE_ENTRY, bundleCli, DEFAULT_OUT_DIR } from "../scripts/bundle_cli.ts";

const repoPath = fileURLToPath(new URL("../", import.meta.url));
const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));

/** The README's `deno install -g …` lines, split into words, keyed by what they install. */
function installCommands(): { checkout: string[]; jsr: string[]; prebuilt: string[] } {
  const lines = [...readme.matchAll(/^deno install -g .*$/gm)].map((m) => m[0].split(/\s+/));
  const checkout = lines.find((words) => words.at(-1) === "cli/main.ts");
  const jsr = lines.find((words) => words.at(-1)?.startsWith("jsr:"));
  const prebuilt = lines.find((words) => words.at(-1) === `${DEFAULT_OUT_DIR}/${BUNDLE_ENTRY}`);
  assert.ok(checkout, "README has no `deno install -g … cli/main.ts` line");
  assert.ok(jsr, "README has no `deno install -g … jsr:…` line");
  assert.ok(
    prebuilt,
    `README has no \`deno install -g … ${DEFAULT_OUT_DIR}/${BUNDLE_ENTRY}\` line`,
  );
  return { checkout, jsr, prebuilt };
}

/** Runs `program args` with the install root (and deno on PATH, which the installed shim runs). */
function run(
  program: string,
  args: string[],
  root: string,
  env: Record<string, string> = {},
) {
  const denoDir = Deno.execPath().replace(/[\\/][^\\/]*$/, "");
  return runProgram(program, args, {
    cwd: repoPath,
    env: {
      DENO_INSTALL_ROOT: root,
      NO_COLOR: "1",
      PATH: `${denoDir}:${Deno.env.get("PATH") ?? ""}`,
      ...env,
    },
  });
}

const permissionFlags = (words: string[]) => words.filter((word) => word.startsWith("--allow-"));

Deno.test("README: the JSR, checkout and pre-built install commands grant the same permissions", () => {
  const { checkout, jsr, prebuilt } = installCommands();
  assert.deepEqual(permissionFlags(jsr), permissionFlags(checkout));
  assert.deepEqual(permissionFlags(prebuilt), permissionFlags(checkout));
  assert.deepEqual(permissionFlags(checkout), [
    "--allow-ffi",
    "--allow-read",
    "--allow-env=WINSESSION_DLL_DIR,NO_COLOR,WINSESSION_DEBUG",
  ]);
});

/** Runs an install command into a temporary root, then the installed `winsession`, then uninstall. */
async function installAndRun(command: string[]): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "winsession-install-" });
  try {
    const installed = await run(Deno.execPath(), command.slice(1), root);
    assert.equal(installed.code, 0, installed.stderr);
    const winsession = `${root}/bin/winsession`;

    const version = await run(winsession, ["--version"], root);
    assert.equal(version.stdout.trim(), "0.1.0", version.stderr);
    // FFI and the WINSESSION_DLL_DIR variable: the (empty) doubles answer.
    const sessions = await run(winsession, ["sessions", "--json"], root, {
      WINSESSION_DLL_DIR: buildDir,
    });
    assert.equal(sessions.code, 0, sessions.stderr);
    assert.deepEqual(JSON.parse(sessions.stdout), []);
    // Read: locks checks that the path exists before asking the Restart Manager.
    const locks = await run(winsession, ["locks", "deno.json"], root, {
      WINSESSION_DLL_DIR: buildDir,
    });
    assert.equal(locks.code, 0, locks.stderr);

    const removed = await run(Deno.execPath(), ["uninstall", "-g", "winsession"], root);
    assert.equal(removed.code, 0, removed.stderr);
    await assert.rejects(Deno.stat(winsession), Deno.errors.NotFound);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test({
  name: "README: deno install -g from the checkout installs a working winsession, and uninstalls",
  // The installed command is a shell script on Unix and a .cmd under Windows; the lane under
  // Wine runs the suite without a cmd.exe worth testing this with.
  ignore: Deno.build.os === "windows",
  permissions: { run: true, read: true, write: true, env: true },
  fn: () => installAndRun(installCommands().checkout),
});

Deno.test({
  name: "README: the pre-built install (deno task bundle) installs a working winsession",
  ignore: Deno.build.os === "windows", // as above
  permissions: { run: true, read: true, write: true, env: true },
  async fn() {
    const { prebuilt } = installCommands();
    // The README's command on a bundle built for this test, not on the checkout's dist/.
    const folder = await Deno.makeTempDir({ prefix: "winsession-prebuilt-" });
    try {
      const entry = await bundleCli(folder);
      await installAndRun([...prebuilt.slice(0, -1), entry]);
    } finally {
      await Deno.remove(folder, { recursive: true });
    }
  },
});
