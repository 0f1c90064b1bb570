import assert from "node:assert/strict";

import { Command } from "./commander.ts";
import { type HelpItem, renderRootHelp } from "./_root_help.ts";

// The layouts commander's help has to get right, beyond what winsession's own table holds.
const DESCRIPTION = "A description long enough to wrap at narrow widths, with a_very_long_word_" +
  "that_cannot_be_broken_anywhere and\nits own line break.";
const COMMANDS: [string, string][] = [
  ["short", "Fits."],
  ["wrapped", "A command description that is long enough to be wrapped onto several lines."],
  ["preformatted", "Laid out by hand:\n  kept as it is, indentation and all"],
  ["spaced", "Several   spaces   between   words survive   wrapping   where they   fit"],
  ["bare", ""],
];

function commanderProgram(): Command {
  const program = new Command().name("demo").description(DESCRIPTION)
    .version("1.0.0", "-V, --version");
  for (const [name, description] of COMMANDS) program.command(name).description(description);
  return program;
}

function items(program: Command): HelpItem[] {
  const help = program.createHelp();
  return help.visibleCommands(program).map((command) => ({
    term: help.subcommandTerm(command),
    description: help.subcommandDescription(command),
  }));
}

Deno.test("renderRootHelp lays out a root help as commander does, at every width", () => {
  const program = commanderProgram();
  const commands = items(program); // the implicit help command included
  const options = [
    { term: "-V, --version", description: "output the version number" },
    { term: "-h, --help", description: "display help for command" },
  ];
  for (const width of [10, 39, 40, 41, 50, 64, 80, 120, 300]) {
    program.configureOutput({ getOutHelpWidth: () => width });
    const text = renderRootHelp(
      { name: "demo", description: DESCRIPTION, options, commands },
      width,
    );
    assert.equal(text, program.helpInformation(), `width ${width}`);
  }
});
