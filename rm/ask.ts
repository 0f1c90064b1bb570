/**
 * "Ask the owner before closing": before a release closes programs that run in users' Remote
 * Desktop sessions, each of those sessions gets one Yes/No message box (WTSSendMessageW through
 * {@linkcode sendMessage}) naming its programs and the files, all sessions at once. Yes closes
 * them; No keeps them out of the shutdown (`RmAddFilter` with `RmNoShutdown`, done by
 * `ReleasePlan.execute`); no answer does what `onNoAnswer` says.
 *
 * Ctrl+C (an aborted `signal`) while the boxes are up takes effect once they are answered or time
 * out: WTSSendMessageW has no counterpart that withdraws a box, so the wait cannot be cut short
 * without leaving boxes whose answers nobody reads; nothing is closed after an abort.
 *
 * Not asked, and closed by the normal release rules as they would be without asking: services,
 * programs in session 0 (services' session, where no user sees a box) and programs the Restart
 * Manager reports without a session. An admin expects a service to follow the release like any
 * `release` run, and nobody could answer for it.
 *
 * @example
 * ```ts ignore
 * import { ReleasePlan } from "../mod.ts";
 *
 * using plan = await ReleasePlan.create(["D:\\Finance\\Budget.xlsx"]);
 * const outcome = await plan.execute({ ask: { timeoutSeconds: 120, onNoAnswer: "keep" } });
 * for (const ask of outcome.asks) {
 *   console.log(ask.process.appName, ask.asked, ask.answer, ask.result);
 * }
 * ```
 *
 * @module
 */

import { type MessageResponse, sendMessage } from "../wts/messages.ts";
import type { LockTarget } from "./locks.ts";
import type { RmProcess } from "./types.ts";
import { processKey } from "./_unique_process.ts";

/** What happens to a program whose owner did not answer (the box timed out, or could not be sent). */
export type NoAnswerAction = "close" | "keep";

/** Options of the `ask` step of `ReleasePlan.execute` (and of {@linkcode askOwners}). */
export interface AskOwnersOptions {
  /** How long each box waits for an answer, in whole seconds (default 60; at least 1). */
  timeoutSeconds?: number;
  /** Close or keep the programs of sessions that did not answer (default `"keep"`). */
  onNoAnswer?: NoAnswerAction;
  /** The boxes' title (default "Files need to be updated"). */
  title?: string;
  /** Called once with the boxes about to be shown, before waiting for the answers. */
  onAsking?: (sessions: readonly SessionAsk[]) => void;
}

/** Why a program was not asked. */
export type NotAskedReason = "service" | "session0" | "noSession";

/** One message box: a session and the programs it is asked about. */
export interface SessionAsk {
  /** The Remote Desktop session shown the box. */
  sessionId: number;
  /** Its programs that hold the files. */
  processes: RmProcess[];
  /** The box's text. */
  text: string;
}

/** One program of a release with `ask`: whether its owner was asked, the answer, and the result. */
export interface OwnerAsk {
  /** The program, as the plan listed it. */
  process: RmProcess;
  /** Whether its session was shown a box. */
  asked: boolean;
  /** Why it was not asked, or `null` when it was. */
  notAskedReason: NotAskedReason | null;
  /**
   * The answer: `"yes"`, `"no"`, `"timeout"` (no answer in time; also a box answered 0, as some
   * Server builds report a timeout), `"failed"` when the box could not be shown, `null` when not
   * asked.
   */
  answer: MessageResponse | "failed" | null;
  /** When `answer` is `"failed"`: why (the error's message); else `null`. */
  error: string | null;
  /** What the release was to do: close it, or keep it running (a `noShutdown` filter). */
  decision: "close" | "keep";
  /**
   * After the release: `"closed"`, `"restarted"`, `"kept"` (kept running as decided), or
   * `"running"` (to be closed but still running: it refused, or the shutdown failed); `null`
   * before the release acted.
   */
  result: "closed" | "restarted" | "kept" | "running" | null;
}

const DEFAULT_TIMEOUT_SECONDS = 60;
const DEFAULT_TITLE = "Files need to be updated";
/** Files named in a box; more are summed up ("and 3 more"). */
const FILES_SHOWN = 3;

