/**
 * Symbol table for the few advapi32.dll functions winsession needs, Windows x64 ABI: account
 * names for SIDs (`LookupAccountSidW`) and the elevation of this process's token.
 *
 * In-strings, SIDs and out-parameters are `"buffer"` so callers pass `Uint8Array`s they own
 * (`null` for an absent `lpSystemName`); handles are `"pointer"`. A token handle from
 * `OpenProcessToken` is closed with kernel32's `CloseHandle`.
 *
 * `LookupAccountSidW` asks the target computer's LSA over RPC when `lpSystemName` names another
 * machine, and a domain controller for domain accounts, so it also has an `…Async` twin bound
 * with `nonblocking: true`; the last error of that twin lives on the pool thread (see
 * `wts/_context.ts`).
 *
 * @module
 */

const lookupAccountSid = {
  parameters: ["buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
  result: "i32",
} as const;

/** Every advapi32.dll function winsession calls. */
export const ADVAPI32_SYMBOLS = {
  /**
   * BOOL LookupAccountSidW(LPCWSTR lpSystemName, PSID Sid, LPWSTR Name, LPDWORD cchName,
   * LPWSTR ReferencedDomainName, LPDWORD cchReferencedDomainName, PSID_NAME_USE peUse)
   *
   * Too-small buffers: FALSE, ERROR_INSUFFICIENT_BUFFER, and both counts set to the sizes
   * needed INCLUDING the NUL; success: the counts hold the lengths WITHOUT the NUL.
   */
  LookupAccountSidW: lookupAccountSid,
  /** The same call on Deno's FFI thread pool (remote or domain lookups can wait on RPC). */
  LookupAccountSidWAsync: { name: "LookupAccountSidW", ...lookupAccountSid, nonblocking: true },
  /** BOOL OpenProcessToken(HANDLE ProcessHandle, DWORD DesiredAccess, PHANDLE TokenHandle) */
  OpenProcessToken: { parameters: ["pointer", "u32", "buffer"], result: "i32" },
  /**
   * BOOL GetTokenInformation(HANDLE TokenHandle, TOKEN_INFORMATION_CLASS TokenInformationClass,
   * LPVOID TokenInformation, DWORD TokenInformationLength, PDWORD ReturnLength)
   */
  GetTokenInformation: {
    parameters: ["pointer", "u32", "buffer", "u32", "buffer"],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The symbol table's type, for typing an opened advapi32 library. */
export type Advapi32Symbols = typeof ADVAPI32_SYMBOLS;
