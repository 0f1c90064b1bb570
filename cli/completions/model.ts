/**
 * Shell completions for bash, zsh, fish and PowerShell, generated from the command tree itself
 * (commands, aliases, options with their short and long flags and whether they take a value,
 * arguments and their choices), so a new command or option is completed without touching this
 * file.
 *
 * `winsession completions <shell>` prints the script; the install line for each shell is in its
 * `--help`.
 *
 * @example Print the bash script for a program
 * ```ts ignore
 * import { Command } from "../commander.ts";
 * import { completionScript } from "./completions.ts";
 * const program = new Command().name("demo").option("--json", "print JSON");
 * console.log(completionScript("bash", program));
 * ```
 *
 * @module
 */
import type { Command } from "../commander.ts";
import type { CliContext } from "../common.ts";

/** The shells `winsession completions` writes scripts for. */
export const SHELLS = ["bash", "zsh", "fish", "powershell"] as const;

/** One of {@linkcode SHELLS}. */
export type Shell = typeof SHELLS[number];

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

/**
 * Reads the completion model out of a commander program: every visible command, option and
 * argument, recursively. Hidden commands and options are left out, as `--help` leaves them out.
 *
 * @example
 * ```ts ignore
 * import { Command } from "../commander.ts";
 * const tree = describeCommandTree(new Command().name("demo").command("list").option("--json"));
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

/**
 * The completion script for `shell`, generated from `program`'s command tree.
 *
 * @example
 * ```ts ignore
 * import { Command } from "../commander.ts";
 * const script = completionScript("fish", new Command().name("demo").option("--json"));
 * ```
 */
export function completionScript(shell: Shell, program: Command): string {
  const tree = describeCommandTree(program);
  switch (shell) {
    case "bash":
      return bashScript(tree);
    case "zsh":
      return zshScript(tree);
    case "fish":
      return fishScript(tree);
    case "powershell":
      return powershellScript(tree);
  }
}

/** The line a user adds to the shell's startup file to load the completions. */
export function installLine(shell: Shell, programName = "winsession"): string {
  switch (shell) {
    case "bash":
      return `source <(${programName} completions bash)          # in ~/.bashrc`;
    case "zsh":
      return `source <(${programName} completions zsh)           # in ~/.zshrc, after compinit`;
    case "fish":
      return `${programName} completions fish > ~/.config/fish/completions/${programName}.fish`;
    case "powershell":
      return `${programName} completions powershell | Out-String | Invoke-Expression   # in $PROFILE`;
  }
}

/**
 * Adds `completions <shell>` to `program`. The script is built when the command runs, from the
 * tree `program` has then, so commands registered after this one are completed too.
 *
 * @example
 * ```ts ignore
 * import { Command } from "../commander.ts";
 * import { ExitCode } from "../common.ts";
 * const program = new Command().name("demo");
 * registerCompletionCommand(program, { io: myIO, exitCode: ExitCode.Ok });
 * ```
 */
export function registerCompletionCommand(program: Command, context: CliContext): void {
  const name = program.name() || "winsession";
  const shell = program.createArgument("<shell>", `one of: ${SHELLS.join(", ")}`)
    .choices(SHELLS);
  program
    .command("completions")
    .description("Print the shell completion script for bash, zsh, fish or PowerShell.")
    .addArgument(shell)
    .addHelpText(
      "after",
      "\nInstall:\n" + SHELLS.map((s) => `  ${s.padEnd(10)} ${installLine(s, name)}`).join("\n") +
        "\n",
    )
    .action((chosen) => {
      context.io.out(completionScript(chosen, program));
    });
}

// ---- shared helpers ---------------------------------------------------------------------------

