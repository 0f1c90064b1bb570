import assert from "node:assert/strict";
import { describeCommandTree, flattenCommandTree } from "./model.ts";
import { powershell } from "./powershell.ts";
import { assertNamesEveryCommandAndOption, programs } from "./_testing.ts";

for (const [label, make] of programs) {
  Deno.test(`${label}: the powershell script names every command and every long option`, () => {
    const program = make();
    assertNamesEveryCommandAndOption(powershell.script(describeCommandTree(program)), program);
  });

  Deno.test(`${label}: the PowerShell script is well formed and registers a completer`, () => {
    const program = make();
    const script = powershell.script(describeCommandTree(program));
    const name = program.name();
    assert.match(
      script,
      new RegExp(`Register-ArgumentCompleter -Native -CommandName '${name}', '${name}.exe'`),
    );
    assert.match(script, /param\(\$wordToComplete, \$commandAst, \$cursorPosition\)/);
    assertBalancedPowerShell(script);
    for (const command of flattenCommandTree(describeCommandTree(program))) {
      assert.ok(script.includes(`'${command.key}' = @(`), `no entry for ${command.key}`);
      for (const child of command.commands) {
        assert.ok(script.includes(`'${command.key}|${child.name}' = '${child.key}'`));
      }
    }
  });
}

/** Brackets balance outside PowerShell strings ('…' with '' escapes, "…" with ` escapes). */
function assertBalancedPowerShell(script: string) {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (c === "#" && (i === 0 || /\s/.test(script[i - 1]!))) {
      while (i < script.length && script[i] !== "\n") i++;
    } else if (c === "'") {
      for (i++; i < script.length; i++) {
        if (script[i] === "'" && script[i + 1] === "'") i++;
        else if (script[i] === "'") break;
      }
      assert.ok(i < script.length, "unterminated single-quoted string");
    } else if (c === '"') {
      for (i++; i < script.length && script[i] !== '"'; i++) {
        if (script[i] === "`") i++;
      }
      assert.ok(i < script.length, "unterminated double-quoted string");
    } else if ("([{".includes(c)) {
      stack.push(c);
    } else if (")]}".includes(c)) {
      assert.equal(stack.pop(), pairs[c], `unbalanced ${c} at offset ${i}`);
    }
  }
  assert.deepEqual(stack, [], "unclosed brackets");
}
