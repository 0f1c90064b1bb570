/**
 * The one line and exit code the CLI reports for any thrown value. In a file of its own because
 * it needs the library's error classes: `cli/common.ts` stays free of `mod.ts`, so `--help` and
 * the other answers that call no Windows function never load the library (measured: importing
 * `mod.ts` is the larger part of `--help`'s start-up).
 *
 * @module
 */

import { LibraryLoadError, TargetChangedError, WindowsError } from "../mod.ts";
import { CliError, ExitCode } from "./common.ts";

/** Maps any thrown value to the one line and exit code the CLI reports. */
export function describeFailure(error: unknown): { message: string; exitCode: ExitCode } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof WindowsError) {
    return { message: error.message, exitCode: ExitCode.WindowsError };
  }
  if (error instanceof TargetChangedError) {
    return { message: error.message, exitCode: ExitCode.TargetChanged };
  }
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return { message: error.message, exitCode: ExitCode.Permission };
  }
  if (error instanceof Deno.errors.NotSupported) {
    return { message: error.message, exitCode: ExitCode.Unsupported };
  }
  if (error instanceof LibraryLoadError) {
    return { message: error.message, exitCode: ExitCode.Unsupported };
  }
  if (error instanceof TypeError || error instanceof RangeError) {
    return { message: error.message, exitCode: ExitCode.Usage };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message, exitCode: ExitCode.WindowsError };
}
