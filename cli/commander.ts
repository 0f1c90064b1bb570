/**
 * The one place the CLI names its command-line framework, pinned, as a full `npm:` specifier
 * (import maps do not travel with modules imported by URL).
 *
 * @module
 */
export {
  Command,
  CommanderError,
  InvalidArgumentError,
  Option,
} from "npm:@commander-js/extra-typings@15.1.0";
