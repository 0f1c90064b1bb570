import assert from "node:assert/strict";
import { ExitCode } from "./common.ts";
import { completionScript, SHELLS } from "./completions.ts";
import { main } from "./main.ts";
import { recordingIO } from "./_testing.ts";
import { realProgram } from "./completions/_testing.ts";

Deno.test("winsession completions <shell> prints the script built from the full tree", async () => {
  for (const shell of SHELLS) {
    const io = recordingIO();
    assert.equal(await main(["completions", shell], io), ExitCode.Ok, io.stderr);
    assert.equal(io.stdout, completionScript(shell, realProgram()));
  }
});

Deno.test("winsession completions with an unknown shell is a usage error", async () => {
  const io = recordingIO();
  assert.equal(await main(["completions", "tcsh"], io), ExitCode.Usage);
  assert.match(io.stderr, /tcsh/);
  assert.equal(io.stdout, "");
});

Deno.test("winsession completions --help shows the install line for each shell", async () => {
  const io = recordingIO();
  assert.equal(await main(["completions", "--help"], io), ExitCode.Ok);
  for (const shell of SHELLS) assert.match(io.stdout, new RegExp(`completions ${shell}`));
});
