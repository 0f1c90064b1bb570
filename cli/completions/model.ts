/**
 * The completion model the shell generators share: every visible command, alias, option (short
 * and long flags, whether it takes a value, its choices) and positional argument, read from the
 * commander program itself, so a new command or option is completed without touching the
 * generators (one file per shell beside this one, as in Cliffy's completions).
 *
 * @example Read the tree of a small program
 * ```ts
 * import { Command } from "../commander.ts";
 * import { describeCommandTree, flattenCommandTree } from "./model.ts";
 *
 * const program = new Command().name("demo");
 * program.command("list").option("--json", "print JSON");
 * const keys = flattenCommandTree(describeCommandTree(program)).map((command) => command.key);
 * console.log(keys); // [ "/", "/list/", "/help/" ]
 * ```
 *
 * @module
 */
import type { Command } from "../commander.ts";

/** What the completion of a value (an option's or an argument's) offers. */
export type ValueCompletion =
  | { kind: "choices"; choices: string[] }
  | { kind: "files" }
  | { kind: "commands" }
  | { kind: "none" };

/** An option as the completion scripts see it. */
export interface CompletionOption {
  /** Every flag that names the option: `["-s", "--server"]`. */
  flags: string[];
  /** The long flag (`--server`), if the option has one. */
  long?: string;
  /** The one-letter flag (`-s`), if the option has one. */
  short?: string;
  /** Whether the flag is followed by a value (`--server <name>`); optional values count too. */
  takesValue: boolean;
  /** What to complete for the value. */
  value: ValueCompletion;
  /** The help text (first line). */
  description: string;
}

/** A positional argument as the completion scripts see it. */
export interface CompletionArgument {
  /** Its name in the usage line (`path`, `id`). */
  name: string;
  /** Whether it may repeat (`<path...>`). */
  variadic: boolean;
  /** What to complete for it. */
  value: ValueCompletion;
}

/** A command (or the program itself) as the completion scripts see it. */
export interface CompletionCommand {
  /** The command's name (`sessions`); the program's name at the root. */
  name: string;
  /** Other names it answers to. */
  aliases: string[];
  /** Where it sits: `/` for the program, `/locks/` for a command, `/a/b/` below. */
  key: string;
  /** The help text (summary or first line of the description). */
  description: string;
  /** Its visible options, the implicit `--help` included. */
  options: CompletionOption[];
  /** Its positional arguments, in order. */
  arguments: CompletionArgument[];
  /** Its visible subcommands, the implicit `help` command included. */
  commands: CompletionCommand[];
}

/** One shell's generator: the script for a command tree and the line that loads it. */
export interface ShellGenerator {
  /** The completion script for `root` and everything below it. */
  script(root: CompletionCommand): string;
  /** The line a user adds to the shell's startup file to load the script. */
  installLine(programName: string): string;
}

/**
 * Reads the completion model out of a commander program: every visible command, option and
 * argument, recursively. Hidden commands and options are left out, as `--help` leaves them out.
 *
 * @example
 * ```ts
 * import { Command } from "../commander.ts";
 * import { describeCommandTree } from "./model.ts";
 *
 * const program = new Command().name("demo");
 * program.command("list").option("--json", "print JSON");
 * const tree = describeCommandTree(program);
 * console.log(tree.commands[0]?.options.map((option) => option.long)); // [ "--json", "--help" ]
 * ```
 */
export function describeCommandTree(program: Command): CompletionCommand {
  return describe(program as unknown as AnyCommand, "/");
}

/** The structural view of a commander command this module reads (its generics do not matter). */
interface AnyCommand {
  name(): string;
  aliases(): string[];
  summary(): string;
  description(): string;
  readonly registeredArguments: readonly {
    name(): string;
    variadic: boolean;
    argChoices?: string[];
  }[];
  createHelp(): HelpLike;
}
interface HelpLike {
  visibleCommands(command: never): AnyCommand[];
  visibleOptions(command: never): Command["options"][number][];
}

function describe(command: AnyCommand, key: string): CompletionCommand {
  const help = command.createHelp();
  const commands = help.visibleCommands(command as never).map((child) =>
    describe(child, `${key}${child.name()}/`)
  );
  const options = help.visibleOptions(command as never).map((option): CompletionOption => {
    const flags = [option.short, option.long].filter((flag): flag is string => !!flag);
    const takesValue = option.required || option.optional;
    const valueName = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1] ?? "";
    const long = flags.find((flag) => flag.startsWith("--"));
    const short = flags.find((flag) => /^-[^-]$/.test(flag));
    return {
      flags,
      ...(long ? { long } : {}),
      ...(short ? { short } : {}),
      takesValue,
      value: takesValue ? valueCompletion(valueName, option.argChoices) : { kind: "none" },
      description: firstLine(option.description),
    };
  });
  const isHelpCommand = command.name() === "help" && key !== "/" &&
    command.registeredArguments.length === 1 && /command/.test(command.registeredArguments[0]!
      .name());
  const args = command.registeredArguments.map((argument): CompletionArgument => ({
    name: argument.name(),
    variadic: argument.variadic,
    value: isHelpCommand ? { kind: "commands" } : valueCompletion(
      argument.name(),
      argument.argChoices,
    ),
  }));
  return {
    name: command.name(),
    aliases: command.aliases(),
    key,
    description: firstLine(command.summary() || command.description()),
    options,
    arguments: args,
    commands,
  };
}

function valueCompletion(name: string, choices: readonly string[] | undefined): ValueCompletion {
  if (choices && choices.length > 0) return { kind: "choices", choices: [...choices] };
  if (/path|file|dir|folder|output/i.test(name)) return { kind: "files" };
  return { kind: "none" };
}

function firstLine(text: string | undefined): string {
  return (text ?? "").split("\n")[0]!.trim();
}

/** Every command of the tree, the root first, depth first. */
export function flattenCommandTree(root: CompletionCommand): CompletionCommand[] {
  return [root, ...root.commands.flatMap(flattenCommandTree)];
}

// ---- helpers the generators share ----------------------------------------------------------

/** A shell word safe in single quotes (bash, zsh: close, escaped quote, reopen). */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** `text` with every character a shell function name cannot hold replaced by `_`. */
export function identifier(text: string): string {
  return text.replace(/[^A-Za-z0-9]/g, "_");
}

/** (parent key, word) → child key, aliases included. */
export function childEntries(all: CompletionCommand[]): [string, string, string][] {
  return all.flatMap((command) =>
    command.commands.flatMap((child) =>
      [child.name, ...child.aliases].map((word): [string, string, string] => [
        command.key,
        word,
        child.key,
      ])
    )
  );
}

/** The command `command` is a subcommand of (the root for the root). */
export function parentOf(command: CompletionCommand, root: CompletionCommand): CompletionCommand {
  return flattenCommandTree(root).find((candidate) => candidate.commands.includes(command)) ?? root;
}