/** A shell word safe in single quotes (bash, zsh, fish: close, escaped quote, reopen). */
function sq(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A single-quoted word for fish, where only `\` and `'` are special inside single quotes. */
function fishQuote(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/** A PowerShell single-quoted string (a quote is doubled). */
function psQuote(text: string): string {
  return `'${text.replace(/['\u2018\u2019\u201a\u201b]/g, "$&$&")}'`;
}

function identifier(text: string): string {
  return text.replace(/[^A-Za-z0-9]/g, "_");
}

/** (parent key, word) → child key, aliases included. */
function childEntries(all: CompletionCommand[]): [string, string, string][] {
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

// ---- bash -------------------------------------------------------------------------------------

function bashScript(root: CompletionCommand): string {
  const fn = `_${identifier(root.name)}_complete`;
  const all = flattenCommandTree(root);
  const lines: string[] = [];
  lines.push(
    `# bash completion for ${root.name}; generated by \`${root.name} completions bash\`.`,
    `# Load it with: ${installLine("bash", root.name)}`,
    `${fn}() {`,
    `  local cur="\${COMP_WORDS[COMP_CWORD]}" key=/ word i skip=0 positional=0`,
    `  COMPREPLY=()`,
    `  # Walk the words before the cursor: descend into subcommands, skip option values.`,
    `  for ((i = 1; i < COMP_CWORD; i++)); do`,
    `    word="\${COMP_WORDS[i]}"`,
    `    if ((skip)); then skip=0; continue; fi`,
    `    case "$word" in`,
    `      --*=*) continue ;;`,
    `      -*)`,
    `        case "$key $word" in`,
  );
  const valueOptions = all.flatMap((command) =>
    command.options.filter((option) => option.takesValue).flatMap((option) =>
      option.flags.map((flag) => `${command.key} ${flag}`)
    )
  );
  if (valueOptions.length > 0) {
    lines.push(`          ${valueOptions.map(sq).join("|")}) skip=1 ;;`);
  }
  lines.push(
    `        esac`,
    `        continue ;;`,
    `    esac`,
    `    case "$key $word" in`,
  );
  for (const [parent, word, child] of childEntries(all)) {
    lines.push(`      ${sq(`${parent} ${word}`)}) key=${sq(child)}; positional=0; continue ;;`);
  }
  lines.push(
    `    esac`,
    `    positional=$((positional + 1))`,
    `  done`,
    `  # The value of an option that takes one.`,
    `  if ((skip)); then`,
    `    case "$key \${COMP_WORDS[COMP_CWORD - 1]}" in`,
  );
  for (const command of all) {
    for (const option of command.options.filter((o) => o.takesValue)) {
      const pattern = option.flags.map((flag) => sq(`${command.key} ${flag}`)).join("|");
      lines.push(`      ${pattern}) ${bashValue(option.value, command, root)} ;;`);
    }
  }
  lines.push(
    `    esac`,
    `    return 0`,
    `  fi`,
    `  if [[ "$cur" == -* ]]; then`,
    `    case "$key" in`,
  );
  for (const command of all) {
    const flags = command.options.flatMap((option) => option.flags);
    lines.push(
      `      ${sq(command.key)}) COMPREPLY=($(compgen -W ${sq(flags.join(" "))} -- "$cur")) ;;`,
    );
  }
  lines.push(
    `    esac`,
    `    return 0`,
    `  fi`,
    `  case "$key" in`,
  );
  for (const command of all) {
    if (command.commands.length > 0) {
      const words = command.commands.flatMap((child) => [child.name, ...child.aliases]);
      lines.push(
        `    ${sq(command.key)}) COMPREPLY=($(compgen -W ${sq(words.join(" "))} -- "$cur")) ;;`,
      );
    } else if (command.arguments.length > 0) {
      lines.push(`    ${sq(command.key)})`, `      case "$positional" in`);
      command.arguments.forEach((argument, index) => {
        const last = index === command.arguments.length - 1;
        const pattern = last && argument.variadic ? "*" : String(index);
        lines.push(`        ${pattern}) ${bashValue(argument.value, command, root)} ;;`);
      });
      lines.push(`      esac ;;`);
    }
  }
  lines.push(
    `  esac`,
    `  return 0`,
    `}`,
    `complete -F ${fn} ${root.name} ${root.name}.exe`,
    ``,
  );
  return lines.join("\n");
}

function bashValue(
  value: ValueCompletion,
  command: CompletionCommand,
  root: CompletionCommand,
): string {
  switch (value.kind) {
    case "choices":
      return `COMPREPLY=($(compgen -W ${sq(value.choices.join(" "))} -- "$cur"))`;
    case "files":
      return `compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur"))`;
    case "commands": {
      const parent = parentOf(command, root);
      const words = parent.commands.map((child) => child.name);
      return `COMPREPLY=($(compgen -W ${sq(words.join(" "))} -- "$cur"))`;
    }
    case "none":
      return `COMPREPLY=()`;
  }
}

function parentOf(command: CompletionCommand, root: CompletionCommand): CompletionCommand {
  return flattenCommandTree(root).find((candidate) => candidate.commands.includes(command)) ?? root;
}

// ---- zsh --------------------------------------------------------------------------------------

/** Escapes text for the `[description]` and `:message:` parts of an `_arguments` spec. */
function zshDescription(text: string): string {
  return text.replace(/([\\\[\]:])/g, "\\$1");
}

function zshAction(value: ValueCompletion, command: CompletionCommand, root: CompletionCommand) {
  switch (value.kind) {
    case "choices":
      return `(${value.choices.map((choice) => choice.replace(/([\s()\\])/g, "\\$1")).join(" ")})`;
    case "files":
      return "_files";
    case "commands":
      return `(${parentOf(command, root).commands.map((child) => child.name).join(" ")})`;
    case "none":
      return " ";
  }
}

function zshFunctionName(root: CompletionCommand, command: CompletionCommand): string {
  return `_${identifier(root.name)}${identifier(command.key.replace(/\/$/, ""))}`;
}

function zshScript(root: CompletionCommand): string {
  const lines: string[] = [
    `#compdef ${root.name} ${root.name}.exe`,
    `# zsh completion for ${root.name}; generated by \`${root.name} completions zsh\`.`,
    `# Load it with: ${installLine("zsh", root.name)}`,
    `# or save it as _${root.name} in a directory of $fpath.`,
    ``,
  ];
  for (const command of flattenCommandTree(root)) {
    const name = zshFunctionName(root, command);
    const specs: string[] = [];
    for (const option of command.options) {
      const description = `[${zshDescription(option.description)}]`;
      const value = option.takesValue
        ? `:${zshDescription(option.long?.replace(/^--/, "") ?? "value")}:${
          zshAction(option.value, command, root)
        }`
        : "";
      const suffix = option.takesValue ? "=" : "";
      if (option.flags.length > 1) {
        const group = `(${option.flags.join(" ")})`;
        const braces = `{${option.flags.map((f) => f + suffix).join(",")}}`;
        specs.push(`${sq(group)}${braces}${sq(description + value)}`);
      } else {
        specs.push(sq(`${option.flags[0]}${suffix}${description}${value}`));
      }
    }
    if (command.commands.length > 0) {
      specs.push(sq(`1: :${name}_commands`), sq("*:: :->command"));
    } else {
      command.arguments.forEach((argument, index) => {
        const position = argument.variadic ? "*" : String(index + 1);
        specs.push(
          sq(
            `${position}:${zshDescription(argument.name)}:${
              zshAction(argument.value, command, root)
            }`,
          ),
        );
      });
    }
    lines.push(`${name}() {`);
    lines.push(`  local curcontext="$curcontext" state line ret=1`);
    lines.push(`  typeset -A opt_args`);
    lines.push(`  _arguments -C -s \\`);
    for (const spec of specs) lines.push(`    ${spec} \\`);
    lines.push(`    && ret=0`);
    if (command.commands.length > 0) {
      lines.push(`  case $state in`, `    command)`, `      case $words[1] in`);
      for (const child of command.commands) {
        const pattern = [child.name, ...child.aliases].map(sq).join("|");
        lines.push(`        ${pattern}) ${zshFunctionName(root, child)} && ret=0 ;;`);
      }
      lines.push(`      esac ;;`, `  esac`);
    }
    lines.push(`  return ret`, `}`, ``);
    if (command.commands.length > 0) {
      lines.push(`${name}_commands() {`, `  local -a commands=(`);
      for (const child of command.commands) {
        for (const word of [child.name, ...child.aliases]) {
          lines.push(`    ${sq(`${word.replaceAll(":", "\\:")}:${child.description}`)}`);
        }
      }
      lines.push(`  )`, `  _describe -t commands 'command' commands`, `}`, ``);
    }
  }
  const main = zshFunctionName(root, root);
  lines.push(
    `if [ "$funcstack[1]" = "${main}" ]; then`,
    `  ${main} "$@"`,
    `else`,
    `  compdef ${main} ${root.name} ${root.name}.exe`,
    `fi`,
    ``,
  );
  return lines.join("\n");
}

// ---- fish -------------------------------------------------------------------------------------

function fishScript(root: CompletionCommand): string {
  const all = flattenCommandTree(root);
  const prefix = `__${identifier(root.name)}`;
  const valueOptions = all.flatMap((command) =>
    command.options.filter((option) => option.takesValue).flatMap((option) =>
      option.flags.map((flag) => `${command.key}|${flag}`)
    )
  );
  const children = childEntries(all);
  const lines: string[] = [
    `# fish completion for ${root.name}; generated by \`${root.name} completions fish\`.`,
    `# Install it with: ${installLine("fish", root.name)}`,
    ``,
    `# Prints where the command line is in the command tree ("/", "/locks/") by walking the`,
    `# words before the cursor: subcommands descend, option values are skipped.`,
    `function ${prefix}_key`,
    `    set -l value_options ${valueOptions.map(fishQuote).join(" ")}`,
    `    set -l child_words ${children.map(([p, w]) => fishQuote(`${p}|${w}`)).join(" ")}`,
    `    set -l child_keys ${children.map(([, , c]) => fishQuote(c)).join(" ")}`,
    `    set -l key /`,
    `    set -l skip 0`,
    `    for word in (commandline -opc)[2..-1]`,
    `        if test $skip = 1`,
    `            set skip 0`,
    `            continue`,
    `        end`,
    `        switch $word`,
    `            case '--*=*'`,
    `                continue`,
    `            case '-*'`,
    `                if contains -- "$key|$word" $value_options`,
    `                    set skip 1`,
    `                end`,
    `                continue`,
    `        end`,
    `        set -l index (contains -i -- "$key|$word" $child_words)`,
    `        and set key $child_keys[$index]`,
    `    end`,
    `    echo $key`,
    `end`,
    ``,
    `function ${prefix}_at`,
    `    test (${prefix}_key) = $argv[1]`,
    `end`,
    ``,
    `complete -c ${root.name} -f`,
  ];
  for (const command of all) {
    const condition = `-n ${fishQuote(`${prefix}_at ${command.key}`)}`;
    for (const child of command.commands) {
      for (const word of [child.name, ...child.aliases]) {
        lines.push(
          `complete -c ${root.name} ${condition} -a ${fishQuote(word)} -d ${
            fishQuote(child.description)
          }`,
        );
      }
    }
    for (const option of command.options) {
      const parts = [`complete -c ${root.name}`, condition];
      for (const flag of option.flags) {
        if (/^-[^-]$/.test(flag)) parts.push(`-s ${flag.slice(1)}`);
        else if (flag.startsWith("--")) parts.push(`-l ${fishQuote(flag.slice(2))}`);
        else parts.push(`-o ${fishQuote(flag.slice(1))}`);
      }
      if (option.takesValue) parts.push(fishValue(option.value, command, root));
      parts.push(`-d ${fishQuote(option.description)}`);
      lines.push(parts.join(" "));
    }
    if (command.commands.length === 0) {
      const seen = new Set<string>();
      for (const argument of command.arguments) {
        const value = fishValue(argument.value, command, root);
        if (seen.has(value)) continue;
        seen.add(value);
        if (argument.value.kind !== "none") {
          lines.push(`complete -c ${root.name} ${condition} ${value}`);
        }
      }
    }
  }
  lines.push(``);
  return lines.join("\n");
}

function fishValue(value: ValueCompletion, command: CompletionCommand, root: CompletionCommand) {
  switch (value.kind) {
    case "choices":
      return `-x -a ${fishQuote(value.choices.join(" "))}`;
    case "files":
      return `-r -F`;
    case "commands":
      return `-x -a ${fishQuote(parentOf(command, root).commands.map((c) => c.name).join(" "))}`;
    case "none":
      return `-x`;
  }
}

// ---- PowerShell -------------------------------------------------------------------------------

function psValue(value: ValueCompletion, command: CompletionCommand, root: CompletionCommand) {
  switch (value.kind) {
    case "choices":
      return `@(${value.choices.map(psQuote).join(", ")})`;
    case "commands":
      return `@(${parentOf(command, root).commands.map((c) => psQuote(c.name)).join(", ")})`;
    case "files":
      return `'<files>'`;
    case "none":
      return `@()`;
  }
}

function powershellScript(root: CompletionCommand): string {
  const all = flattenCommandTree(root);
  const lines: string[] = [
    `# PowerShell completion for ${root.name}; generated by \`${root.name} completions powershell\`.`,
    `# Load it with: ${installLine("powershell", root.name)}`,
    `Register-ArgumentCompleter -Native -CommandName ${psQuote(root.name)}, ${
      psQuote(`${root.name}.exe`)
    } -ScriptBlock {`,
    `    param($wordToComplete, $commandAst, $cursorPosition)`,
    ``,
    `    # Where each subcommand word leads: "<parent key>|<word>" -> child key.`,
    `    $children = @{`,
  ];
  for (const [parent, word, child] of childEntries(all)) {
    lines.push(`        ${psQuote(`${parent}|${word}`)} = ${psQuote(child)}`);
  }
  lines.push(`    }`, `    # Subcommands offered at each key.`, `    $commands = @{`);
  for (const command of all) {
    const entries = command.commands.map((child) =>
      `[pscustomobject]@{ Name = ${psQuote(child.name)}; Description = ${
        psQuote(child.description || child.name)
      } }`
    );
    lines.push(`        ${psQuote(command.key)} = @(`);
    for (const entry of entries) lines.push(`            ${entry}`);
    lines.push(`        )`);
  }
  lines.push(`    }`, `    # Options of each command; Values is '<files>' or the words to offer.`);
  lines.push(`    $options = @{`);
  for (const command of all) {
    lines.push(`        ${psQuote(command.key)} = @(`);
    for (const option of command.options) {
      lines.push(
        `            [pscustomobject]@{ Flags = @(${option.flags.map(psQuote).join(", ")}); ` +
          `TakesValue = $${option.takesValue}; Values = ${psValue(option.value, command, root)}; ` +
          `Description = ${psQuote(option.description || option.flags.join(", "))} }`,
      );
    }
    lines.push(`        )`);
  }
  lines.push(`    }`, `    # Positional arguments of each command.`, `    $arguments = @{`);
  for (const command of all) {
    lines.push(`        ${psQuote(command.key)} = @(`);
    for (const argument of command.arguments) {
      lines.push(
        `            [pscustomobject]@{ Name = ${
          psQuote(argument.name)
        }; Variadic = $${argument.variadic}; ` +
          `Values = ${psValue(argument.value, command, root)} }`,
      );
    }
    lines.push(`        )`);
  }
  lines.push(
    `    }`,
    ``,
    `    # The words before the one being completed (the first is the program itself).`,
    `    $words = @($commandAst.CommandElements |`,
    `        Where-Object { $_.Extent.StartOffset -lt $cursorPosition } |`,
    `        ForEach-Object { $_.Extent.Text })`,
    `    if ($wordToComplete -ne '') {`,
    `        if ($words.Count -gt 1) { $words = @($words[0..($words.Count - 2)]) } else { $words = @() }`,
    `    }`,
    `    $key = '/'`,
    `    $valueOf = $null`,
    `    $positional = 0`,
    `    for ($i = 1; $i -lt $words.Count; $i++) {`,
    `        $word = $words[$i]`,
    `        if ($null -ne $valueOf) { $valueOf = $null; continue }`,
    `        if ($word -like '--*=*') { continue }`,
    `        if ($word.StartsWith('-')) {`,
    `            $option = @($options[$key] | Where-Object { $_.Flags -ccontains $word })[0]`,
    `            if ($null -ne $option -and $option.TakesValue) { $valueOf = $option }`,
    `            continue`,
    `        }`,
    `        $next = $children["$key|$word"]`,
    `        if ($null -ne $next) { $key = $next; $positional = 0; continue }`,
    `        $positional++`,
    `    }`,
    ``,
    `    $offer = {`,
    `        param($values, $type)`,
    `        if ($values -is [string] -and $values -eq '<files>') { return }`,
    `        foreach ($value in @($values)) {`,
    `            if ($value -like "$wordToComplete*") {`,
    `                [System.Management.Automation.CompletionResult]::new($value, $value, $type, $value)`,
    `            }`,
    `        }`,
    `    }`,
    `    if ($null -ne $valueOf) { & $offer $valueOf.Values 'ParameterValue'; return }`,
    `    if ($wordToComplete.StartsWith('-')) {`,
    `        foreach ($option in $options[$key]) {`,
    `            foreach ($flag in $option.Flags) {`,
    `                if ($flag -clike "$wordToComplete*") {`,
    `                    [System.Management.Automation.CompletionResult]::new($flag, $flag, 'ParameterName', $option.Description)`,
    `                }`,
    `            }`,
    `        }`,
    `        return`,
    `    }`,
    `    if (@($commands[$key]).Count -gt 0) {`,
    `        foreach ($command in $commands[$key]) {`,
    `            if ($command.Name -like "$wordToComplete*") {`,
    `                [System.Management.Automation.CompletionResult]::new($command.Name, $command.Name, 'Command', $command.Description)`,
    `            }`,
    `        }`,
    `        return`,
    `    }`,
    `    $declared = @($arguments[$key])`,
    `    if ($declared.Count -gt 0) {`,
    `        $argument = $declared[[Math]::Min($positional, $declared.Count - 1)]`,
    `        if ($positional -lt $declared.Count -or $argument.Variadic) {`,
    `            & $offer $argument.Values 'ParameterValue'`,
    `        }`,
    `    }`,
    `}`,
    ``,
  );
  return lines.join("\n");
}