/**
 * Why `process` is not asked, or `null` when its session's user is.
 *
 * @example
 * ```ts ignore
 * import { notAskedReason } from "./ask.ts";
 *
 * notAskedReason(spooler); // "service"
 * ```
 *
 * @param process A program the release would close.
 * @returns `"service"`, `"session0"`, `"noSession"`, or `null`.
 */
export function notAskedReason(process: RmProcess): NotAskedReason | null {
  if (process.type === "Service" || process.serviceName !== null) return "service";
  if (process.sessionId === null) return "noSession";
  if (process.sessionId === 0) return "session0";
  return null;
}

function list(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

function filesText(targets: readonly LockTarget[]): string {
  const named = targets.slice(0, FILES_SHOWN).map((target) =>
    target.directory ? `the files in ${target.fullPath}` : target.fullPath
  );
  const more = targets.length - named.length;
  return more > 0 ? `${named.join(", ")} and ${more} more` : list(named);
}

/**
 * The text of one session's box: "Excel must close so D:\Finance\Budget.xlsx can be updated.
 * Close it now?", what Yes and No do, and what happens without an answer.
 *
 * @example
 * ```ts ignore
 * import { askText } from "./ask.ts";
 *
 * askText(["Excel"], [{ path: "x", fullPath: "D:\\Finance\\Budget.xlsx", directory: false,
 *   fileCount: 1 }], 60, "keep");
 * ```
 *
 * @param programs The programs' names, each once.
 * @param targets The release's targets.
 * @param timeoutSeconds How long the box waits.
 * @param onNoAnswer What happens without an answer.
 * @returns The message text.
 */
export function askText(
  programs: readonly string[],
  targets: readonly LockTarget[],
  timeoutSeconds: number,
  onNoAnswer: NoAnswerAction,
): string {
  const one = programs.length === 1;
  const them = one ? "it" : "them";
  const without = onNoAnswer === "close"
    ? `${one ? "it will be" : "they will be"} closed`
    : `${one ? "it stays" : "they stay"} open`;
  return `${list(programs)} must close so ${filesText(targets)} can be updated. ` +
    `Close ${them} now?\n\n` +
    `Save your work first, then answer Yes. If you answer No, ${one ? "it stays" : "they stay"} ` +
    `open. Without an answer within ${timeoutSeconds} seconds, ${without}.`;
}

/**
 * The boxes to show for `processes`, one per user session, and the programs not asked.
 *
 * @example
 * ```ts ignore
 * import { planAsks } from "./ask.ts";
 *
 * const { sessions, notAsked } = planAsks(plan.processes, plan.targets);
 * ```
 *
 * @param processes What the release would close.
 * @param targets The release's targets (named in the text).
 * @param options Timeout and no-answer action (they are part of the text).
 * @returns The boxes by session, and the programs not asked with why.
 */
export function planAsks(
  processes: readonly RmProcess[],
  targets: readonly LockTarget[],
  options: AskOwnersOptions = {},
): {
  sessions: SessionAsk[];
  notAsked: { process: RmProcess; reason: NotAskedReason }[];
} {
  const timeout = checkedTimeout(options.timeoutSeconds);
  const bySession = new Map<number, RmProcess[]>();
  const notAsked: { process: RmProcess; reason: NotAskedReason }[] = [];
  for (const process of processes) {
    const reason = notAskedReason(process);
    if (reason !== null) notAsked.push({ process, reason });
    else bySession.set(process.sessionId!, [...bySession.get(process.sessionId!) ?? [], process]);
  }
  const sessions = [...bySession].sort(([a], [b]) => a - b).map(([sessionId, programs]) => ({
    sessionId,
    processes: programs,
    text: askText(
      [...new Set(programs.map((p) => p.appName))],
      targets,
      timeout,
      options.onNoAnswer ?? "keep",
    ),
  }));
  return { sessions, notAsked };
}

function checkedTimeout(seconds: number | undefined): number {
  const timeout = seconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 0xffff_ffff) {
    // 0 would be WTSSendMessageW's "wait forever": a release must not hang on one absent user.
    throw new RangeError(`the ask timeout is a whole number of seconds ≥ 1, got ${timeout}`);
  }
  return timeout;
}

