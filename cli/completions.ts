/**
 * Shell completions. Being written: see issue 5.
 *
 * @module
 */
import type { Command } from "./commander.ts";
import type { CliContext } from "./common.ts";

/** Adds the `completions` command to `program`. */
export function registerCompletionCommand(_program: Command, _context: CliContext): void {}
