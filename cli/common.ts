/**
 * What every CLI command shares: exit codes, the I/O seam tests replace, one-line errors,
 * confirmation of destructive actions, argument parsing and table/JSON output.
 *
 * The CLI only parses and formats; behaviour lives in `mod.ts`.
 *
 * @module
 */

/** Process exit codes, documented in the README. */
export const ExitCode = {
  /** Everything asked for was done. */
  Ok: 0,
  /** A Windows call failed; stderr names the Win32 error. */
  WindowsError: 1,
  /** Bad command line: unknown command or option, malformed or out-of-range argument. */
  Usage: 2,
  /** winsession cannot run here: not Windows (and no DLL override), or a library failed to load. */
  Unsupported: 3,
  /** A permission is missing, most often `--allow-ffi`. */
  Permission: 4,
  /** A destructive action was not confirmed: declined at the prompt, or no `--yes` without a TTY. */
  NotConfirmed: 5,
  /** Some servers answered and some failed (multi-server commands). */
  Partial: 6,
  /**
   * The target changed between the confirmation and the act (`disconnect`, `logoff`, `kill`):
   * the session now has another user or logon, the process is another one, or it is gone.
   * Nothing was done.
   */
  TargetChanged: 7,
  /** `locks`: at least one process holds the given paths (so scripts can branch on it). */
  Locked: 10,
  /**
   * `release`: programs are left closed after a shutdown attempt (it failed, was interrupted,
   * or `--restart` could not bring them back); stderr and `--json` name them.
   */
  ProgramsLeftClosed: 11,
  /**
   * `release`: a reboot is needed to replace the files (`ERROR_FAIL_NOACTION_REBOOT`, or reboot
   * reasons after acting), like Inno Setup's `/RESTARTEXITCODE`; the reasons are printed once.
   */
  RebootRequired: 12,
  /**
   * `locks`, `release --dry-run`: no file was checked (the folders hold no file), so the answer
   * "nothing holds them" would mean nothing.
   */
  NothingChecked: 13,
  /** `locks --wait`: the deadline passed and something still holds the paths (printed). */
  WaitTimedOut: 14,
  /** Interrupted (Ctrl+C). */
  Interrupted: 130,
} as const;

