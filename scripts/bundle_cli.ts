/**
 * `deno task bundle`: the CLI pre-built as a handful of JavaScript files in `dist/cli/`, for
 * installing from a checkout (`deno install -g … dist/cli/cli/main.js`): the same code as
 * `cli/main.ts`, in about 20 files instead of about 100 modules.
 *
 * Why (issue 10 point 3, measured with Deno 2.9.5, whole processes, medians of 21 alternating
 * runs, empty script 20.4 ms): `deno run` pays a few tenths of a millisecond per module it loads
 * (reading the source and its emitted JS, the dependency-analysis and code-cache look-ups), and
 * `mod.ts` is 70 modules. Importing `mod.ts` took 46.7 ms as modules and 29.3 ms as one bundled
 * file; `sessions --json` (300 sessions) 99.5 ms from `cli/main.ts`, 77.8 ms from this bundle;
 * `--help` 30.5 → 25.4 ms. The JavaScript run is the same: evaluating the whole library's
 * top level is about 2 ms of CPU profile either way.
 *
 * What it is: `deno bundle --code-splitting` (esbuild) of `cli/main.ts` and the fan-out Worker's
 * module `wts/_call_worker.ts`, so every command module stays a chunk imported only when its
 * command runs (commander too: `--help` still never loads it), and the Worker has its own entry.
 * Commander is bundled from the pinned `npm:` package the lockfile names; its `node:` imports stay
 * imports. The one rewrite: `wts/_pool_worker.ts` finds its Worker module beside itself
 * (`new URL("./_call_worker.ts", import.meta.url)`), which in the bundle is `wts/_call_worker.js`
 * relative to the chunk holding the pool; exactly one such reference must be found, or the build
 * fails rather than ship a pool whose Workers cannot start. `tests/bundle_test.ts` builds it and
 * checks it answers as `cli/main.ts` does, Workers included.
 *
 * Not for JSR: `jsr:@winsession/winsession/cli` is the source graph, as published.
 *
 * @module
 */

import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the bundle's files go unless told otherwise, relative to the repository. */
export const DEFAULT_OUT_DIR = "dist/cli";

/** The bundle's entry point inside `outDir`. */
export const BUNDLE_ENTRY = "cli/main.js";

const WORKER_REFERENCE = 'new URL("./_call_worker.ts", import.meta.url)';
const WORKER_OUTPUT = "wts/_call_worker.js";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Builds the bundle into `outDir` (relative to the repository unless absolute; emptied first)
 * and returns the path of its entry point.
 *
 * @example
 * ```ts ignore
 * import { bundleCli } from "./bundle_cli.ts";
 * console.log(await bundleCli("dist/cli")); // <repository>/dist/cli/cli/main.js
 * ```
 */
export async function bundleCli(outDir: string = DEFAULT_OUT_DIR): Promise<string> {
  const out = resolve(root, outDir);
  await Deno.remove(out, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  const built = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--code-splitting",
      "--outdir",
      out,
      "cli/main.ts",
      "wts/_call_worker.ts",
    ],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!built.success) {
    throw new Error(`deno bundle failed: ${new TextDecoder().decode(built.stderr)}`);
  }
  await pointPoolAtWorker(out);
  return join(out, BUNDLE_ENTRY);
}

/** Every `.js` file under `dir`. */
async function* javascriptFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* javascriptFiles(path);
    else if (entry.isFile && entry.name.endsWith(".js")) yield path;
  }
}

/** `target` as a module specifier relative to `file`: `./…` or `../…`, with `/`. */
function specifierFrom(file: string, target: string): string {
  const path = relative(dirname(file), target).split(sep).join("/");
  return path.startsWith("../") ? path : `./${path}`;
}

/** Rewrites the pool's reference to its Worker module to the bundled Worker (see the header). */
async function pointPoolAtWorker(out: string): Promise<void> {
  const worker = join(out, WORKER_OUTPUT);
  await Deno.stat(worker); // the Worker's own entry was built
  let found = 0;
  for await (const file of javascriptFiles(out)) {
    const text = await Deno.readTextFile(file);
    const count = text.split(WORKER_REFERENCE).length - 1;
    if (count === 0) continue;
    found += count;
    const reference = `new URL(${JSON.stringify(specifierFrom(file, worker))}, import.meta.url)`;
    await Deno.writeTextFile(file, text.replaceAll(WORKER_REFERENCE, reference));
  }
  if (found !== 1) {
    throw new Error(
      `expected one reference to the fan-out Worker in the bundle, found ${found}: ` +
        "wts/_pool_worker.ts changed how it names its Worker; update scripts/bundle_cli.ts",
    );
  }
}

if (import.meta.main) {
  const entry = await bundleCli(Deno.args[0]);
  console.log(`bundled the CLI: ${entry}`);
}
