/**
 * `winsession servers`: the Remote Desktop servers of a domain (WTSEnumerateServersW), one
 * name a line or JSON.
 *
 * @module
 */

import type { Command } from "./commander.ts";
import { type CliContext, printJson } from "./common.ts";
import { listServers } from "../mod.ts";

/** Adds `servers` to `program`. */
export function registerServersCommand(program: Command, context: CliContext): void {
  const { io } = context;
  program.command("servers")
    .description("List Remote Desktop servers in a domain")
    .argument("[domain]", "the domain (default: the current one)")
    .option("--json", "print JSON: [{ name }]")
    .addHelpText(
      "after",
      `
Examples:
  winsession servers
  winsession servers CONTOSO --json`,
    )
    .action(async (domain, options) => {
      const names = await listServers(domain);
      if (options.json) printJson(io, names.map((name) => ({ name })));
      else io.out(names.map((name) => name + "\n").join(""));
    });
}
