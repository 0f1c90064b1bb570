/**
 * `release --ask`: its options, what a dry run says it would ask, the table of answers and
 * results, their `--json` form, and the exit when owners kept programs open (the files are then
 * still in use: {@linkcode ExitCode.Locked}, 10).
 *
 * @module
 */

import {
  CliError,
  type CliIO,
  type Column,
  ExitCode,
  formatTable,
  parseSecondsOption,
} from "./common.ts";
import {
  type AskOwnersOptions,
  type HolderIdentity,
  type LockTarget,
  type NoAnswerAction,
  type OwnerAsk,
  planAsks,
  type RmProcess,
  type SessionAsk,
} from "../mod.ts";
import { holderKey, processLabel } from "./_rm_common.ts";

/** One program of `release --ask`, as `--json` prints it under `asks`. */
export interface OwnerAskJson {
  pid: number;
  appName: string;
  sessionId: number | null;
  /** `DOMAIN\user` of the process, or null when unknown. */
  owner: string | null;
  /** Whether its session was shown a box. */
  asked: boolean;
  /** "service", "session0" or "noSession" when not asked; else null. */
  notAskedReason: string | null;
  /** "yes", "no", "timeout", "failed"; null when not asked or in a dry run. */
  answer: string | null;
  /** Why the box could not be shown ("failed"), else null. */
  error: string | null;
  /** "close" or "keep"; null in a dry run. */
  decision: "close" | "keep" | null;
  /** "closed", "restarted", "kept", "running"; null before acting. */
  result: string | null;
}

/** The raw `--ask`, `--ask-timeout` and `--on-no-answer` values. */
export interface AskFlags {
  ask?: boolean;
  askTimeout?: string;
  onNoAnswer?: string;
}

/** The library's ask options for the flags, or `undefined` without `--ask` (usage errors: exit 2). */
export function askOptions(flags: AskFlags): AskOwnersOptions | undefined {
  if (!flags.ask) {
    const stray = flags.askTimeout !== undefined
      ? "--ask-timeout"
      : flags.onNoAnswer !== undefined
      ? "--on-no-answer"
      : null;
    if (stray) throw new CliError(`${stray} needs --ask`);
    return undefined;
  }
  const onNoAnswer = flags.onNoAnswer ?? "keep";
  if (onNoAnswer !== "close" && onNoAnswer !== "keep") {
    throw new CliError(`--on-no-answer is close or keep, got "${onNoAnswer}"`);
  }
  const timeoutSeconds = flags.askTimeout === undefined
    ? 60
    : parseSecondsOption(flags.askTimeout, "--ask-timeout", { integer: true });
  return { timeoutSeconds, onNoAnswer: onNoAnswer as NoAnswerAction };
}

type Identified = RmProcess & Partial<HolderIdentity>;

function ownerOf(process: RmProcess, holders: ReadonlyMap<string, Identified>): string | null {
  return holders.get(holderKey(process))?.owner ?? null;
}

/** The `asks` of `--json` after acting. */
export function asksJson(
  asks: readonly OwnerAsk[],
  holders: ReadonlyMap<string, Identified>,
): OwnerAskJson[] {
  return asks.map((ask) => ({
    pid: ask.process.pid,
    appName: ask.process.appName,
    sessionId: ask.process.sessionId,
    owner: ownerOf(ask.process, holders),
    asked: ask.asked,
    notAskedReason: ask.notAskedReason,
    answer: ask.answer,
    error: ask.error,
    decision: ask.decision,
    result: ask.result,
  }));
}

/** The `asks` of a dry run's `--json`: who would be asked, nothing sent. */
export function plannedAsksJson(
  processes: readonly Identified[],
  targets: readonly LockTarget[],
  options: AskOwnersOptions,
): OwnerAskJson[] {
  const { notAsked } = planAsks(processes, targets, options);
  const reasons = new Map(notAsked.map((n) => [n.process, n.reason]));
  return processes.map((process) => ({
    pid: process.pid,
    appName: process.appName,
    sessionId: process.sessionId,
    owner: process.owner ?? null,
    asked: !reasons.has(process),
    notAskedReason: reasons.get(process) ?? null,
    answer: null,
    error: null,
    decision: null,
    result: null,
  }));
}

function programs(session: SessionAsk): string {
  return session.processes.map(processLabel).join(", ");
}

/** A dry run's lines: which sessions would be asked about what, and who is not asked. */
export function printAskPlan(
  io: CliIO,
  processes: readonly RmProcess[],
  targets: readonly LockTarget[],
  options: AskOwnersOptions,
): void {
  const { sessions, notAsked } = planAsks(processes, targets, options);
  for (const session of sessions) {
    io.out(`Would ask session ${session.sessionId}: ${programs(session)}\n`);
  }
  if (notAsked.length > 0) {
    io.out(
      `Not asked, closed as usual (services, session 0): ` +
        `${notAsked.map((n) => processLabel(n.process)).join(", ")}\n`,
    );
  }
  if (sessions[0]) {
    io.out(
      `The box ${sessions.length > 1 ? "texts read" : "reads"}:\n  ${
        sessions[0].text.replaceAll("\n\n", "\n  ")
      }\n`,
    );
  }
}

/** The line printed while the boxes wait for their answers (stderr). */
export function askingLine(sessions: readonly SessionAsk[], timeoutSeconds: number): string {
  const which = sessions.map((s) => `session ${s.sessionId} (${programs(s)})`).join(", ");
  return `Asking ${which}; waiting up to ${timeoutSeconds} s for the answers...\n`;
}

const ASK_COLUMNS: Column<OwnerAskJson>[] = [
  { header: "PID", cell: (a) => String(a.pid), right: true },
  { header: "APP", cell: (a) => a.appName },
  { header: "SESSION", cell: (a) => a.sessionId === null ? "" : String(a.sessionId), right: true },
  { header: "USER", cell: (a) => a.owner ?? "?" },
  { header: "ASKED", cell: (a) => a.asked ? "yes" : `no (${a.notAskedReason})` },
  { header: "ANSWER", cell: (a) => a.answer ?? "" },
  { header: "RESULT", cell: (a) => a.result ?? "" },
];

/** The table of every program: asked, answer, result. */
export function askTable(asks: readonly OwnerAskJson[]): string {
  return formatTable(asks, ASK_COLUMNS);
}

/** Exit 10 naming the programs their owners kept open, or `null` when none was kept. */
export function keptError(asks: readonly OwnerAsk[]): CliError | null {
  const kept = asks.filter((ask) => ask.result === "kept");
  if (kept.length === 0) return null;
  const names = kept.map((a) => `${processLabel(a.process)} (${a.answer})`).join(", ");
  return new CliError(
    `${kept.length === 1 ? "1 program was" : `${kept.length} programs were`} kept open as ` +
      `their owners chose: ${names}; the files they hold are still in use`,
    ExitCode.Locked,
  );
}
