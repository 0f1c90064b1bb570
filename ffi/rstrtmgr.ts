/**
 * Symbol table for rstrtmgr.dll (the Restart Manager), Windows x64 ABI.
 *
 * Every Rm* function returns a Win32 error code (`ERROR_SUCCESS` = 0) instead of setting the
 * last error. Session handles are DWORDs. `RmShutdown` and `RmRestart` take a
 * `RM_WRITE_STATUS_CALLBACK` (`void (UINT nPercentComplete)`) as a function pointer; their
 * `…Async` twins run on Deno's FFI thread pool and need a thread-safe `Deno.UnsafeCallback`.
 *
 * @module
 */

const shutdown = { parameters: ["u32", "u32", "function"], result: "u32" } as const;

/** Every rstrtmgr.dll function winsession calls. */
export const RSTRTMGR_SYMBOLS = {
  /** DWORD RmStartSession(DWORD *pSessionHandle, DWORD dwSessionFlags, WCHAR strSessionKey[CCH_RM_SESSION_KEY + 1]) */
  RmStartSession: { parameters: ["buffer", "u32", "buffer"], result: "u32" },
  /** DWORD RmJoinSession(DWORD *pSessionHandle, const WCHAR strSessionKey[CCH_RM_SESSION_KEY + 1]) */
  RmJoinSession: { parameters: ["buffer", "buffer"], result: "u32" },
  /** DWORD RmEndSession(DWORD dwSessionHandle) */
  RmEndSession: { parameters: ["u32"], result: "u32" },
  /**
   * DWORD RmRegisterResources(DWORD dwSessionHandle, UINT nFiles, LPCWSTR rgsFileNames[],
   * UINT nApplications, RM_UNIQUE_PROCESS rgApplications[], UINT nServices, LPCWSTR rgsServiceNames[])
   */
  RmRegisterResources: {
    parameters: ["u32", "u32", "buffer", "u32", "buffer", "u32", "buffer"],
    result: "u32",
  },
  /**
   * DWORD RmGetList(DWORD dwSessionHandle, UINT *pnProcInfoNeeded, UINT *pnProcInfo,
   * RM_PROCESS_INFO rgAffectedApps[], LPDWORD lpdwRebootReasons)
   */
  RmGetList: { parameters: ["u32", "buffer", "buffer", "buffer", "buffer"], result: "u32" },
  /** DWORD RmShutdown(DWORD dwSessionHandle, ULONG lActionFlags, RM_WRITE_STATUS_CALLBACK fnStatus) */
  RmShutdown: shutdown,
  RmShutdownAsync: { name: "RmShutdown", ...shutdown, nonblocking: true },
  /** DWORD RmRestart(DWORD dwSessionHandle, DWORD dwRestartFlags, RM_WRITE_STATUS_CALLBACK fnStatus) */
  RmRestart: shutdown,
  RmRestartAsync: { name: "RmRestart", ...shutdown, nonblocking: true },
  /** DWORD RmCancelCurrentTask(DWORD dwSessionHandle) */
  RmCancelCurrentTask: { parameters: ["u32"], result: "u32" },
  /**
   * The same on the FFI thread pool: rm/_task.ts cancels through it so the main thread stays
   * free to run the status callback RmShutdown's thread may be waiting in (see there).
   */
  RmCancelCurrentTaskAsync: {
    name: "RmCancelCurrentTask",
    parameters: ["u32"],
    result: "u32",
    nonblocking: true,
  },
  /**
   * DWORD RmAddFilter(DWORD dwSessionHandle, LPCWSTR strModuleName, RM_UNIQUE_PROCESS *pProcess,
   * LPCWSTR strServiceShortName, RM_FILTER_ACTION FilterAction)
   */
  RmAddFilter: { parameters: ["u32", "buffer", "buffer", "buffer", "u32"], result: "u32" },
  /**
   * DWORD RmRemoveFilter(DWORD dwSessionHandle, LPCWSTR strModuleName, RM_UNIQUE_PROCESS *pProcess,
   * LPCWSTR strServiceShortName)
   */
  RmRemoveFilter: { parameters: ["u32", "buffer", "buffer", "buffer"], result: "u32" },
  /** DWORD RmGetFilterList(DWORD dwSessionHandle, PBYTE pbFilterBuf, DWORD cbFilterBuf, LPDWORD cbFilterBufNeeded) */
  RmGetFilterList: { parameters: ["u32", "buffer", "u32", "buffer"], result: "u32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The symbol table's type, for typing an opened rstrtmgr library. */
export type RstrtmgrSymbols = typeof RSTRTMGR_SYMBOLS;
