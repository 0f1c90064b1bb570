/**
 * Symbol table for netapi32.dll, Windows x64 ABI: NetServerGetInfo at level 101, which tells a
 * server's Windows version (needed to read WTSSessionInfoEx's lock flags, reversed on
 * Windows 7 / Server 2008 R2), and NetApiBufferFree for the buffer it returns.
 *
 * NET_API_STATUS functions return their error code instead of setting the last error, so the
 * nonblocking twin reports the real code from any thread.
 *
 * Only declarations live here; `wts/_os_version.ts` opens the library.
 *
 * @module
 */

const getInfo = { parameters: ["buffer", "u32", "buffer"], result: "u32" } as const;

/** Every netapi32.dll function winsession calls. */
export const NETAPI32_SYMBOLS = {
  /** NET_API_STATUS NetServerGetInfo(LMSTR servername, DWORD level, LPBYTE *bufptr) */
  NetServerGetInfo: getInfo,
  NetServerGetInfoAsync: { name: "NetServerGetInfo", ...getInfo, nonblocking: true },
  /** NET_API_STATUS NetApiBufferFree(LPVOID Buffer) */
  NetApiBufferFree: { parameters: ["pointer"], result: "u32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The symbol table's type, for typing an opened netapi32 library. */
export type Netapi32Symbols = typeof NETAPI32_SYMBOLS;

/** `MAJOR_VERSION_MASK` (lmserver.h): `sv101_version_major` keeps the server type in its high bits. */
export const MAJOR_VERSION_MASK = 0x0f;
