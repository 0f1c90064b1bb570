/**
 * Symbol table for wtsapi32.dll (Remote Desktop Services API), Windows x64 ABI.
 *
 * Only declarations live here: behaviour is in the modules that `mod.ts` re-exports.
 * Handles are `"pointer"` (`WTS_CURRENT_SERVER_HANDLE` is `null`); in-strings, out-pointers
 * and out-DWORDs are `"buffer"` so callers pass `Uint8Array`s they own.
 *
 * Calls that can wait on the network or on a user (remote enumeration, a message box with
 * `bWait`, a synchronous disconnect) also have an `…Async` twin bound with
 * `nonblocking: true`, so they run on Deno's FFI thread pool and never freeze the event loop.
 * The Win32 last error of a nonblocking call lives on the pool thread that ran it, so callers
 * of the twins must not read `GetLastError` on the main thread afterwards.
 *
 * @module
 */

/** BOOL-returning `WTSEnumerate*`-style call: (handle, reserved|level*, version|filter, out ptr*, out count*). */
const enumerate = {
  parameters: ["pointer", "u32", "u32", "buffer", "buffer"],
  result: "i32",
} as const;
const enumerateEx = {
  parameters: ["pointer", "buffer", "u32", "buffer", "buffer"],
  result: "i32",
} as const;
const querySession = {
  parameters: ["pointer", "u32", "u32", "buffer", "buffer"],
  result: "i32",
} as const;
const sessionAction = { parameters: ["pointer", "u32", "i32"], result: "i32" } as const;
const sendMessage = {
  parameters: ["pointer", "u32", "buffer", "u32", "buffer", "u32", "u32", "u32", "buffer", "i32"],
  result: "i32",
} as const;

