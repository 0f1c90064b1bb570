import assert from "node:assert/strict";

import { CommanderError } from "./commander.ts";
import { ExitCode } from "./common.ts";
import { describeFailure } from "./_failure.ts";
import { buildProgram, COMMANDS, main, rootHelp, VERSION } from "./main.ts";
import { helpWidth } from "./_root_help.ts";
import { recordingIO } from "./_testing.ts";

const context = () => ({ io: recordingIO(), exitCode: ExitCode.Ok });

Deno.test("COMMANDS lists what the modules register: names, order, terms and summaries", async () => {
  const program = await buildProgram(context());
  const help = program.createHelp();
  assert.deepEqual(
    program.commands.map((command) => ({
      name: command.name(),
      term: help.subcommandTerm(command),
      summary: command.description(),
    })),
    COMMANDS.map(({ name, term, summary }) => ({ name, term, summary })),
  );
});

Deno.test("buildProgram(name) registers only the commands of that name's module", async () => {
  for (const entry of COMMANDS) {
    const program = await buildProgram(context(), entry.name);
    const names = program.commands.map((command) => command.name());
    const expected = entry.module === "completions"
      ? COMMANDS.map((command) => command.name) // its script describes the whole tree
      : COMMANDS.filter((command) => command.module === entry.module).map((c) => c.name);
    assert.deepEqual(names, expected, entry.name);
  }
});

Deno.test("rootHelp is commander's root help, byte for byte, at every width", async () => {
  const program = await buildProgram(context());
  for (const width of [20, 39, 40, 60, 79, 80, 81, 100, 132, 250]) {
    program.configureOutput({ getOutHelpWidth: () => width });
    assert.equal(rootHelp(width), program.helpInformation(), `width ${width}`);
  }
});

Deno.test("main: --help, -h and help print the root help to stdout; no command to stderr", async () => {
  for (const args of [["--help"], ["-h"], ["help"]]) {
    const io = recordingIO();
    assert.equal(await main(args, io), ExitCode.Ok);
    assert.equal(io.stdout, rootHelp(helpWidth(Deno.stdout)));
    assert.equal(io.stderr, "");
  }
  const io = recordingIO();
  assert.equal(await main([], io), ExitCode.Usage);
  assert.equal(io.stdout, "");
  assert.equal(io.stderr, rootHelp(helpWidth(Deno.stderr)));
});

Deno.test("main: --version and -V print the version", async () => {
  for (const flag of ["--version", "-V"]) {
    const io = recordingIO();
    assert.equal(await main([flag], io), ExitCode.Ok);
    assert.equal(io.stdout, `${VERSION}\n`);
  }
});

/** What the whole tree, every module registered (the old eager `main`), answers to `args`. */
async function eager(args: string[]) {
  const io = recordingIO();
  const run = { io, exitCode: ExitCode.Ok as number };
  const program = await buildProgram(run);
  let code: number;
  try {
    await program.parseAsync(args, { from: "user" });
    code = run.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      code = error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    } else {
      const failure = describeFailure(error);
      io.err(`winsession: ${failure.message}\n`);
      code = failure.exitCode;
    }
  }
  return { code, stdout: io.stdout, stderr: io.stderr };
}

Deno.test("main answers as the whole tree does, whichever word comes first", async () => {
  const cases = [
    ["help", "locks"],
    ["locks", "--help"],
    ["-h", "locks"],
    ["--", "locks", "-h"],
    ["help", "completions"],
    ["kill", "--help"],
    ["logoff", "--bogus"],
    ["help", "bogus"],
    ["-V", "locks"],
    ["sesions"],
    ["--bogus"],
    ["completions", "bash"],
  ];
  for (const args of cases) {
    const io = recordingIO();
    const code = await main(args, io);
    assert.deepEqual(
      { code, stdout: io.stdout, stderr: io.stderr },
      await eager(args),
      args.join(" "),
    );
  }
});

Deno.test("main: an unknown command or root option is a usage error with a suggestion", async () => {
  const io = recordingIO();
  assert.equal(await main(["sesions"], io), ExitCode.Usage);
  assert.match(io.stderr, /unknown command 'sesions'\n\(Did you mean sessions\?\)/);
  const option = recordingIO();
  assert.equal(await main(["--bogus"], option), ExitCode.Usage);
  assert.match(option.stderr, /unknown option '--bogus'/);
});

Deno.test("main: a subcommand's --help needs no environment permission beyond the compiled binary's", async () => {
  // `deno task compile` grants --allow-env=NO_COLOR only; commander's own
  // colour check read FORCE_COLOR/CLICOLOR_FORCE and failed with exit 4.
  const child = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-ffi",
      "--allow-read",
      "--allow-env=NO_COLOR",
      new URL("./main.ts", import.meta.url).href,
      "locks",
      "--help",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  assert.equal(child.code, 0, decoder.decode(child.stderr));
  assert.match(decoder.decode(child.stdout), /^Usage: winsession locks/);
});

Deno.test("every command module is in main.ts's module graph, as `deno compile` bundles it", async () => {
  // Dynamic imports with literal specifiers are part of the graph `deno compile` embeds; `deno
  // info` prints that graph (the compiled binary itself cannot be built without dl.deno.land).
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL("./main.ts", import.meta.url).href],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(child.code, 0, new TextDecoder().decode(child.stderr));
  const graph = JSON.parse(new TextDecoder().decode(child.stdout)) as {
    modules: { specifier: string }[];
  };
  const files = new Set(graph.modules.map((module) => module.specifier));
  for (
    const name of [
      "sessions",
      "session",
      "session_actions",
      "message",
      "processes",
      "watch",
      "servers",
      "locks",
      "release",
      "completions",
      "commander",
    ]
  ) {
    assert.ok(files.has(new URL(`./${name}.ts`, import.meta.url).href), name);
  }
});
