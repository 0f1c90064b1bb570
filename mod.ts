/**
 * winsession: Remote Desktop sessions (wtsapi32.dll) and the Restart Manager (rstrtmgr.dll)
 * for Deno, through `Deno.dlopen`.
 *
 * Sessions (wtsapi32.dll): list them with users, clients and idle times, look one up,
 * disconnect or log them off, message their users, list and end their processes, watch their
 * events live, and ask many servers at once. Every Win32 failure is a `WindowsError` naming the
 * function and the error (`ERROR_ACCESS_DENIED (5): Access is denied.`); every buffer and
 * handle Windows hands back is released.
 *
 * Needs `--allow-ffi` and Windows (or the test doubles, via `setDllDirectory` or
 * `WINSESSION_DLL_DIR`). The system DLLs are loaded by full path from the system directory only.
 *
 * @example Log off every session disconnected for more than a day
 * ```ts ignore
 * import { listSessions, logoffSession } from "./mod.ts";
 *
 * const day = 24 * 60 * 60 * 1000;
 * for (const session of await listSessions({ server: "rdsh01" })) {
 *   const since = session.disconnectTime?.getTime();
 *   if (session.state === "Disconnected" && since !== undefined && Date.now() - since > day) {
 *     await logoffSession(session.id, { server: "rdsh01" });
 *   }
 * }
 * ```
 *
 * @module
 */

export * from "./ffi/errors.ts";
export { closeLibraries, setDllDirectory } from "./ffi/load.ts";
export * from "./wts/sessions.ts";
export * from "./wts/messages.ts";
export * from "./wts/processes.ts";
export * from "./wts/accounts.ts";
export * from "./wts/server.ts";
export * from "./wts/fanout.ts";
export * from "./wts/events.ts";
export * from "./wts/targets.ts";
export * from "./wts/session_detail.ts";
export * from "./wts/watch_servers.ts";
export * from "./rm/session.ts";
export * from "./rm/locks.ts";
export * from "./rm/release.ts";
export * from "./rm/holders.ts";
export * from "./rm/ask.ts";
export * from "./rm/wait.ts";
export * from "./rm/exclusions.ts";
