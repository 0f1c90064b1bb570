/**
 * The pre-built CLI (`deno task bundle`, scripts/bundle_cli.ts) answers exactly as `cli/main.ts`
 * does: the root help and version, a command's help, `sessions --json` on this server and fanned
 * out over 12 servers (more than one lane of 32 calls, so the pool starts a Worker), and a usage
 * error's exit code; and its fan-out Worker module starts and answers a task, so the rewritten
 * Worker reference works rather than falling back to the main thread unnoticed.
 */
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BUNDLE_ENTRY, bundleCli } from "../scripts/bundle_cli.ts";
import { buildDir, doublePath, win32DoublePath } from "./doubles.ts";
import { type Run, runProgram } from "./_run.ts";

const doublesModule = new URL("./doubles.ts", import.meta.url).href;
const sourceEntry = new URL("../cli/main.ts", import.meta.url).href;
const FLAGS = ["run", "--allow-ffi", "--allow-env", "--allow-read"];
const SERVERS = Array.from({ length: 12 }, (_, i) => `farm${i}`);

/**
 * A launcher: fills the doubles of this fresh process (300 local sessions, 12 servers of 3), then
 * runs `main` of the entry given as its first argument with the rest.
 */
function launcher(folder: string): string {
  const path = `${folder}/launch.ts`;
  Deno.writeTextFileSync(
    path,
    `import { doubles } from ${JSON.stringify(doublesModule)};
doubles.generateSessions(300);
for (const server of ${JSON.stringify(SERVERS)}) {
  doubles.addServer(server);
  doubles.generateSessions(3, server);
}
const { main } = await import(Deno.args[0]);
Deno.exit(await main(Deno.args.slice(1)));
`,
  );
  return path;
}

/** Every `.js` file under `folder`. */
function* javascriptFiles(folder: string): Generator<string> {
  for (const entry of Deno.readDirSync(folder)) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory) yield* javascriptFiles(path);
    else if (entry.name.endsWith(".js")) yield path;
  }
}

function run(args: string[]): Promise<Run> {
  return runProgram(Deno.execPath(), args, {
    env: { WINSESSION_DLL_DIR: buildDir, NO_COLOR: "1" },
  });
}

/** The `--json` text without what is measured against the clock at each run. */
function withoutTimings(json: string): unknown {
  return JSON.parse(
    json,
    (key, value) => key === "idleMs" || key === "elapsedMs" ? undefined : value,
  );
}

Deno.test("the bundled CLI answers as cli/main.ts does, its fan-out Worker included", async () => {
  const folder = Deno.makeTempDirSync({ prefix: "winsession_bundle_" });
  try {
    const entryPath = await bundleCli(folder);
    assert.equal(entryPath, join(folder, BUNDLE_ENTRY));
    const bundleEntry = pathToFileURL(entryPath).href;

    for (
      const args of [["--help"], ["--version"], ["sessions", "--help"], ["sessions", "--nope"]]
    ) {
      const [source, bundled] = await Promise.all([
        run([...FLAGS, fileURLToPath(sourceEntry), ...args]),
        run([...FLAGS, entryPath, ...args]),
      ]);
      assert.deepEqual(bundled, source, args.join(" "));
    }

    const launch = launcher(folder);
    const servers = SERVERS.flatMap((server) => ["--server", server]);
    for (const args of [["sessions", "--json"], ["sessions", "--json", ...servers]]) {
      const source = await run([...FLAGS, launch, sourceEntry, ...args]);
      const bundled = await run([...FLAGS, launch, bundleEntry, ...args]);
      assert.equal(source.code, 0, source.stderr);
      assert.equal(bundled.code, 0, bundled.stderr);
      assert.equal(bundled.stderr, "");
      assert.deepEqual(
        withoutTimings(bundled.stdout),
        withoutTimings(source.stdout),
        args.join(" "),
      );
    }

    // The Worker the bundled pool starts: its one reference, resolved as the chunk resolves it,
    // names the bundled Worker module, which starts and answers a task.
    const references: URL[] = [];
    for (const file of javascriptFiles(folder)) {
      const text = Deno.readTextFileSync(file);
      for (
        const match of text.matchAll(/new URL\("([^"]*_call_worker[^"]*)", import\.meta\.url\)/g)
      ) {
        references.push(new URL(match[1]!, pathToFileURL(file)));
      }
    }
    assert.deepEqual(references.map(String), [
      pathToFileURL(`${folder}/wts/_call_worker.js`).href,
    ]);
    const probe = `${folder}/worker_probe.ts`;
    Deno.writeTextFileSync(
      probe,
      `// One call the way the pool sends it (wts/_call_wire.ts), with a result of its own: lstrlenW
// of a buffer holding "abc", in the kernel32 double.
// The doubles' core first: on Windows a DLL's own folder is not searched for its imports, and
// in the CLI the main thread has loaded it before any Worker binds a symbol.
Deno.dlopen(${JSON.stringify(resolve(doublePath("wsdouble")))}, {});
const worker = new Worker(${JSON.stringify(references[0]!.href)}, { type: "module" });
worker.onerror = (event) => {
  console.log(JSON.stringify({ error: event.message }));
  Deno.exit(1);
};
const text = new Uint8Array([97, 0, 98, 0, 99, 0, 0, 0]);
worker.onmessage = ({ data }) => {
  if (data.type === "ready") {
    worker.postMessage({ type: "calls", calls: [{
      id: 1,
      path: ${JSON.stringify(resolve(win32DoublePath("kernel32")))},
      name: "lstrlenW",
      args: [{ bytes: text }],
      definition: { parameters: ["buffer"], result: "i32", nonblocking: true },
    }] });
    return;
  }
  const [result] = data.results;
  console.log(JSON.stringify(result.ok ? { ok: true, value: result.value } : result));
  worker.terminate();
};
`,
    );
    const answer = await run([...FLAGS, probe]);
    assert.equal(answer.code, 0, answer.stdout + answer.stderr);
    assert.deepEqual(JSON.parse(answer.stdout), { ok: true, value: 3 });
  } finally {
    Deno.removeSync(folder, { recursive: true });
  }
});
