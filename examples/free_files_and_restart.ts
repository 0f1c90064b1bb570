/**
 * Free the files an update needs, apply the update, then restart what was closed: the job the
 * Windows Restart Manager exists for.
 *
 *   1. find which processes (and services) hold the files;
 *   2. ask them to close (RmShutdown; `--force` also ends those that refuse);
 *   3. apply the update: EDIT {@linkcode applyUpdate} below, it is a placeholder;
 *   4. restart what was closed (RmRestart), even when the update or the shutdown failed, and
 *      say what stayed closed.
 *
 * The Restart Manager session is held with `using`, so it always ends.
 *
 * Usage (on Windows, usually elevated):
 *
 *     deno run --allow-ffi --allow-read examples/free_files_and_restart.ts --dry-run C:\app\app.exe
 *     deno run --allow-ffi --allow-read examples/free_files_and_restart.ts C:\app\app.exe C:\app\core.dll
 *
 * @module
 */
import { parseArgs } from "node:util";
import { RestartManagerSession, type RmProcess, type RmRebootReason } from "../mod.ts";

/**
 * ===== EDIT ME: the update itself =====================================================
 * Called once the files are free. Replace the body with your own steps (copy new files over,
 * run an installer, …). Throwing here still restarts what was closed.
 */
export function applyUpdate(paths: readonly string[]): void | Promise<void> {
  for (const path of paths) console.log(`(placeholder) would replace ${path}`);
}
// =======================================================================================

/** What {@linkcode freeFilesAndRestart} does. */
export interface FreeFilesOptions {
  /** The files the update replaces. */
  paths: string[];
  /** The update; defaults to the {@linkcode applyUpdate} placeholder. */
  update?: (paths: readonly string[]) => void | Promise<void>;
  /** Also end processes that refuse to close. */
  force?: boolean;
  /** Only list what holds the files. */
  dryRun?: boolean;
  /** Where progress lines go (default: console.log). */
  log?: (line: string) => void;
}

/** What {@linkcode freeFilesAndRestart} found and did. */
export interface FreeFilesResult {
  /** The processes that held the files. */
  holders: RmProcess[];
  /** Why a reboot would still be needed, if the Restart Manager says so. */
  rebootReasons: RmRebootReason[];
  /** Whether the update ran. */
  updated: boolean;
  /** Whether RmRestart ran. */
  restarted: boolean;
  /** Programs closed and not restarted (not registered for restart): start them yourself. */
  stillClosed: RmProcess[];
}

/** Frees `options.paths`, runs the update, restarts what was closed. */
export async function freeFilesAndRestart(options: FreeFilesOptions): Promise<FreeFilesResult> {
  const log = options.log ?? console.log;
  const update = options.update ?? applyUpdate;
  using rm = RestartManagerSession.start();
  rm.registerFiles(options.paths);
  const { processes, rebootReasons } = rm.list();
  const result: FreeFilesResult = {
    holders: processes,
    rebootReasons,
    updated: false,
    restarted: false,
    stillClosed: [],
  };
  for (const p of processes) {
    const service = p.serviceName ? ` service ${p.serviceName}` : "";
    log(`${p.pid} ${p.appName}${service} (${p.type}${p.restartable ? ", restartable" : ""})`);
  }
  if (rebootReasons.length > 0) log(`a reboot may still be needed: ${rebootReasons.join(", ")}`);
  if (options.dryRun) {
    log(processes.length === 0 ? "nothing holds the files" : "dry run: nothing was closed");
    return result;
  }
  try {
    // Inside the try: a shutdown that fails half-way (ERROR_FAIL_SHUTDOWN) or is cancelled has
    // already closed some programs, and the finally below must bring them back. The update is
    // skipped then, since the files may still be held.
    if (processes.length > 0) {
      log(`closing ${processes.length} process(es)…`);
      await rm.shutdown({ force: options.force, onProgress: (p) => log(`  shutdown ${p}%`) });
    }
    await update(options.paths);
    result.updated = true;
    log("update applied");
  } finally {
    if (processes.length > 0) {
      log("restarting what was closed…");
      await rm.restart({ onProgress: (p) => log(`  restart ${p}%`) });
      result.restarted = true;
      // Say what did not come back (not registered for restart): it stays closed.
      const stillClosed = rm.list().processes.filter((p) =>
        p.status.includes("Stopped") && !p.status.includes("Restarted")
      );
      result.stillClosed = stillClosed;
      for (const p of stillClosed) log(`still closed (start it yourself): ${p.pid} ${p.appName}`);
    }
  }
  return result;
}

const USAGE =
  `Usage: deno run --allow-ffi --allow-read examples/free_files_and_restart.ts [options] <file>...

  --dry-run    only list what holds the files
  --force      also end processes that refuse to close
  -h, --help   show this help`;

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      "dry-run": { type: "boolean", default: false },
      force: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    Deno.exit(values.help ? 0 : 2);
  }
  await freeFilesAndRestart({
    paths: positionals,
    force: values.force,
    dryRun: values["dry-run"],
  });
}
