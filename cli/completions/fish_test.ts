import assert from "node:assert/strict";
import { SHELLS } from "../completions.ts";
import { fish } from "./fish.ts";
import { describeCommandTree } from "./model.ts";
import {
  assertNamesEveryCommandAndOption,
  demoProgram,
  programs,
  run,
  which,
  withScript,
} from "./_testing.ts";

const hasFish = await which("fish"); // skipped without fish: `apt-get install fish`

for (const [label, make] of programs) {
  Deno.test(`${label}: the fish script names every command and every long option`, () => {
    const program = make();
    // fish spells a long option `-l 'name'`.
    assertNamesEveryCommandAndOption(
      fish.script(describeCommandTree(program)),
      program,
      (flag) => `-l '${flag.slice(2)}'`,
    );
  });

  Deno.test({
    name: `${label}: fish -n accepts the fish script`,
    ignore: !hasFish,
    fn: async () => {
      await withScript(fish.script(describeCommandTree(make())), async (path) => {
        const result = await run("fish", ["-n", path]);
        assert.equal(result.code, 0, result.stderr);
      });
    },
  });
}

Deno.test({
  name: "fish completion, exercised with complete -C: commands, options, values, nesting",
  ignore: !hasFish,
  fn: async () => {
    await withScript(fish.script(describeCommandTree(demoProgram())), async (path) => {
      const complete = async (line: string) => {
        const result = await run("fish", [
          "-c",
          `source $argv[1]; complete -C $argv[2]`,
          path,
          line,
        ]);
        assert.equal(result.code, 0, result.stderr);
        return result.stdout.split("\n").filter((l) => l !== "").map((l) => l.split("\t")[0]!)
          .sort();
      };
      assert.deepEqual(await complete("demo se"), ["sessions"]);
      assert.deepEqual(await complete("demo sessions --"), ["--help", "--json", "--server"]);
      assert.deepEqual(await complete("demo ls --server locks --j"), ["--json"]);
      assert.deepEqual(await complete("demo completions "), [...SHELLS].sort());
      assert.deepEqual(await complete("demo message 1 --icon "), ["error", "none", "warning"]);
      assert.deepEqual(await complete("demo remote "), ["add", "help", "remove"]);
      assert.deepEqual(await complete("demo remote remove --"), ["--force", "--help"]);
    });
  },
});
