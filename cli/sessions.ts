/**
 * Session commands (sessions, session, disconnect, logoff, message, processes, kill, watch,
 * servers). Being written: see issue 3.
 *
 * @module
 */
import type { Command } from "./commander.ts";
import type { CliContext } from "./common.ts";

/** Adds the session commands to `program`. */
export function registerSessionCommands(_program: Command, _context: CliContext): void {}
