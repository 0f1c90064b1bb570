/**
 * Symbol table for ntdll.dll, Windows x64 ABI: only RtlGetVersion, which tells the real
 * Windows version (GetVersionExW lies to processes without a compatibility manifest, and
 * deno.exe declares no supported OS in one, so it would answer 6.2 on Windows 8.1 and later).
 *
 * Only declarations live here; `wts/_os_version.ts` opens the library.
 *
 * @module
 */

/** Every ntdll.dll function winsession calls. */
export const NTDLL_SYMBOLS = {
  /** NTSTATUS RtlGetVersion(PRTL_OSVERSIONINFOW lpVersionInformation) */
  RtlGetVersion: { parameters: ["buffer"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The symbol table's type, for typing an opened ntdll library. */
export type NtdllSymbols = typeof NTDLL_SYMBOLS;

/** `sizeof(RTL_OSVERSIONINFOW)`: five DWORDs and `WCHAR szCSDVersion[128]`. */
export const RTL_OSVERSIONINFOW_SIZE = 276;
