/**
 * Checks every size and offset in ffi/layouts.ts against the Windows SDK headers: compiles
 * tests/layout/layout.c with mingw-w64 to assembly (no Windows needed, nothing runs) and reads
 * the named `.quad` constants it emits. Iterates layouts.ts's exports, so a struct or field
 * added there without a C counterpart fails, and so does a C entry layouts.ts lacks.
 */
import assert from "node:assert/strict";
import * as layouts from "../ffi/layouts.ts";
import type { StructLayout } from "../ffi/layouts.ts";

const COMPILER = "x86_64-w64-mingw32-gcc";
const SOURCE = new URL("./layout/layout.c", import.meta.url);

async function compilerAvailable(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(COMPILER, { args: ["--version"], stdout: "null" })
      .output();
    return success;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

// Without the compiler the test is reported "ignored", under a name that says why; `deno task test`
// (scripts/test.sh) then repeats it at the very end of its output, with the command to install it.
const available = await compilerAvailable();

/** Compiles layout.c to assembly and returns its `symbol: .quad value` constants. */
async function compiledConstants(): Promise<Map<string, number>> {
  const { success, stdout, stderr } = await new Deno.Command(COMPILER, {
    args: ["-S", "-O0", "-std=gnu11", "-Wall", "-Werror", "-o", "-", SOURCE.pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const errors = new TextDecoder().decode(stderr);
  assert.ok(success, `${COMPILER} failed to compile layout.c:\n${errors}`);
  const assembly = new TextDecoder().decode(stdout);
  const constants = new Map<string, number>();
  // A non-zero constant is `.quad N`; gcc writes a zero one as `.space 8`.
  const pattern = /^((?:size|off|len)__\w+):\s*\n\s*(?:\.quad\s+(\d+)|\.space\s+8)\s*$/gm;
  for (const match of assembly.matchAll(pattern)) {
    constants.set(match[1]!, match[2] === undefined ? 0 : Number(match[2]));
  }
  return constants;
}

function isStructLayout(value: unknown): value is StructLayout {
  return typeof value === "object" && value !== null && "size" in value && "offsets" in value;
}

Deno.test({
  name: available
    ? "ffi/layouts.ts matches the Windows SDK headers (mingw-w64), every size and offset"
    : `ffi/layouts.ts vs the Windows SDK headers: SKIPPED, no ${COMPILER} (install mingw-w64)`,
  ignore: !available,
  permissions: { run: [COMPILER], read: true },
  async fn() {
    const constants = await compiledConstants();
    assert.ok(constants.size > 0, "no constants found in the assembly");
    const unchecked = new Set(constants.keys());
    const check = (symbol: string, expected: number) => {
      assert.ok(constants.has(symbol), `layout.c has no ${symbol}: add it there`);
      assert.equal(expected, constants.get(symbol), `${symbol} differs from the SDK header`);
      unchecked.delete(symbol);
    };
    let structs = 0;
    for (const [name, value] of Object.entries(layouts)) {
      if (name === "WCHAR_ARRAY_LENGTHS") continue;
      assert.ok(isStructLayout(value), `layouts.ts export ${name} is not a StructLayout`);
      structs++;
      check(`size__${name}`, value.size);
      for (const [field, offset] of Object.entries(value.offsets)) {
        check(`off__${name}__${field}`, offset);
      }
    }
    for (const [key, length] of Object.entries(layouts.WCHAR_ARRAY_LENGTHS)) {
      check(`len__${key}`, length);
    }
    assert.equal(structs, 15);
    assert.deepEqual([...unchecked], [], "layout.c checks fields layouts.ts does not have");
  },
});
