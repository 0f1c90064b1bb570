/**
 * What the Restart Manager commands (`locks`, `release`) share: their table columns, reboot
 * reason text, the JSON form of a process, path failures as usage errors, a permission check
 * that never prompts, progress display and Ctrl+C as an AbortSignal.
 *
 * @module
 */

import {
  type CliContext,
  CliError,
  type CliIO,
  type Column,
  ExitCode,
  parseSecondsOption,
} from "./common.ts";
import {
  type HolderIdentity,
  PathNotFoundError,
  ProtectedFolderError,
  type RmProcess,
  type RmRebootReason,
  shortenPath,
} from "../mod.ts";

/** A process as `locks --json` and `release --json` print it. */
export interface LockingProcessJson {
  pid: number;
  /** ISO 8601 (UTC), or null. */
  startTime: string | null;
  appName: string;
  serviceName: string | null;
  type: string;
  status: string[];
  sessionId: number | null;
  restartable: boolean;
  /** Full paths of the checked files it holds; null when not worked out (`--no-attribute`). */
  paths: string[] | null;
  /** The executable's full path; null when the process could not be opened (or is gone). */
  executable: string | null;
  /** `DOMAIN\user` of its token (a service's account), the SID text when unmapped, or null. */
  owner: string | null;
}

/** The `--json` form of a process holding files. */
export function toLockingProcessJson(
  process: RmProcess & { paths?: string[] | null } & Partial<HolderIdentity>,
): LockingProcessJson {
  return {
    pid: process.pid,
    startTime: process.startTime ? process.startTime.toISOString() : null,
    appName: process.appName,
    serviceName: process.serviceName,
    type: process.type,
    status: [...process.status],
    sessionId: process.sessionId,
    restartable: process.restartable,
    paths: process.paths ?? null,
    executable: process.executable ?? null,
    owner: process.owner ?? null,
  };
}

/** The executable and owner of each process in `outcome`, from the plan's holders (by pid and
 * start time; a restarted program is a new process, and is left as read back). */
export function fillIdentities(
  outcome: Record<"closed" | "restarted" | "stillRunning" | "notInPlan", LockingProcessJson[]>,
  holders: readonly LockingProcessJson[],
): void {
  const known = new Map(holders.map((h) => [`${h.pid}:${h.startTime}`, h]));
  for (const list of [outcome.closed, outcome.restarted, outcome.stillRunning, outcome.notInPlan]) {
    for (const process of list) {
      const holder = known.get(`${process.pid}:${process.startTime}`);
      process.executable ??= holder?.executable ?? null;
      process.owner ??= holder?.owner ?? null;
    }
  }
}

/** Pid and start time: the Restart Manager's identity of a process (a reused pid differs). */
export function holderKey(process: RmProcess): string {
  return `${process.pid}:${process.startFileTime}`;
}

/** Holders by {@linkcode holderKey}. */
export function holdersByKey<T extends RmProcess>(holders: readonly T[]): Map<string, T> {
  return new Map(holders.map((h) => [holderKey(h), h]));
}

/** "4242 EXCEL": how the commands name one program in a sentence. */
export function processLabel(process: RmProcess): string {
  return `${process.pid} ${process.appName}`;
}

/** "4242 App, 4243 Agent", the first five and how many more: a release's way to name programs. */
export function processNames(processes: readonly RmProcess[]): string {
  const shown = processes.slice(0, 5).map(processLabel).join(", ");
  return processes.length > 5 ? `${shown}, and ${processes.length - 5} more` : shown;
}

/** The columns of a process table. */
export const PROCESS_COLUMNS: Column<RmProcess>[] = [
  { header: "PID", cell: (p) => String(p.pid), right: true },
  { header: "APP", cell: (p) => p.appName },
  { header: "TYPE", cell: (p) => p.type },
  { header: "SERVICE", cell: (p) => p.serviceName ?? "" },
  { header: "SESSION", cell: (p) => p.sessionId === null ? "" : String(p.sessionId), right: true },
  { header: "RESTARTABLE", cell: (p) => p.restartable ? "yes" : "no" },
];

/** Who runs a holder and what it is (see `identifyHolders`): "?" where Windows refused. */
export const HOLDER_COLUMNS: Column<RmProcess & Partial<HolderIdentity>>[] = [
  { header: "USER", cell: (p) => p.owner ?? "?" },
  { header: "EXE", cell: (p) => p.executable ?? "?" },
];

