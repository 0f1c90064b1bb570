/**
 * Import by URL, as users run winsession without cloning it: the repository is served over
 * http://127.0.0.1:<port>/ and a separate `deno` process runs the CLI and the library from there,
 * with no config file, no lock file and an empty remote-module cache (npm packages still come
 * from the npm cache/registry, as they would for a user).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { type Run, runProgram } from "./_run.ts";
import { serveDirectory } from "./static_server.ts";

const repoRoot = new URL("../", import.meta.url);
const repoPath = fileURLToPath(repoRoot); // "C:\…\" on Windows, "/…/" elsewhere
const buildDir = `${repoPath}tests/doubles/build/${
  Deno.build.os === "windows" ? "windows" : "linux"
}`;

/** The npm cache of the running Deno, shared with the child so npm: needs no network here. */
async function npmCacheDir(): Promise<string | undefined> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!output.success) return undefined;
  return JSON.parse(new TextDecoder().decode(output.stdout)).npmCache;
}

/** Runs `deno <args>` in an empty folder with a fresh DENO_DIR whose npm cache is shared. */
async function denoInScratch(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const scratch = await Deno.makeTempDir({ prefix: "winsession-url-" });
  try {
    const denoDir = `${scratch}/deno_dir`;
    await Deno.mkdir(denoDir);
    const npm = await npmCacheDir();
    if (npm) await Deno.symlink(npm, `${denoDir}/npm`);
    return await runProgram(Deno.execPath(), args, {
      cwd: scratch,
      env: { DENO_DIR: denoDir, NO_COLOR: "1", ...env },
    });
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

Deno.test("deno run http://…/cli/main.ts --help prints the command list", async () => {
  await using server = await serveDirectory(repoRoot);
  const result = await denoInScratch([
    "run",
    "--no-config",
    "--no-lock",
    `--allow-import=${server.host}`,
    "--allow-ffi",
    "--allow-env",
    "--allow-read",
    `${server.origin}/cli/main.ts`,
    "--help",
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Usage: winsession/);
  for (const command of ["completions", "help"]) {
    assert.match(result.stdout, new RegExp(`\\n  ${command}\\b`), `no ${command} in --help`);
  }
  assert.ok(server.requested.includes("/cli/main.ts"));
  assert.ok(server.requested.includes("/cli/commander.ts"));
});

Deno.test("a script importing http://…/mod.ts lists sessions from the doubles", async () => {
  await using server = await serveDirectory(repoRoot);
  // The script is the user's own file; it imports the library by URL. The doubles' control
  // binding locates its libraries from its own file: URL (over http that would be a server path,
  // not a folder), so it is imported from the checkout. The library, loaded by URL, reaches the
  // same per-process doubles through WINSESSION_DLL_DIR, as a user would point it at
  // side-by-side DLLs; dlopen of the same file returns the same library, so both share state.
  const script = `
    import * as winsession from "${server.origin}/mod.ts";
    import { assertNoLeaks, doubles } from "${new URL("tests/doubles.ts", repoRoot).href}";
    doubles.reset();
    doubles.addSession({ id: 3, winStation: "RDP-Tcp#7", state: 0, user: "alice",
      domain: "CONTOSO" });
    const sessions = await winsession.listSessions();
    const rm = winsession.RestartManagerSession.start();
    const keyLength = rm.key.length;
    rm[Symbol.dispose]();
    assertNoLeaks();
    console.log(JSON.stringify({
      exports: Object.keys(winsession).sort(),
      sessions: sessions.map((s) => ({ id: s.id, user: s.user, state: s.state })),
      keyLength,
    }));
  `;
  const scratch = await Deno.makeTempDir({ prefix: "winsession-url-script-" });
  try {
    const scriptPath = `${scratch}/user_script.ts`;
    await Deno.writeTextFile(scriptPath, script);
    const result = await denoInScratch([
      "run",
      "--no-config",
      "--no-lock",
      `--allow-import=${server.host}`,
      "--allow-ffi",
      "--allow-env",
      "--allow-read",
      scriptPath,
    ], { WINSESSION_DLL_DIR: buildDir });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout.trim().split("\n").at(-1)!);
    assert.ok(report.exports.includes("listSessions"));
    assert.ok(report.exports.includes("RestartManagerSession"));
    assert.ok(report.exports.includes("findLockingProcesses"));
    assert.ok(report.exports.includes("WindowsError"));
    assert.deepEqual(
      report.sessions.find((s: { id: number }) => s.id === 3),
      { id: 3, user: "alice", state: "Active" },
    );
    assert.equal(report.keyLength, 32);
    assert.ok(server.requested.includes("/mod.ts"));
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});

/** A specifier that travels with a remote module: relative, URL, pinned npm:, node:. */
function travels(specifier: string): boolean {
  if (/^\.{1,2}\//.test(specifier)) return true;
  if (/^(https?|file|data|node):/.test(specifier)) return true;
  // npm:name@1.2.3 or npm:@scope/name@1.2.3, optionally followed by a subpath.
  return /^npm:(@[a-z0-9-._~]+\/)?[a-z0-9-._~]+@\d+\.\d+\.\d+[^/]*(\/.*)?$/.test(specifier);
}

for (const entry of ["mod.ts", "cli/main.ts"]) {
  Deno.test(`${entry}'s module graph has no bare, jsr: or unpinned specifier`, async () => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--no-config", entry],
      cwd: repoPath,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(output.success, new TextDecoder().decode(output.stderr));
    const graph = JSON.parse(new TextDecoder().decode(output.stdout)) as {
      modules: {
        kind: string;
        specifier: string;
        error?: string;
        dependencies?: { specifier: string; code?: { error?: string } }[];
      }[];
    };
    const problems: string[] = [];
    for (const module of graph.modules) {
      if (module.kind !== "esm") continue;
      if (!module.specifier.startsWith(repoRoot.href)) continue;
      if (module.error) problems.push(`${module.specifier}: ${module.error}`);
      for (const dependency of module.dependencies ?? []) {
        const where = `${module.specifier.slice(repoRoot.href.length)} imports ` +
          `"${dependency.specifier}"`;
        if (!travels(dependency.specifier)) problems.push(where);
        if (dependency.code?.error) problems.push(`${where}: ${dependency.code.error}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(graph.modules.length > 1);
  });
}
