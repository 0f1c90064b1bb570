/**
 * One child process for the tests that run `deno` (or an installed shim) as a whole program:
 * its exit code and its output as text. Shared by the package, URL-import, install and bundle
 * tests, which each wrote this out before.
 *
 * @module
 */

/** What a finished child printed and how it exited. */
export interface Run {
  /** The exit code. */
  code: number;
  /** Standard output, as text. */
  stdout: string;
  /** Standard error, as text. */
  stderr: string;
}

/**
 * Runs `program args` to the end with stdout and stderr piped, and gives their text.
 *
 * @example
 * ```ts ignore
 * import { runProgram } from "./_run.ts";
 * const { code, stdout } = await runProgram(Deno.execPath(), ["--version"]);
 * ```
 *
 * @param program The program (`Deno.execPath()` for deno itself).
 * @param args Its arguments.
 * @param options Its working folder and environment (added to the inherited one).
 * @returns The exit code and the output.
 */
export async function runProgram(
  program: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const output = await new Deno.Command(program, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
