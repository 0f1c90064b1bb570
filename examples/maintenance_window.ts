/**
 * A maintenance window, end to end, the way an admin runs one on a Remote Desktop host:
 *
 *   1. message every user of the host (or of several hosts) that maintenance starts soon;
 *   2. wait (`--wait-minutes`);
 *   3. log off the sessions idle for longer than `--idle-hours` and the disconnected ones,
 *      except exempt users (`--exempt`) and the session running this script; each logoff
 *      re-checks that the session still belongs to the same user and logon (`expect`);
 *   4. release the application folder on THIS machine (the Restart Manager is local): every
 *      user session holding its files is asked first (one Yes/No box per session, all at once);
 *      services and session-0 programs are not asked and are closed as usual. All or nothing:
 *      when an owner answers No (or does not answer, unless `--on-no-answer close`), or a program
 *      started holding the files while the owners were asked, nothing is closed and the update
 *      is postponed (exit 10): closing the others could not free the folder;
 *   5. run the update command (only when the shutdown succeeded);
 *   6. restart what was closed, and say what stayed closed;
 *   7. exit with the reboot code when the Restart Manager or the update (3010,
 *      ERROR_SUCCESS_REBOOT_REQUIRED, as msiexec answers) says a reboot is needed.
 *
 * DRY RUN by default: it says what it would do and changes nothing. Add `--apply` to act.
 *
 * Exit codes: 0 done; 1 the update failed or the shutdown failed; 10 owners kept programs open
 * (the files they hold were not updated); 11 programs left closed; 12 reboot required.
 *
 * Usage (on Windows, elevated):
 *
 *     deno run --allow-ffi --allow-read --allow-run examples/maintenance_window.ts \
 *       --folder "C:\Program Files\Contoso" --exempt CONTOSO\svc-backup \
 *       -- msiexec /i C:\updates\contoso.msi /qn
 *     ... the same with --apply, and --server rdsh01 --server rdsh02 to message several hosts
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  askOwners,
  type AskOwnersOptions,
  currentSessionId,
  expandTargets,
  identifyHolders,
  listSessions,
  logoffSession,
  type NoAnswerAction,
  type OwnerAsk,
  planAsks,
  protectedFolderReason,
  registerFilesInBatches,
  RestartManagerSession,
  type RmProcess,
  type RmRebootReason,
  sendMessage,
  type Session,
  settleAsks,
} from "../mod.ts";

/** The CLI's reboot-required exit code (`ExitCode.RebootRequired` in cli/common.ts once merged). */
const EXIT_REBOOT_REQUIRED = 12;
/** ERROR_SUCCESS_REBOOT_REQUIRED: what msiexec and many installers exit with. */
const ERROR_SUCCESS_REBOOT_REQUIRED = 3010;

/** What {@linkcode maintenanceWindow} does. */
export interface MaintenanceOptions {
  /** Hosts whose users are messaged and whose idle sessions are logged off ("" = this one). */
  servers?: string[];
  /** The application folder to release (on this machine). */
  folder: string;
  /** The update: a command line, or a function returning its exit code (tests). */
  update: string[] | (() => Promise<number>);
  /** Minutes between the message and the work (default 10). */
  waitMinutes?: number;
  /** Log off sessions idle for longer than this (default 2); disconnected ones always. */
  idleHours?: number;
  /** Users never logged off: `DOMAIN\user` or `user`, case-insensitive. */
  exempt?: string[];
  /** How long each owner's box waits (default 120 s). */
  askTimeoutSeconds?: number;
  /** What happens to programs nobody answered for (default keep). */
  onNoAnswer?: NoAnswerAction;
  /** Act; without it nothing changes. */
  apply?: boolean;
  /** Where progress lines go (default console.log). */
  log?: (line: string) => void;
  /** How to wait (tests pass one that returns at once). */
  sleep?: (ms: number) => Promise<void>;
}

/** What {@linkcode maintenanceWindow} found and did. */
export interface MaintenanceResult {
  /** Sessions messaged (or, in a dry run, to be messaged). */
  messaged: { server: string; sessionId: number; user: string }[];
  /** Sessions logged off (or, in a dry run, to be logged off). */
  loggedOff: { server: string; sessionId: number; user: string }[];
  /** Logoffs that failed or were refused because the session changed. */
  failed: { server: string; sessionId: number; error: string }[];
  /** Every program holding the folder's files, with its answer and result. */
  asks: OwnerAsk[];
  /** Whether the update ran, and its exit code. */
  updated: boolean;
  updateExitCode: number | null;
  /** Programs closed and still closed after the restart: start them yourself. */
  stillClosed: RmProcess[];
  /** Why the Restart Manager says a reboot is needed. */
  rebootReasons: RmRebootReason[];
  /** The exit code (see the module doc). */
  exitCode: number;
}

