/**
 * The `winsession completions <shell>` command: prints the completion script for bash, zsh, fish
 * or PowerShell, built from the command tree itself, so a new command or option is completed
 * without touching the generators (`cli/completions/`: the shared model and one file per shell).
 * The install line for each shell is in the command's `--help`.
 *
 * @example Print the bash script for a program
 * ```ts
 * import { Command } from "./commander.ts";
 * import { completionScript } from "./completions.ts";
 *
 * const program = new Command().name("demo").option("--json", "print JSON");
 * console.log(completionScript("bash", program));
 * ```
 *
 * @module
 */
import type { Command } from "./commander.ts";
import type { CliContext } from "./common.ts";
import { bash } from "./completions/bash.ts";
import { fish } from "./completions/fish.ts";
import { describeCommandTree, type ShellGenerator } from "./completions/model.ts";
import { powershell } from "./completions/powershell.ts";
import { zsh } from "./completions/zsh.ts";

/** The shells `winsession completions` writes scripts for. */
export const SHELLS = ["bash", "zsh", "fish", "powershell"] as const;

/** One of {@linkcode SHELLS}. */
export type Shell = typeof SHELLS[number];

const GENERATORS: Record<Shell, ShellGenerator> = { bash, zsh, fish, powershell };

/**
 * The completion script for `shell`, generated from `program`'s command tree.
 *
 * @example
 * ```ts
 * import { Command } from "./commander.ts";
 * import { completionScript } from "./completions.ts";
 *
 * const script = completionScript("fish", new Command().name("demo").option("--json"));
 * ```
 */
export function completionScript(shell: Shell, program: Command): string {
  return GENERATORS[shell].script(describeCommandTree(program));
}

/**
 * The line a user adds to the shell's startup file to load the completions.
 *
 * @example
 * ```ts
 * import { installLine } from "./completions.ts";
 *
 * console.log(installLine("zsh")); // source <(winsession completions zsh) ...
 * ```
 */
export function installLine(shell: Shell, programName = "winsession"): string {
  return GENERATORS[shell].installLine(programName);
}

/**
 * Adds `completions <shell>` to `program`. The script is built when the command runs, from the
 * tree `program` has then, so commands registered after this one are completed too.
 *
 * @example
 * ```ts
 * import { Command } from "./commander.ts";
 * import { denoIO, ExitCode } from "./common.ts";
 * import { registerCompletionCommand } from "./completions.ts";
 *
 * const program = new Command().name("demo");
 * registerCompletionCommand(program, { io: denoIO(), exitCode: ExitCode.Ok });
 * await program.parseAsync(["completions", "fish"], { from: "user" });
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