/** One of the {@linkcode ExitCode} values. */
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/** A failure the CLI reports as one line and an exit code, without a stack trace. */
export class CliError extends Error {
  /** The process exit code to use. */
  readonly exitCode: ExitCode;
  /** Make a failure with its one-line message and exit code. */
  constructor(message: string, exitCode: ExitCode = ExitCode.Usage) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** Where a command reads and writes: the real terminal, or a recording in tests. */
export interface CliIO {
  /** Writes to standard output (text is written as is; add the newline). */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** Whether a person can answer a prompt (stdin is a terminal). */
  readonly interactive: boolean;
  /** Whether stdout may carry ANSI colours (a terminal, and NO_COLOR unset). */
  readonly color: boolean;
  /**
   * Whether stderr may carry ANSI colours and cursor moves (a terminal, and NO_COLOR unset):
   * what a progress bar, which writes there, must decide by. Absent = false.
   */
  readonly errColor?: boolean;
  /**
   * The terminal's width in columns when stdout is a terminal (`Deno.consoleSize()`), else
   * absent: tables are then fitted to it, and piped output keeps full values.
   */
  readonly columns?: number;
  /** Asks a question on the terminal; `null` when stdin closed. */
  ask(question: string): Promise<string | null>;
  /** Current working directory, for resolving relative paths. */
  cwd(): string;
}

/**
 * What a command gets: where to write, and the exit code to end with when it finishes normally
 * (`locks` sets {@linkcode ExitCode.Locked}, multi-server commands {@linkcode ExitCode.Partial}).
 */
export interface CliContext {
  /** Where the command reads and writes. */
  readonly io: CliIO;
  /** Exit code for a normal finish; starts at {@linkcode ExitCode.Ok}. */
  exitCode: number;
  /**
   * Ends long-running commands (`watch`) cleanly when aborted, as Ctrl+C does; tests abort it
   * instead of sending a signal.
   */
  readonly signal?: AbortSignal;
}

/** The process's own stdin/stdout/stderr. */
export function denoIO(): CliIO {
  const encoder = new TextEncoder();
  const noColor = Deno.permissions.querySync?.({ name: "env", variable: "NO_COLOR" }).state ===
      "granted" && (Deno.env.get("NO_COLOR") ?? "") !== "";
  return {
    out: (text) => void Deno.stdout.writeSync(encoder.encode(text)),
    err: (text) => void Deno.stderr.writeSync(encoder.encode(text)),
    interactive: Deno.stdin.isTerminal(),
    color: Deno.stdout.isTerminal() && !noColor,
    errColor: Deno.stderr.isTerminal() && !noColor,
    get columns() {
      if (!Deno.stdout.isTerminal()) return undefined;
      try {
        return Deno.consoleSize().columns;
      } catch {
        return undefined; // a terminal whose size cannot be read: full values, like a pipe
      }
    },
    ask(question: string): Promise<string | null> {
      return Promise.resolve(prompt(question));
    },
    cwd: () => Deno.cwd(),
  };
}

/**
 * Asks before a destructive action. `--yes` skips the question; without a terminal the action is
 * refused (exit {@linkcode ExitCode.NotConfirmed}) rather than done silently.
 */
export async function confirm(io: CliIO, question: string, yes: boolean | undefined) {
  if (yes) return;
  if (!io.interactive) {
    throw new CliError(
      `refusing to continue without confirmation: ${question} (pass --yes to confirm non-interactively)`,
      ExitCode.NotConfirmed,
    );
  }
  const answer = await io.ask(`${question} [y/N]`);
  if (!answer || !/^y(es)?$/i.test(answer.trim())) {
    throw new CliError("cancelled: nothing was done", ExitCode.NotConfirmed);
  }
}

/** Parses a DWORD id (session id, process id): a decimal integer from 0 to 2^32 − 1. */
export function parseDword(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim())) {
    throw new CliError(`${what} must be a whole number from 0 to 4294967295, got "${text}"`);
  }
  const value = Number(text.trim());
  if (!Number.isSafeInteger(value) || value > 0xffffffff) {
    throw new CliError(`${what} must be a whole number from 0 to 4294967295, got "${text}"`);
  }
  return value;
}

/**
 * Parses a number of seconds ≥ 0 (0 allowed) with the one strict parser,
 * {@linkcode parseSecondsOption}; kept for callers that allow 0.
 */
export function parseSeconds(text: string, what = "seconds"): number {
  return parseSecondsOption(text, what, { allowZero: true });
}

/**
 * The longest delay a timer runs as asked: 2^31 − 1 ms (about 24.8 days). Deno, like browsers,
 * treats a longer delay as 1 ms, so a larger timeout would expire at once.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** What {@linkcode parseSecondsOption} accepts besides a positive decimal number of seconds. */
export interface SecondsLimits {
  /** Accept 0 (for options where it means "never"); default false. */
  allowZero?: boolean;
  /** Accept only whole seconds (options passed to Windows as a DWORD); default false. */
  integer?: boolean;
  /** The largest value; default {@linkcode MAX_TIMER_MS} / 1000 (2147483.647). */
  maxSeconds?: number;
}

/**
 * Parses a seconds option (`--timeout 2.5`) strictly: plain decimal digits only, so `0x10`,
 * `1e3`, `-1`, `Infinity` and `abc` are refused instead of read as JavaScript numbers, and a
 * value whose milliseconds would overflow a timer is refused instead of expiring at once. The
 * message names the option as typed on the command line.
 *
 * @example
 * ```ts ignore
 * parseSecondsOption("2.5", "--timeout"); // 2.5
 * parseSecondsOption("0", "--timeout", { allowZero: true, integer: true }); // 0
 * parseSecondsOption("0x10", "--timeout"); // throws CliError (exit 2)
 * ```
 */
