import assert from "node:assert/strict";
import { Command } from "./commander.ts";
import { ExitCode } from "./common.ts";
import {
  type CompletionCommand,
  completionScript,
  describeCommandTree,
  flattenCommandTree,
  registerCompletionCommand,
  type Shell,
  SHELLS,
} from "./completions.ts";
import { buildProgram, main } from "./main.ts";
import { recordingIO } from "./_testing.ts";

/** A program shaped like the real one, with every feature the generators handle. */
function demoProgram(): Command {
  const io = recordingIO();
  const program = new Command().name("demo").version("1.0.0", "-V, --version");
  program.command("sessions").alias("ls").description("List sessions.\nMore text.")
    .option("-s, --server <name>", "a server: with a 'quote' and [brackets]")
    .option("--json", "print JSON");
  program.command("locks").argument("<path...>", "files or folders")
    .option("-r, --recursive", "walk folders").option("--output <file>", "write to a file");
  program.command("message").argument("<id>", "session id").argument("[text]", "text")
    .addOption(
      program.createOption("--icon <icon>", "icon").choices(["error", "warning", "none"]),
    );
  const remote = program.command("remote").description("Nested commands.");
  remote.command("add").argument("<host>").option("--port <port>", "port number");
  remote.command("remove").option("--force", "do not ask");
  registerCompletionCommand(program, { io, exitCode: ExitCode.Ok });
  return program;
}

function realProgram(): Command {
  return buildProgram({ io: recordingIO(), exitCode: ExitCode.Ok });
}

const programs: [string, () => Command][] = [["demo", demoProgram], ["winsession", realProgram]];

function longOptions(command: CompletionCommand): string[] {
  return command.options.flatMap((o) => o.flags).filter((flag) => flag.startsWith("--"));
}

async function which(tool: string): Promise<boolean> {
  try {
    const result = await new Deno.Command("sh", {
      args: ["-c", `command -v ${tool}`],
      stdout: "null",
      stderr: "null",
    }).output();
    return result.success;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false; // no sh (Windows): no Unix shells
    throw error;
  }
}

/** The bash tests run the generated script in bash: skipped where there is none (Windows). */
const hasBash = await which("bash");

