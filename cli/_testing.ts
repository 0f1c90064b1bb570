/**
 * Test helper for the CLI: a {@linkcode CliIO} that records what a command writes and answers
 * its questions from a script, so commands run in-process against the doubles.
 *
 * @module
 */

import type { CliIO } from "./common.ts";

/** A CliIO that keeps stdout, stderr and the questions asked. */
export interface RecordingIO extends CliIO {
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
  /** The questions asked, in order. */
  questions: string[];
}

/** How the recording terminal behaves. */
export interface RecordingOptions {
  /** Whether a person can answer (stdin is a terminal); default false. */
  interactive?: boolean;
  /** Whether colours are allowed on stdout; default false. */
  color?: boolean;
  /** Whether colours are allowed on stderr (a progress bar's terminal); default false. */
  errColor?: boolean;
  /** The terminal's width (stdout is a terminal); default none (a pipe: full values). */
  columns?: number;
  /** Answers to the questions, in order; `null` = stdin closed. Default: none (null). */
  answers?: (string | null)[];
  /** The working directory commands see; default the process's. */
  cwd?: string;
}

/**
 * Makes a recording terminal.
 *
 * @example
 * ```ts ignore
 * const io = recordingIO({ interactive: true, answers: ["y"] });
 * const code = await main(["disconnect", "2"], io);
 * ```
 */
export function recordingIO(options: RecordingOptions = {}): RecordingIO {
  const answers = [...(options.answers ?? [])];
  const io: RecordingIO = {
    stdout: "",
    stderr: "",
    questions: [],
    interactive: options.interactive ?? false,
    color: options.color ?? false,
    errColor: options.errColor ?? false,
    columns: options.columns,
    out: (text) => void (io.stdout += text),
    err: (text) => void (io.stderr += text),
    ask(question) {
      io.questions.push(question);
      return Promise.resolve(answers.length > 0 ? answers.shift()! : null);
    },
    cwd: () => options.cwd ?? Deno.cwd(),
  };
  return io;
}
