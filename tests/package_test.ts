/**
 * The package as JSR and URL users get it: deno.json's exports exist, its version is the CLI's
 * VERSION, every exported symbol is documented (functions and classes with an example), and
 * `deno publish --dry-run` (which runs offline: it type-checks and looks for slow types without
 * contacting the registry) succeeds.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { VERSION } from "../cli/main.ts";
import { runProgram } from "./_run.ts";

const repoRoot = new URL("../", import.meta.url);
const repoPath = fileURLToPath(repoRoot); // "C:\…\" on Windows, "/…/" elsewhere

interface DenoJson {
  name: string;
  version: string;
  license?: string;
  exports: string | Record<string, string>;
}

const denoJson: DenoJson = JSON.parse(await Deno.readTextFile(new URL("deno.json", repoRoot)));
const exportsMap: Record<string, string> = typeof denoJson.exports === "string"
  ? { ".": denoJson.exports }
  : denoJson.exports;

function deno(args: string[]) {
  return runProgram(Deno.execPath(), args, { cwd: repoPath, env: { NO_COLOR: "1" } });
}

Deno.test("deno.json names a scoped package with a license and exports . and ./cli", () => {
  assert.match(denoJson.name, /^@[a-z0-9-]+\/[a-z0-9-]+$/);
  assert.ok(denoJson.license, "JSR needs a license field or file");
  assert.ok(exportsMap["."], "no main export");
  assert.ok(exportsMap["./cli"], "no ./cli export");
});

Deno.test("every deno.json export points to an existing module", async () => {
  for (const [name, target] of Object.entries(exportsMap)) {
    assert.match(target, /^\.\/.+\.ts$/, `export ${name}`);
    const info = await Deno.stat(new URL(target, repoRoot));
    assert.ok(info.isFile, `export ${name} -> ${target} is not a file`);
  }
});

Deno.test("deno.json's version is the CLI's VERSION", () => {
  assert.match(denoJson.version, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  assert.equal(VERSION, denoJson.version);
});

interface DocNode {
  name: string;
  declarations: {
    kind: string;
    location: { filename: string; line: number };
    jsDoc?: { doc?: string; tags?: { kind: string }[] };
  }[];
}

for (const [name, target] of Object.entries(exportsMap)) {
  Deno.test(`every symbol exported by "${name}" (${target}) is documented`, async () => {
    const result = await deno(["doc", "--json", target]);
    assert.equal(result.code, 0, result.stderr);
    const doc = JSON.parse(result.stdout) as {
      nodes: Record<string, { module_doc?: { doc?: string }; symbols: DocNode[] }>;
    };
    const entry = doc.nodes[new URL(target, repoRoot).href];
    assert.ok(entry, `deno doc did not describe ${target}`);
    assert.ok(entry.module_doc?.doc, `${target} has no @module documentation`);
    const problems: string[] = [];
    for (const symbol of entry.symbols) {
      for (const declaration of symbol.declarations) {
        const where = `${symbol.name} (${
          declaration.location.filename.replace(repoRoot.href, "")
        }:${declaration.location.line})`;
        if (!declaration.jsDoc?.doc?.trim()) problems.push(`${where}: no JSDoc`);
        const needsExample = declaration.kind === "function" || declaration.kind === "class";
        const hasExample = declaration.jsDoc?.tags?.some((tag) => tag.kind === "example");
        if (needsExample && !hasExample) problems.push(`${where}: no @example`);
      }
    }
    assert.deepEqual(problems, []);
  });
}

Deno.test("deno doc --lint mod.ts is clean", async () => {
  const result = await deno(["doc", "--lint", "mod.ts"]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
});

Deno.test("deno publish --dry-run succeeds (type check and slow types, offline)", async () => {
  const result = await deno(["publish", "--dry-run", "--allow-dirty"]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout + result.stderr, /Dry run complete/);
});