function userOf(session: Session): string {
  return session.domain ? `${session.domain}\\${session.user}` : session.user;
}

function exempted(session: Session, exempt: readonly string[]): boolean {
  const names = [session.user, userOf(session)].map((n) => n.toLowerCase());
  return exempt.some((e) => names.includes(e.toLowerCase()));
}

function isIdle(session: Session, idleMs: number): boolean {
  if (session.state === "Disconnected") return true;
  return session.idleMs !== null && session.idleMs > idleMs;
}

async function runCommand(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  const { code } = await new Deno.Command(command!, {
    args,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return code;
}

/** Runs the maintenance window (see the module doc). */
export async function maintenanceWindow(options: MaintenanceOptions): Promise<MaintenanceResult> {
  const log = options.log ?? console.log;
  const apply = options.apply === true;
  const would = apply ? "" : "would ";
  const servers = options.servers?.length ? options.servers : [""];
  const waitMinutes = options.waitMinutes ?? 10;
  const result: MaintenanceResult = {
    messaged: [],
    loggedOff: [],
    failed: [],
    asks: [],
    updated: false,
    updateExitCode: null,
    stillClosed: [],
    rebootReasons: [],
    exitCode: 0,
  };
  const own = currentSessionId();

  // 1. Tell every user.
  const text = `Maintenance starts in ${waitMinutes} minutes. Save your work; idle and ` +
    "disconnected sessions will be logged off, and you may be asked to close programs.";
  for (const server of servers) {
    for (const session of await listSessions({ server })) {
      if (session.user === "" || session.state === "Listen") continue;
      const entry = { server, sessionId: session.id, user: userOf(session) };
      log(`${would}message ${entry.user} (session ${session.id}${server ? ` on ${server}` : ""})`);
      if (apply) await sendMessage(session.id, { server, title: "Maintenance", text });
      result.messaged.push(entry);
    }
  }

  // 2. Wait.
  log(`${would}wait ${waitMinutes} minutes`);
  if (apply) {
    await (options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(waitMinutes * 60_000);
  }

  // 3. Log off the idle and disconnected sessions, never an exempt user or this session.
  const idleMs = (options.idleHours ?? 2) * 3_600_000;
  for (const server of servers) {
    for (const session of await listSessions({ server })) {
      if (session.user === "" || (server === "" && session.id === own)) continue;
      if (!isIdle(session, idleMs) || exempted(session, options.exempt ?? [])) continue;
      const entry = { server, sessionId: session.id, user: userOf(session) };
      log(`${would}log off ${entry.user} (session ${session.id}, ${session.state})`);
      if (apply) {
        try {
          // The same user and logon as listed, or nothing is done (TargetChangedError).
          const expect = {
            user: session.user,
            domain: session.domain,
            logonTime: session.logonTime,
          };
          await logoffSession(session.id, { server, expect, wait: true });
        } catch (error) {
          result.failed.push({ server, sessionId: session.id, error: String(error) });
          log(`  could not log off session ${session.id}: ${error}`);
          continue;
        }
      }
      result.loggedOff.push(entry);
    }
  }

  // 4. Release the folder, asking the owners.
  const { files, targets } = await expandTargets([options.folder], { recursive: true });
  const protectedWhy = protectedFolderReason(targets[0]!.fullPath);
  if (protectedWhy !== null) {
    throw new Error(`refusing to release ${targets[0]!.fullPath}: ${protectedWhy}`);
  }
  using rm = RestartManagerSession.start();
  registerFilesInBatches(rm, files);
  const planned = rm.list();
  result.rebootReasons = planned.rebootReasons;
  for (const holder of await identifyHolders(planned.processes)) {
    log(
      `holder: ${holder.pid} ${holder.appName} ${holder.executable ?? "?"} (${
        holder.owner ?? "?"
      })`,
    );
  }
  const ask: AskOwnersOptions = {
    timeoutSeconds: options.askTimeoutSeconds ?? 120,
    onNoAnswer: options.onNoAnswer ?? "keep",
    onAsking: (sessions) => log(`asking sessions ${sessions.map((s) => s.sessionId).join(", ")}`),
  };
  if (!apply) {
    for (const session of planAsks(planned.processes, targets, ask).sessions) {
      log(
        `would ask session ${session.sessionId}: ${
          session.processes.map((p) => p.appName).join(", ")
        }`,
      );
    }
    log(
      `would run the update: ${
        typeof options.update === "function" ? "(function)" : options.update.join(" ")
      }`,
    );
    log("dry run: nothing was changed; add --apply to act");
    return result;
  }
  result.asks = await askOwners(planned.processes, targets, ask);
  // All or nothing: a program kept open still holds some of the files, so closing the others
  // would disrupt their users for an update that cannot run. So is a program that started
  // holding the files while the owners were asked: it was never asked.
  const known = new Set(planned.processes.map((p) => `${p.pid}:${p.startFileTime}`));
  const newcomers = rm.list().processes.filter((p) => !known.has(`${p.pid}:${p.startFileTime}`));
  const keptOpen = result.asks.filter((entry) => entry.decision === "keep");
  if (keptOpen.length > 0 || newcomers.length > 0) {
    for (const entry of keptOpen) entry.result = "kept";
    for (const entry of result.asks) entry.result ??= "running";
    const names = [...keptOpen.map((e) => e.process), ...newcomers].map((p) =>
      `${p.pid} ${p.appName}`
    );
    log(`update postponed: kept open, nothing was closed: ${names.join(", ")}`);
    result.exitCode = 10;
    return result;
  }
  const closing = planned.processes.length > 0;
  try {
    if (closing) await rm.shutdown();
    // 5. The update, only once the shutdown succeeded.
    log("running the update");
    result.updateExitCode = typeof options.update === "function"
      ? await options.update()
      : await runCommand(options.update);
    result.updated = true;
    log(`update exit code ${result.updateExitCode}`);
  } catch (error) {
    log(`the shutdown or the update failed: ${error}`);
    result.exitCode = 1;
  } finally {
    // 6. Restart what was closed, whatever happened above (a failed shutdown may have closed
    // some programs already).
    if (closing) {
      log("restarting what was closed");
      await rm.restart().catch((error) => log(`restart failed: ${error}`));
    }
    const after = rm.list();
    const restarted = after.processes.filter((p) => p.status.includes("Restarted"));
    const stopped = after.processes.filter((p) =>
      p.status.includes("Stopped") && !p.status.includes("Restarted")
    );
    const stillRunning = after.processes.filter((p) => !p.status.includes("Stopped"));
    settleAsks(result.asks, { closed: stopped, restarted, stillRunning });
    result.stillClosed = result.asks.filter((a) => a.result === "closed").map((a) => a.process);
    result.rebootReasons = after.rebootReasons;
  }
  for (const entry of result.asks) {
    const answer = entry.asked ? `answered ${entry.answer}` : `not asked (${entry.notAskedReason})`;
    log(`${entry.process.pid} ${entry.process.appName}: ${answer}, ${entry.result}`);
  }
  for (const p of result.stillClosed) {
    log(`still closed (start it yourself): ${p.pid} ${p.appName}`);
  }
  if (
    result.updateExitCode !== null && result.updateExitCode !== 0 &&
    result.updateExitCode !== ERROR_SUCCESS_REBOOT_REQUIRED
  ) result.exitCode = 1;
  // 7. The exit code: what is worst for the admin first.
  if (result.stillClosed.length > 0) result.exitCode = 11;
  else if (
    result.exitCode === 0 &&
    (result.rebootReasons.length > 0 || result.updateExitCode === ERROR_SUCCESS_REBOOT_REQUIRED)
  ) {
    log(
      `a reboot is needed${
        result.rebootReasons.length ? `: ${result.rebootReasons.join(", ")}` : ""
      }`,
    );
    result.exitCode = EXIT_REBOOT_REQUIRED;
  }
  return result;
}

const USAGE =
  `Usage: deno run --allow-ffi --allow-read --allow-run examples/maintenance_window.ts [options] -- <update command>

  --folder <path>          the application folder to release (required)
  --server <name>          a host to message and clean up (repeatable; default this one)
  --wait-minutes <n>       minutes between the message and the work (default 10)
  --idle-hours <n>         log off sessions idle longer than this (default 2)
  --exempt <user>          never log off this user (repeatable)
  --ask-timeout <s>        how long each owner's box waits (default 120)
  --on-no-answer <action>  close or keep programs nobody answered for (default keep)
  --apply                  act (without it: a dry run)
  -h, --help               show this help`;

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      folder: { type: "string" },
      server: { type: "string", multiple: true },
      "wait-minutes": { type: "string", default: "10" },
      "idle-hours": { type: "string", default: "2" },
      exempt: { type: "string", multiple: true },
      "ask-timeout": { type: "string", default: "120" },
      "on-no-answer": { type: "string", default: "keep" },
      apply: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const onNoAnswer = values["on-no-answer"];
  if (
    values.help || !values.folder || positionals.length === 0 ||
    (onNoAnswer !== "close" && onNoAnswer !== "keep")
  ) {
    console.log(USAGE);
    Deno.exit(values.help ? 0 : 2);
  }
  const result = await maintenanceWindow({
    folder: values.folder,
    servers: values.server,
    update: positionals,
    waitMinutes: Number(values["wait-minutes"]),
    idleHours: Number(values["idle-hours"]),
    exempt: values.exempt,
    askTimeoutSeconds: Number(values["ask-timeout"]),
    onNoAnswer,
    apply: values.apply,
  });
  Deno.exit(result.exitCode);
}