/**
 * Asks the owners of `processes`: one waited Yes/No box per user session, all at once, and
 * returns every program with its answer and the decision (see {@linkcode OwnerAsk}). A box that
 * cannot be shown (a disconnected session, a missing Message permission) counts as no answer.
 * `ReleasePlan.execute({ ask })` calls this and applies the decisions.
 *
 * @example
 * ```ts ignore
 * import { askOwners } from "./ask.ts";
 *
 * const asks = await askOwners(plan.processes, plan.targets, { timeoutSeconds: 30 });
 * console.log(asks.filter((a) => a.decision === "keep").map((a) => a.process.appName));
 * ```
 *
 * @param processes What the release would close.
 * @param targets The release's targets (named in the text).
 * @param options Timeout, no-answer action, title, a callback before waiting.
 * @returns One entry per process, in order; `result` is `null` until the release acted.
 * @throws {RangeError} A timeout that is not a whole number of seconds ≥ 1.
 */
export async function askOwners(
  processes: readonly RmProcess[],
  targets: readonly LockTarget[],
  options: AskOwnersOptions = {},
): Promise<OwnerAsk[]> {
  const timeoutSeconds = checkedTimeout(options.timeoutSeconds);
  const onNoAnswer = options.onNoAnswer ?? "keep";
  const { sessions } = planAsks(processes, targets, options);
  if (sessions.length > 0) options.onAsking?.(sessions);
  const answers = new Map<number, { answer: MessageResponse | "failed"; error: string | null }>();
  await Promise.all(sessions.map(async ({ sessionId, text }) => {
    try {
      const answer = await sendMessage(sessionId, {
        title: options.title ?? DEFAULT_TITLE,
        text,
        buttons: "yesNo",
        icon: "question",
        timeoutSeconds,
        wait: true,
      });
      answers.set(sessionId, { answer, error: null });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      answers.set(sessionId, { answer: "failed", error: message });
    }
  }));
  return processes.map((process) => {
    const reason = notAskedReason(process);
    if (reason !== null) {
      // Services and session-0 programs follow the normal release rules: closed.
      return {
        process,
        asked: false,
        notAskedReason: reason,
        answer: null,
        error: null,
        decision: "close",
        result: null,
      };
    }
    const { answer, error } = answers.get(process.sessionId!)!;
    const decision = answer === "yes" ? "close" : answer === "no" ? "keep" : onNoAnswer;
    return { process, asked: true, notAskedReason: null, answer, error, decision, result: null };
  });
}

/**
 * Fills in each ask's `result` from what the release read back (`RmGetList` after acting). A
 * restarted program is a new process (new start time, on Windows a new pid), so one that is
 * missing from the lists is matched to a restarted entry of the same name and session.
 *
 * @example
 * ```ts ignore
 * import { askOwners, settleAsks } from "./ask.ts";
 *
 * const asks = await askOwners(processes, targets);
 * // … shut down, restart, then read the lists back …
 * settleAsks(asks, { closed, restarted, stillRunning });
 * ```
 *
 * @param asks The asks, updated in place.
 * @param lists The release's outcome lists.
 */
export function settleAsks(
  asks: OwnerAsk[],
  lists: {
    closed: readonly RmProcess[];
    restarted: readonly RmProcess[];
    stillRunning: readonly RmProcess[];
  },
): void {
  const running = new Set(lists.stillRunning.map(processKey));
  const closed = new Set(lists.closed.map(processKey));
  const restarted = new Set(lists.restarted.map(processKey));
  const restartedApps = new Set(lists.restarted.map((p) => `${p.appName}\0${p.sessionId}`));
  for (const ask of asks) {
    const id = processKey(ask.process);
    if (running.has(id)) ask.result = ask.decision === "keep" ? "kept" : "running";
    else if (restarted.has(id)) ask.result = "restarted";
    else if (closed.has(id)) ask.result = "closed";
    else if (restartedApps.has(`${ask.process.appName}\0${ask.process.sessionId}`)) {
      ask.result = "restarted";
    } else ask.result = "closed";
  }
}