export function parseSecondsOption(
  text: string,
  option: string,
  limits: SecondsLimits = {},
): number {
  const trimmed = text.trim();
  const integer = limits.integer ?? false;
  const max = limits.maxSeconds ?? MAX_TIMER_MS / 1000;
  const min = limits.allowZero ? 0 : integer ? 1 : 0.001;
  const pattern = integer ? /^\d+$/ : /^(\d+(\.\d*)?|\.\d+)$/;
  const value = Number(trimmed);
  if (!pattern.test(trimmed) || value < min || value > max) {
    const kind = integer ? "a whole number of seconds" : "a number of seconds";
    const zero = limits.allowZero ? " (0 = never)" : "";
    throw new CliError(`${option} must be ${kind} from ${min} to ${max}${zero}, got "${text}"`);
  }
  return value;
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Parses a duration option (`--idle 30m`) into milliseconds: one or more whole numbers each with
 * a unit, `s`, `m`, `h` or `d` (`90s`, `2h`, `1d`, `1h30m`; case-insensitive). A bare number is
 * refused rather than guessed (seconds? minutes?), and so are negatives, fractions and values
 * past 100 years; the message names the option as typed.
 *
 * @example
 * ```ts ignore
 * parseDurationOption("1h30m", "--idle"); // 5_400_000
 * parseDurationOption("30", "--idle"); // throws CliError (exit 2): needs a unit
 * ```
 */
export function parseDurationOption(text: string, option: string): number {
  const trimmed = text.trim().toLowerCase();
  const fail = () =>
    new CliError(
      `${option} must be a duration such as 90s, 30m, 2h, 1d or 1h30m (whole numbers, each ` +
        `with a unit), got "${text}"`,
    );
  if (!/^(\d+[smhd])+$/.test(trimmed)) throw fail();
  let ms = 0;
  for (const [, count, unit] of trimmed.matchAll(/(\d+)([smhd])/g)) {
    ms += Number(count) * DURATION_UNITS[unit!]!;
  }
  if (!Number.isSafeInteger(ms) || ms > 100 * 365 * DURATION_UNITS.d!) throw fail();
  return ms;
}

/** Collects a repeatable option (`--server a --server b`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export { type Column, formatTable, setTableWidth } from "./_table.ts";

/**
 * Writes a value as indented JSON, in one write (Dates become ISO strings, bigints decimal
 * strings).
 *
 * Without a replacer first: V8 serializes plain data on its fast path only when no replacer
 * function is called per value (measured for issue 10 point 3, 300 sessions' `--json` rows in a
 * fresh process: 2.0 ms with the bigint replacer, 1.0 ms without). `JSON.stringify` throws a
 * `TypeError` at the first bigint, and only then is the value serialized again with the replacer.
 */
export function printJson(io: CliIO, value: unknown): void {
  io.out(jsonText(value) + "\n");
}

function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return JSON.stringify(value, (_key, v) => typeof v === "bigint" ? v.toString() : v, 2);
  }
}

/** "3h 12m", "45s", "2d 4h": a duration for people, at most two units. */
export function humanDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "";
  const seconds = Math.floor(ms / 1000);
  const units: [number, string][] = [[86400, "d"], [3600, "h"], [60, "m"], [1, "s"]];
  const parts: string[] = [];
  let rest = seconds;
  for (const [size, unit] of units) {
    const count = Math.floor(rest / size);
    if (count > 0 || (parts.length === 0 && size === 1)) parts.push(`${count}${unit}`);
    rest -= count * size;
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

/** "512 B", "12.3 KB", "1.5 GB": a byte count for people (binary units), "" for null. */
export function humanBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${value} B`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** A local date-time "2026-11-22 14:05", or "" for null. */
export function humanTime(date: Date | null | undefined): string {
  if (!date) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
