/**
 * Restart Manager commands (locks, release). Being written: see issue 4.
 *
 * @module
 */
import type { Command } from "./commander.ts";
import type { CliContext } from "./common.ts";

/** Adds the Restart Manager commands to `program`. */
export function registerRestartManagerCommands(_program: Command, _context: CliContext): void {}
