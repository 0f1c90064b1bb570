/**
 * The one place the CLI names its command-line framework, pinned, as a full `npm:` specifier
 * (import maps do not travel with modules imported by URL).
 *
 * Measured for issue 10 point 3 (hyperfine, 40 whole processes each, same run): an empty script
 * 27.5 ms, `npm:commander@15.1.0` 86.0 ms, `npm:@commander-js/extra-typings@15.1.0` 84.4 ms, and
 * a script with only the `node:` imports commander's lib/command.js makes (events, child_process,
 * path, fs, process, util) 85.6 ms. In 15.1.0 both packages are ES modules and extra-typings'
 * runtime is `export * from 'commander'`, so importing the runtime from commander directly would
 * save nothing: the cost is Deno's Node compatibility layer, which those `node:` imports start.
 * That is why main.ts imports this module only when a command runs.
 *
 * @module
 */
export {
  Command,
  CommanderError,
  InvalidArgumentError,
  Option,
} from "npm:@commander-js/extra-typings@15.1.0";