/** The Restart Manager's status flags of a process. */
export const STATUS_COLUMN: Column<RmProcess> = {
  header: "STATUS",
  cell: (p) => p.status.join(","),
};

const REBOOT_REASON_TEXT: Readonly<Record<RmRebootReason, string>> = {
  PermissionDenied: "permission denied: some processes cannot be shut down by this user",
  SessionMismatch: "session mismatch: some processes run in another Remote Desktop session",
  CriticalProcess: "a critical process uses the files",
  CriticalService: "a critical service uses the files",
  DetectedSelf: "this process itself uses the files",
};

/** The lines explaining why a reboot is needed, or "" when none is. */
export function rebootReasonLines(reasons: readonly RmRebootReason[]): string {
  if (reasons.length === 0) return "";
  return "A reboot is needed to release the files:\n" +
    reasons.map((reason) => `  ${reason}: ${REBOOT_REASON_TEXT[reason]}\n`).join("");
}

/** "1 file", "3 files". */
export function filesWord(count: number): string {
  return count === 1 ? "1 file" : `${count.toLocaleString("en-US")} files`;
}

/** "1 process", "3 processes". */
export function processesWord(count: number): string {
  return count === 1 ? "1 process" : `${count} processes`;
}

/** An optional `<seconds>` option in milliseconds (`undefined` when not given; bad = exit 2). */
export function optionalMs(value: string | undefined, flag: string): number | undefined {
  return value === undefined ? undefined : parseSecondsOption(value, flag) * 1000;
}

/**
 * Library failures about the given paths become one-line CLI errors: a missing path is a usage
 * error (exit 2), a protected folder a refusal naming the flag that allows it (exit 5).
 */
export function pathFailure(error: unknown): never {
  if (error instanceof PathNotFoundError) {
    throw new CliError(error.message, ExitCode.Usage);
  }
  if (error instanceof ProtectedFolderError) {
    throw new CliError(
      `refusing to release ${error.message}: every program holding a file below it would be ` +
        "closed; pass --allow-protected-folder as well as --yes if that is what you mean",
      ExitCode.NotConfirmed,
    );
  }
  throw error;
}

/**
 * Fails with the flag to add (exit 4) when reading `paths` is not granted, instead of letting
 * Deno prompt on a terminal: the state is queried, never requested. Relative paths are queried
 * as given (Deno resolves them against the working directory without a permission check).
 */
export function requireRead(paths: readonly string[]): void {
  const query = Deno.permissions.querySync;
  if (query === undefined) return;
  for (const path of paths) {
    if (path.trim() === "" || path.includes("\0") || path.length > 32_767) continue;
    if (query({ name: "read", path }).state !== "granted") {
      throw new CliError(
        `reading ${shortenPath(path)} needs read permission: run with --allow-read ` +
          "(or --allow-read=<folder>)",
        ExitCode.Permission,
      );
    }
  }
}

/**
 * A progress display on stderr: a bar when stderr is a colour terminal (`io.errColor`: the bar's
 * `\r` redraws belong where it is written, whatever stdout is), plain percent lines otherwise.
 */
export function progressReporter(io: CliIO) {
  const bar = io.errColor === true;
  let label = "";
  let last = -1;
  const done = () => {
    if (bar && last >= 0) io.err("\n");
    last = -1;
  };
  return {
    update(task: string, percent: number) {
      if (task !== label) {
        done();
        label = task;
      }
      const value = Math.max(0, Math.min(100, Math.round(percent)));
      if (value === last) return;
      last = value;
      if (bar) {
        const width = 30;
        const filled = Math.round((value / 100) * width);
        io.err(`\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${value}%`);
      } else {
        io.err(`${label}: ${value}%\n`);
      }
    },
    done,
  };
}

/** An AbortSignal for Ctrl+C (and the context's signal), and a way to stop listening. */
export function interruptSignal(context: CliContext): { signal: AbortSignal; dispose(): void } {
  const stop = new AbortController();
  const onInterrupt = () => stop.abort(new CliError("interrupted", ExitCode.Interrupted));
  let listening = false;
  try {
    Deno.addSignalListener("SIGINT", onInterrupt);
    listening = true;
  } catch {
    // No signal support here (permissions or platform): the context signal still works.
  }
  const signals = context.signal ? [stop.signal, context.signal] : [stop.signal];
  return {
    signal: AbortSignal.any(signals),
    dispose() {
      if (listening) Deno.removeSignalListener("SIGINT", onInterrupt);
    },
  };
}