/** Every wtsapi32.dll function winsession calls. */
export const WTSAPI32_SYMBOLS = {
  /** HANDLE WTSOpenServerW(LPWSTR pServerName) */
  WTSOpenServerW: { parameters: ["buffer"], result: "pointer" },
  /**
   * Nonblocking twin for the fan-out: opening a remote server is an RPC of its own
   * (RpcWinStationOpenServer, MS-TSTS 3.7.4.1.1), so it must not run on the main thread.
   */
  WTSOpenServerWAsync: {
    name: "WTSOpenServerW",
    parameters: ["buffer"],
    result: "pointer",
    nonblocking: true,
  },
  /** HANDLE WTSOpenServerExW(LPWSTR pServerName) */
  WTSOpenServerExW: { parameters: ["buffer"], result: "pointer" },
  /** void WTSCloseServer(HANDLE hServer) */
  WTSCloseServer: { parameters: ["pointer"], result: "void" },
  /** BOOL WTSEnumerateServersW(LPWSTR pDomainName, DWORD Reserved, DWORD Version, PWTS_SERVER_INFOW *ppServerInfo, DWORD *pCount) */
  WTSEnumerateServersW: { parameters: ["buffer", "u32", "u32", "buffer", "buffer"], result: "i32" },
  WTSEnumerateServersWAsync: {
    name: "WTSEnumerateServersW",
    parameters: ["buffer", "u32", "u32", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  /** BOOL WTSEnumerateSessionsW(HANDLE hServer, DWORD Reserved, DWORD Version, PWTS_SESSION_INFOW *ppSessionInfo, DWORD *pCount) */
  WTSEnumerateSessionsW: enumerate,
  WTSEnumerateSessionsWAsync: { name: "WTSEnumerateSessionsW", ...enumerate, nonblocking: true },
  /** BOOL WTSEnumerateSessionsExW(HANDLE hServer, DWORD *pLevel, DWORD Filter, PWTS_SESSION_INFO_1W *ppSessionInfo, DWORD *pCount) */
  WTSEnumerateSessionsExW: enumerateEx,
  WTSEnumerateSessionsExWAsync: {
    name: "WTSEnumerateSessionsExW",
    ...enumerateEx,
    nonblocking: true,
  },
  /** BOOL WTSQuerySessionInformationW(HANDLE hServer, DWORD SessionId, WTS_INFO_CLASS WTSInfoClass, LPWSTR *ppBuffer, DWORD *pBytesReturned) */
  WTSQuerySessionInformationW: querySession,
  WTSQuerySessionInformationWAsync: {
    name: "WTSQuerySessionInformationW",
    ...querySession,
    nonblocking: true,
  },
  /** BOOL WTSDisconnectSession(HANDLE hServer, DWORD SessionId, BOOL bWait) */
  WTSDisconnectSession: sessionAction,
  WTSDisconnectSessionAsync: { name: "WTSDisconnectSession", ...sessionAction, nonblocking: true },
  /** BOOL WTSLogoffSession(HANDLE hServer, DWORD SessionId, BOOL bWait) */
  WTSLogoffSession: sessionAction,
  WTSLogoffSessionAsync: { name: "WTSLogoffSession", ...sessionAction, nonblocking: true },
  /**
   * BOOL WTSSendMessageW(HANDLE hServer, DWORD SessionId, LPWSTR pTitle, DWORD TitleLength,
   * LPWSTR pMessage, DWORD MessageLength, DWORD Style, DWORD Timeout, DWORD *pResponse, BOOL bWait)
   * Lengths are in bytes.
   */
  WTSSendMessageW: sendMessage,
  WTSSendMessageWAsync: { name: "WTSSendMessageW", ...sendMessage, nonblocking: true },
  /** BOOL WTSEnumerateProcessesW(HANDLE hServer, DWORD Reserved, DWORD Version, PWTS_PROCESS_INFOW *ppProcessInfo, DWORD *pCount) */
  WTSEnumerateProcessesW: enumerate,
  WTSEnumerateProcessesWAsync: { name: "WTSEnumerateProcessesW", ...enumerate, nonblocking: true },
  /** BOOL WTSEnumerateProcessesExW(HANDLE hServer, DWORD *pLevel, DWORD SessionId, LPWSTR *ppProcessInfo, DWORD *pCount) */
  WTSEnumerateProcessesExW: enumerateEx,
  WTSEnumerateProcessesExWAsync: {
    name: "WTSEnumerateProcessesExW",
    ...enumerateEx,
    nonblocking: true,
  },
  /** BOOL WTSTerminateProcess(HANDLE hServer, DWORD ProcessId, DWORD ExitCode) */
  WTSTerminateProcess: { parameters: ["pointer", "u32", "u32"], result: "i32" },
  /**
   * BOOL WTSWaitSystemEvent(HANDLE hServer, DWORD EventMask, DWORD *pEventFlags)
   * Blocks until an event: always nonblocking so the wait runs off the main thread.
   */
  WTSWaitSystemEvent: {
    parameters: ["pointer", "u32", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  /** Synchronous twin used only to post WTS_EVENT_FLUSH, which returns at once. */
  WTSWaitSystemEventFlush: {
    name: "WTSWaitSystemEvent",
    parameters: ["pointer", "u32", "buffer"],
    result: "i32",
  },
  /** void WTSFreeMemory(PVOID pMemory) */
  WTSFreeMemory: { parameters: ["pointer"], result: "void" },
  /** BOOL WTSFreeMemoryExW(WTS_TYPE_CLASS WTSTypeClass, PVOID pMemory, ULONG NumberOfEntries) */
  WTSFreeMemoryExW: { parameters: ["u32", "pointer", "u32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The symbol table's type, for typing an opened wtsapi32 library. */
export type Wtsapi32Symbols = typeof WTSAPI32_SYMBOLS;

/** The `WTS_INFO_CLASS` values (wtsapi32.h) winsession passes to WTSQuerySessionInformationW. */
export const WTSInfoClass = {
  WTSConnectState: 8,
  WTSClientName: 10,
  WTSClientAddress: 14,
  WTSClientProtocolType: 16,
  WTSSessionInfo: 24,
  WTSSessionInfoEx: 25,
} as const;

/** The `WTS_TYPE_CLASS` values (wtsapi32.h) of the arrays winsession frees with WTSFreeMemoryExW. */
export const WTSTypeClass = {
  /** A `WTS_PROCESS_INFO_EXW` array (WTSEnumerateProcessesExW at level 1). */
  WTSTypeProcessInfoLevel1: 1,
  /** A `WTS_SESSION_INFO_1W` array (WTSEnumerateSessionsExW at level 1). */
  WTSTypeSessionInfoLevel1: 2,
} as const;

/** `WTS_ANY_SESSION`: the session filter of WTSEnumerateProcessesExW meaning "all sessions". */
export const WTS_ANY_SESSION = 0xffff_fffe;
