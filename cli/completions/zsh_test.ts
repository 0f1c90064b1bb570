import assert from "node:assert/strict";
import { describeCommandTree } from "./model.ts";
import { zsh } from "./zsh.ts";
import { assertNamesEveryCommandAndOption, programs, run, which, withScript } from "./_testing.ts";

const hasZsh = await which("zsh"); // skipped without zsh: `apt-get install zsh`

for (const [label, make] of programs) {
  Deno.test(`${label}: the zsh script names every command and every long option`, () => {
    const program = make();
    assertNamesEveryCommandAndOption(zsh.script(describeCommandTree(program)), program);
  });

  Deno.test({
    name: `${label}: zsh -n accepts the zsh script`,
    ignore: !hasZsh,
    fn: async () => {
      await withScript(zsh.script(describeCommandTree(make())), async (path) => {
        const result = await run("zsh", ["-n", path]);
        assert.equal(result.code, 0, result.stderr);
      });
    },
  });
}
