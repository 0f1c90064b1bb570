/**
 * winsession: Remote Desktop sessions (wtsapi32.dll) and the Restart Manager (rstrtmgr.dll)
 * for Deno, through `Deno.dlopen`.
 *
 * @module
 */

export * from "./restart_manager.ts";
export * from "./locks.ts";