async function run(tool: string, args: string[], cwd?: string) {
  const output = await new Deno.Command(tool, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

async function withScript<T>(script: string, body: (path: string) => Promise<T>): Promise<T> {
  const path = await Deno.makeTempFile({ prefix: "winsession-completion-" });
  try {
    await Deno.writeTextFile(path, script);
    return await body(path);
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("the real command tree has the completions command and more than one command", () => {
  const tree = describeCommandTree(realProgram());
  const names = tree.commands.map((c) => c.name);
  assert.ok(names.includes("completions"), names.join(" "));
  assert.ok(names.includes("help"), "the implicit help command is walked too");
  assert.ok(longOptions(tree).includes("--version"));
  assert.ok(longOptions(tree).includes("--help"));
});

Deno.test("describeCommandTree reads flags, values, choices, aliases and nesting", () => {
  const tree = describeCommandTree(demoProgram());
  const sessions = tree.commands.find((c) => c.name === "sessions")!;
  assert.deepEqual(sessions.aliases, ["ls"]);
  assert.equal(sessions.description, "List sessions.");
  const server = sessions.options.find((o) => o.long === "--server")!;
  assert.deepEqual(server.flags, ["-s", "--server"]);
  assert.equal(server.takesValue, true);
  assert.equal(sessions.options.find((o) => o.long === "--json")!.takesValue, false);
  const locks = tree.commands.find((c) => c.name === "locks")!;
  assert.deepEqual(locks.arguments, [{ name: "path", variadic: true, value: { kind: "files" } }]);
  const message = tree.commands.find((c) => c.name === "message")!;
  assert.deepEqual(message.options.find((o) => o.long === "--icon")!.value, {
    kind: "choices",
    choices: ["error", "warning", "none"],
  });
  const remote = tree.commands.find((c) => c.name === "remote")!;
  assert.deepEqual(remote.commands.map((c) => c.key), [
    "/remote/add/",
    "/remote/remove/",
    "/remote/help/",
  ]);
  const completions = tree.commands.find((c) => c.name === "completions")!;
  assert.deepEqual(completions.arguments[0]!.value, { kind: "choices", choices: [...SHELLS] });
});

for (const [label, make] of programs) {
  for (const shell of SHELLS) {
    Deno.test(`${label}: the ${shell} script names every command and every long option`, () => {
      const program = make();
      const script = completionScript(shell, program);
      for (const command of flattenCommandTree(describeCommandTree(program))) {
        if (command.key !== "/") {
          assert.ok(script.includes(command.name), `${shell}: command ${command.key} missing`);
        }
        for (const flag of longOptions(command)) {
          const word = shell === "fish" ? `-l '${flag.slice(2)}'` : flag;
          assert.ok(script.includes(word), `${shell}: ${command.key} ${flag} missing`);
        }
      }
    });
  }

  Deno.test({
    name: `${label}: bash -n accepts the bash script`,
    ignore: !hasBash,
    fn: async () => {
      await withScript(completionScript("bash", make()), async (path) => {
        const result = await run("bash", ["-n", path]);
        assert.equal(result.code, 0, result.stderr);
      });
    },
  });

  Deno.test({
    name: `${label}: zsh -n accepts the zsh script`,
    ignore: !(await which("zsh")), // skipped without zsh: `apt-get install zsh`
    fn: async () => {
      await withScript(completionScript("zsh", make()), async (path) => {
        const result = await run("zsh", ["-n", path]);
        assert.equal(result.code, 0, result.stderr);
      });
    },
  });

  Deno.test({
    name: `${label}: fish -n accepts the fish script`,
    ignore: !(await which("fish")), // skipped without fish: `apt-get install fish`
    fn: async () => {
      await withScript(completionScript("fish", make()), async (path) => {
        const result = await run("fish", ["-n", path]);
        assert.equal(result.code, 0, result.stderr);
      });
    },
  });

  Deno.test(`${label}: the PowerShell script is well formed and registers a completer`, () => {
    const program = make();
    const script = completionScript("powershell", program);
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

/** Sources the bash script and completes `words` (the last is the word under the cursor). */
async function bashComplete(script: string, words: string[], cwd?: string): Promise<string[]> {
  return await withScript(script, async (path) => {
    const quoted = words.map((w) => `'${w.replaceAll("'", `'\\''`)}'`).join(" ");
    const program = [
      `source "$1"`,
      `COMP_WORDS=(${quoted})`,
      `COMP_CWORD=${words.length - 1}`,
      `COMP_LINE="\${COMP_WORDS[*]}"`,
      `COMP_POINT=\${#COMP_LINE}`,
      `fn=$(complete -p ${words[0]} | sed -E 's/.*-F ([^ ]+).*/\\1/')`,
      `"$fn"`,
      `printf '%s\\n' "\${COMPREPLY[@]}"`,
    ].join("\n");
    const result = await run("bash", ["-c", program, "bash", path], cwd);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.split("\n").filter((line) => line !== "").sort();
  });
}

Deno.test({
  name: "bash completion, exercised: commands, options, values, nesting, files",
  ignore: !hasBash,
}, async () => {
  const script = completionScript("bash", demoProgram());
  assert.deepEqual(await bashComplete(script, ["demo", ""]), [
    "completions",
    "help",
    "locks",
    "ls",
    "message",
    "remote",
    "sessions",
  ]);
  assert.deepEqual(await bashComplete(script, ["demo", "se"]), ["sessions"]);
  assert.deepEqual(await bashComplete(script, ["demo", "--"]), ["--help", "--version"]);
  assert.deepEqual(await bashComplete(script, ["demo", "sessions", "--"]), [
    "--help",
    "--json",
    "--server",
  ]);
  // The alias leads to the same command.
  assert.deepEqual(await bashComplete(script, ["demo", "ls", "--j"]), ["--json"]);
  // An option value is not taken for a command: "locks" here is the server's name.
  assert.deepEqual(await bashComplete(script, ["demo", "sessions", "-s", "locks", "--j"]), [
    "--json",
  ]);
  assert.deepEqual(await bashComplete(script, ["demo", "sessions", "--server", ""]), []);
  assert.deepEqual(await bashComplete(script, ["demo", "message", "1", "--icon", "w"]), [
    "warning",
  ]);
  assert.deepEqual(await bashComplete(script, ["demo", "completions", ""]), [...SHELLS].sort());
  assert.deepEqual(await bashComplete(script, ["demo", "completions", "f"]), ["fish"]);
  assert.deepEqual(await bashComplete(script, ["demo", "remote", ""]), ["add", "help", "remove"]);
  assert.deepEqual(await bashComplete(script, ["demo", "remote", "remove", "-"]), [
    "--force",
    "--help",
    "-h",
  ]);
  assert.deepEqual(await bashComplete(script, ["demo", "help", "lo"]), ["locks"]);

  const folder = await Deno.makeTempDir({ prefix: "winsession-completion-" });
  try {
    await Deno.writeTextFile(`${folder}/update.msi`, "");
    await Deno.writeTextFile(`${folder}/readme.txt`, "");
    assert.deepEqual(await bashComplete(script, ["demo", "locks", "up"], folder), ["update.msi"]);
    assert.deepEqual(await bashComplete(script, ["demo", "locks", "a", "re"], folder), [
      "readme.txt",
    ]);
    assert.deepEqual(await bashComplete(script, ["demo", "locks", "--output", "u"], folder), [
      "update.msi",
    ]);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test({
  name: "bash completion of the real program offers every command",
  ignore: !hasBash,
}, async () => {
  const program = realProgram();
  const tree = describeCommandTree(program);
  const offered = await bashComplete(completionScript("bash", program), ["winsession", ""]);
  const expected = tree.commands.flatMap((c) => [c.name, ...c.aliases]).sort();
  assert.deepEqual(offered, expected);
  for (const command of tree.commands) {
    const flags = await bashComplete(completionScript("bash", program), [
      "winsession",
      command.name,
      "--",
    ]);
    assert.deepEqual(flags, longOptions(command).sort(), command.name);
  }
});

Deno.test("winsession completions <shell> prints the script built from the full tree", async () => {
  for (const shell of SHELLS) {
    const io = recordingIO();
    assert.equal(await main(["completions", shell], io), ExitCode.Ok, io.stderr);
    assert.equal(io.stdout, completionScript(shell as Shell, realProgram()));
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

Deno.test({
  name: "fish completion, exercised with complete -C: commands, options, values, nesting",
  ignore: !(await which("fish")), // skipped without fish: `apt-get install fish`
  fn: async () => {
    await withScript(completionScript("fish", demoProgram()), async (path) => {
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
