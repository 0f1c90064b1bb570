/**
 * Symbol table for the few kernel32.dll functions winsession needs, Windows x64 ABI.
 *
 * `lstrlenW` is not a Win32 feature the toolkit exposes: it measures UTF-16 strings that
 * WTS calls return, so the decoder copies each string with one `copyInto` instead of reading
 * it code unit by code unit (measured ~2x faster on 10,000 process rows). `GetSystemDirectoryW`
 * is how ffi/load.ts finds System32, the only folder it loads the system DLLs from.
 *
 * @module
 */

/** Every kernel32.dll function winsession calls. */
export const KERNEL32_SYMBOLS = {
  /** DWORD GetLastError(void) */
  GetLastError: { parameters: [], result: "u32" },
  /**
   * void SetLastError(DWORD dwErrCode)
   * Cleared to 0 before calls whose failure is read from the last error: some implementations
   * (Wine's WTS stubs among them) return FALSE without setting it, and a stale code from an
   * earlier call would then be reported as the cause.
   */
  SetLastError: { parameters: ["u32"], result: "void" },
  /**
   * DWORD FormatMessageW(DWORD dwFlags, LPCVOID lpSource, DWORD dwMessageId, DWORD dwLanguageId,
   * LPWSTR lpBuffer, DWORD nSize, va_list *Arguments)
   * With FORMAT_MESSAGE_ALLOCATE_BUFFER, lpBuffer receives a LocalAlloc'd pointer.
   */
  FormatMessageW: {
    parameters: ["u32", "pointer", "u32", "u32", "buffer", "u32", "pointer"],
    result: "u32",
  },
  /** HLOCAL LocalFree(HLOCAL hMem) */
  LocalFree: { parameters: ["pointer"], result: "pointer" },
  /** BOOL ProcessIdToSessionId(DWORD dwProcessId, DWORD *pSessionId) */
  ProcessIdToSessionId: { parameters: ["u32", "buffer"], result: "i32" },
  /** DWORD WTSGetActiveConsoleSessionId(void) */
  WTSGetActiveConsoleSessionId: { parameters: [], result: "u32" },
  /** DWORD GetCurrentProcessId(void) */
  GetCurrentProcessId: { parameters: [], result: "u32" },
  /** HANDLE OpenProcess(DWORD dwDesiredAccess, BOOL bInheritHandle, DWORD dwProcessId) */
  OpenProcess: { parameters: ["u32", "i32", "u32"], result: "pointer" },
  /**
   * BOOL GetProcessTimes(HANDLE hProcess, LPFILETIME lpCreationTime, LPFILETIME lpExitTime,
   * LPFILETIME lpKernelTime, LPFILETIME lpUserTime)
   */
  GetProcessTimes: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  /** BOOL CloseHandle(HANDLE hObject) */
  CloseHandle: { parameters: ["pointer"], result: "i32" },
  /** BOOL QueryFullProcessImageNameW(HANDLE hProcess, DWORD dwFlags, LPWSTR lpExeName, PDWORD lpdwSize) */
  QueryFullProcessImageNameW: {
    parameters: ["pointer", "u32", "buffer", "buffer"],
    result: "i32",
  },
  /**
   * UINT GetSystemDirectoryW(LPWSTR lpBuffer, UINT uSize)
   * Returns the length without the NUL on success, the size needed INCLUDING the NUL when
   * `uSize` is too small, 0 on failure (last error set). ffi/load.ts builds every DLL path from it.
   */
  GetSystemDirectoryW: { parameters: ["buffer", "u32"], result: "u32" },
  /** int lstrlenW(LPCWSTR lpString): length in UTF-16 code units, without the NUL. */
  lstrlenW: { parameters: ["pointer"], result: "i32" },
  /**
   * VOID RtlMoveMemory(VOID *Destination, const VOID *Source, SIZE_T Length): copies a block
   * Windows returned into a buffer of ours (wts/_query.ts, four times per session).
   *
   * `Length` is declared `"pointer"`, not `"usize"`: both are one 64-bit integer register in
   * the x64 calling convention, so the call is the same, but Deno compiles calls whose
   * parameters are buffers, pointers and 32-bit numbers into V8 fast calls, and a `"usize"`
   * parameter leaves that path (measured: 17 ns a call with pointer parameters, 182 with one
   * `usize`; `UnsafePointerView.copyInto`, the op this replaces, 207). The caller passes
   * `Deno.UnsafePointer.create(BigInt(length))`, made once per length. Exported by kernel32 on
   * x64 (forwarded to ntdll, as Wine's kernel32 spec also shows).
   */
  RtlMoveMemory: { parameters: ["buffer", "pointer", "pointer"], result: "void" },
  /**
   * HANDLE FindFirstFileExW(LPCWSTR lpFileName, FINDEX_INFO_LEVELS fInfoLevelId,
   * LPVOID lpFindFileData, FINDEX_SEARCH_OPS fSearchOp, LPVOID lpSearchFilter,
   * DWORD dwAdditionalFlags): INVALID_HANDLE_VALUE (-1) on failure, last error set. The folder
   * walk of rm/_walk.ts, with {@linkcode FindExInfoBasic} and
   * {@linkcode FIND_FIRST_EX_LARGE_FETCH}.
   */
  FindFirstFileExW: {
    parameters: ["buffer", "i32", "buffer", "i32", "pointer", "u32"],
    result: "pointer",
  },
  /** BOOL FindNextFileW(HANDLE hFindFile, LPWIN32_FIND_DATAW lpFindFileData) */
  FindNextFileW: { parameters: ["pointer", "buffer"], result: "i32" },
  /** BOOL FindClose(HANDLE hFindFile) */
  FindClose: { parameters: ["pointer"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** `FindExInfoBasic`: no 8.3 short name (`cAlternateFileName` stays empty), which is faster. */
export const FindExInfoBasic = 1;
/** `FindExSearchNameMatch`: entries whose name matches the pattern (the walk passes `*`). */
export const FindExSearchNameMatch = 0;
/** `FIND_FIRST_EX_LARGE_FETCH`: a larger buffer per directory query (Windows 7 and later). */
export const FIND_FIRST_EX_LARGE_FETCH = 2;

/** The symbol table's type, for typing an opened kernel32 library. */
export type Kernel32Symbols = typeof KERNEL32_SYMBOLS;
