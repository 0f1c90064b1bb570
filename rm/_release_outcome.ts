/**
 * How a release reads what happened: which programs are closed, restarted or still running
 * after acting (from `RmGetList`'s status flags), which are kept out by `--exclude`, and whether
 * RmShutdown said a reboot is needed instead. {@linkcode ReleasePlan.execute} in `release.ts`
 * acts; this module only classifies and filters.
 *
 * @module
 */

import { ERROR_FAIL_NOACTION_REBOOT, WindowsError } from "../ffi/errors.ts";
import { type ReleaseExclusion, resolveExclusions } from "./exclusions.ts";
import type { RestartManagerSession } from "./session.ts";
import type { RmProcess } from "./types.ts";
import { processKey } from "./_unique_process.ts";

/**
 * Which programs are closed, restarted or running, from `RmGetList`'s `AppStatus` flags, which
 * "describe the history of actions taken by Restart Manager on the application" (RM_APP_STATUS,
 * learn.microsoft.com/windows/win32/api/restartmanager/ne-restartmanager-rm_app_status), and
 * after ERROR_FAIL_SHUTDOWN "contain updated status information" (RmShutdown's page). A planned
 * process missing from the list is gone, so closed, unless a restart ran: a restarted
 * application is a new process (new start time, on Windows a new pid), so its old entry is
 * expected to be missing and the new one is listed as Restarted.
 */
export function classify(
  processes: readonly RmProcess[],
  plan: readonly RmProcess[],
  notInPlan: ReadonlySet<string>,
  restartAttempted: boolean,
) {
  const closed: RmProcess[] = [];
  const restarted: RmProcess[] = [];
  const stillRunning: RmProcess[] = [];
  const listed = new Set<string>();
  const listedPids = new Set<number>();
  for (const process of processes) {
    listed.add(processKey(process));
    listedPids.add(process.pid);
    if (process.status.includes("Restarted")) restarted.push(process);
    else if (process.status.includes("Stopped") || process.status.includes("StoppedOther")) {
      closed.push(process);
    } else stillRunning.push(process);
  }
  if (!restartAttempted) {
    for (const process of plan) {
      if (!listed.has(processKey(process)) && !listedPids.has(process.pid)) closed.push(process);
    }
  }
  const kept = stillRunning.filter((process) => notInPlan.has(processKey(process)));
  return { closed, restarted, stillRunning, notInPlan: kept };
}

/** Adds the `noShutdown` filters of `exclude`, resolved against `holders`; the kept keys. */
export function keepExcluded(
  rm: RestartManagerSession,
  exclude: readonly ReleaseExclusion[] | undefined,
  holders: readonly RmProcess[],
): Set<string> {
  const kept = new Set<string>();
  if (!exclude || exclude.length === 0) return kept;
  for (const resolved of resolveExclusions(exclude, holders, { strict: false })) {
    for (const filter of resolved.filters) rm.addFilter({ ...filter, action: "noShutdown" });
    for (const process of resolved.processes) kept.add(processKey(process));
  }
  return kept;
}

/** Whether RmShutdown answered `ERROR_FAIL_NOACTION_REBOOT`: nothing done, a reboot needed. */
export function isNoActionReboot(error: unknown): boolean {
  return error instanceof WindowsError && error.code === ERROR_FAIL_NOACTION_REBOOT;
}

/** "1 program", "3 programs". */
export function count(n: number, one: string, many: string): string {
  return n === 1 ? `1 ${one}` : `${n} ${many}`;
}
