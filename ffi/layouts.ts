/**
 * Windows x64 layouts of every struct winsession reads or writes: byte size and field offsets,
 * with the field names of the Windows SDK headers.
 *
 * LLP64: DWORD/ULONG/BOOL/enums are 4 bytes, pointers 8, WCHAR is one UTF-16 code unit,
 * LARGE_INTEGER is 8 bytes aligned to 8, FILETIME is two DWORDs aligned to 4.
 * `tests/layout_test.ts` compiles a C program with mingw-w64 against the real headers and checks
 * every number here, so a wrong offset fails a test instead of corrupting a read.
 *
 * @module
 */

/** A struct's size in bytes and its fields' byte offsets. */
export interface StructLayout {
  /** `sizeof(struct)` on Windows x64. */
  readonly size: number;
  /** `offsetof(struct, field)` for each field, by its SDK name. */
  readonly offsets: Readonly<Record<string, number>>;
}

/** FILETIME: two DWORDs, 100 ns intervals since 1601-01-01 UTC. */
export const FILETIME = {
  size: 8,
  offsets: { dwLowDateTime: 0, dwHighDateTime: 4 },
} as const satisfies StructLayout;

/** WTS_SESSION_INFOW, from WTSEnumerateSessionsW. */
export const WTS_SESSION_INFOW = {
  size: 24,
  offsets: { SessionId: 0, pWinStationName: 8, State: 16 },
} as const satisfies StructLayout;

/** WTS_SESSION_INFO_1W, from WTSEnumerateSessionsExW at level 1. */
export const WTS_SESSION_INFO_1W = {
  size: 56,
  offsets: {
    ExecEnvId: 0,
    State: 4,
    SessionId: 8,
    pSessionName: 16,
    pHostName: 24,
    pUserName: 32,
    pDomainName: 40,
    pFarmName: 48,
  },
} as const satisfies StructLayout;

/** WTS_PROCESS_INFOW, from WTSEnumerateProcessesW or WTSEnumerateProcessesExW at level 0. */
export const WTS_PROCESS_INFOW = {
  size: 24,
  offsets: { SessionId: 0, ProcessId: 4, pProcessName: 8, pUserSid: 16 },
} as const satisfies StructLayout;

/** WTS_PROCESS_INFO_EXW, from WTSEnumerateProcessesExW at level 1. */
export const WTS_PROCESS_INFO_EXW = {
  size: 64,
  offsets: {
    SessionId: 0,
    ProcessId: 4,
    pProcessName: 8,
    pUserSid: 16,
    NumberOfThreads: 24,
    HandleCount: 28,
    PagefileUsage: 32,
    PeakPagefileUsage: 36,
    WorkingSetSize: 40,
    PeakWorkingSetSize: 44,
    UserTime: 48,
    KernelTime: 56,
  },
} as const satisfies StructLayout;

/** WTS_SERVER_INFOW, from WTSEnumerateServersW. */
export const WTS_SERVER_INFOW = {
  size: 8,
  offsets: { pServerName: 0 },
} as const satisfies StructLayout;

/** WTSINFOW, the WTSSessionInfo class of WTSQuerySessionInformationW (216 bytes). */
export const WTSINFOW = {
  size: 216,
  offsets: {
    State: 0,
    SessionId: 4,
    IncomingBytes: 8,
    OutgoingBytes: 12,
    IncomingFrames: 16,
    OutgoingFrames: 20,
    IncomingCompressedBytes: 24,
    OutgoingCompressedBytes: 28,
    WinStationName: 32, // WCHAR[WINSTATIONNAME_LENGTH (32)]
    Domain: 96, // WCHAR[DOMAIN_LENGTH (17)]
    UserName: 130, // WCHAR[USERNAME_LENGTH + 1 (21)]
    ConnectTime: 176,
    DisconnectTime: 184,
    LastInputTime: 192,
    LogonTime: 200,
    CurrentTime: 208,
  },
} as const satisfies StructLayout;

/**
 * WTSINFOEXW at level 1 (WTSINFOEX_LEVEL1_W inside the union), the WTSSessionInfoEx class of
 * WTSQuerySessionInformationW (232 bytes). Only the fields winsession reads are listed: the
 * lock flags and the protocol counters.
 */
export const WTSINFOEXW = {
  size: 232,
  offsets: {
    Level: 0,
    SessionId: 8, // the union holds LARGE_INTEGERs: 8-aligned
    SessionState: 12,
    SessionFlags: 16,
    IncomingBytes: 208, // after three WCHAR arrays and five LARGE_INTEGER times
    OutgoingBytes: 212,
    IncomingFrames: 216,
    OutgoingFrames: 220,
    IncomingCompressedBytes: 224,
    OutgoingCompressedBytes: 228,
  },
} as const satisfies StructLayout;

/** SERVER_INFO_101, NetServerGetInfo's level 101 answer (lmserver.h). */
export const SERVER_INFO_101 = {
  size: 40,
  offsets: {
    sv101_platform_id: 0,
    sv101_name: 8,
    sv101_version_major: 16,
    sv101_version_minor: 20,
    sv101_type: 24,
    sv101_comment: 32,
  },
} as const satisfies StructLayout;

/** WTSCLIENTW, the WTSClientInfo class of WTSQuerySessionInformationW. */
export const WTSCLIENTW = {
  size: 2304,
  offsets: {
    ClientName: 0, // WCHAR[CLIENTNAME_LENGTH + 1 (21)]
    Domain: 42, // WCHAR[DOMAIN_LENGTH + 1 (18)]
    UserName: 78, // WCHAR[USERNAME_LENGTH + 1 (21)]
    WorkDirectory: 120, // WCHAR[MAX_PATH + 1 (261)]
    InitialProgram: 642, // WCHAR[MAX_PATH + 1 (261)]
    EncryptionLevel: 1164,
    ClientAddressFamily: 1168,
    ClientAddress: 1172, // USHORT[CLIENTADDRESS_LENGTH + 1 (31)]
    HRes: 1234,
    VRes: 1236,
    ColorDepth: 1238,
    ClientDirectory: 1240, // WCHAR[MAX_PATH + 1 (261)]
    ClientBuildNumber: 1764,
    HardwareId: 1768,
    ProductId: 1772,
    OutBufCountHost: 1774,
    OutBufCountClient: 1776,
    OutBufLength: 1778,
    DeviceId: 1780, // WCHAR[MAX_PATH + 1 (261)]
  },
} as const satisfies StructLayout;

/** WTS_CLIENT_ADDRESS, the WTSClientAddress class of WTSQuerySessionInformationW. */
export const WTS_CLIENT_ADDRESS = {
  size: 24,
  offsets: { AddressFamily: 0, Address: 4 }, // BYTE[20]
} as const satisfies StructLayout;

/** RM_UNIQUE_PROCESS: a process identified by pid and start time (pids are reused). */
export const RM_UNIQUE_PROCESS = {
  size: 12,
  offsets: { dwProcessId: 0, ProcessStartTime: 4 },
} as const satisfies StructLayout;

/** RM_PROCESS_INFO, from RmGetList. */
export const RM_PROCESS_INFO = {
  size: 668,
  offsets: {
    Process: 0,
    strAppName: 12, // WCHAR[CCH_RM_MAX_APP_NAME + 1 (256)]
    strServiceShortName: 524, // WCHAR[CCH_RM_MAX_SVC_NAME + 1 (64)]
    ApplicationType: 652,
    AppStatus: 656,
    TSSessionId: 660,
    bRestartable: 664,
  },
} as const satisfies StructLayout;

/** RM_FILTER_INFO, records packed by RmGetFilterList (the union holds a pointer or a process). */
export const RM_FILTER_INFO = {
  size: 32,
  offsets: {
    FilterAction: 0,
    FilterTrigger: 4,
    cbNextOffset: 8,
    strFilename: 16,
    Process: 16,
    strServiceShortName: 16,
  },
} as const satisfies StructLayout;

/**
 * WIN32_FIND_DATAW, filled by FindFirstFileExW/FindNextFileW (the folder walk of rm/_walk.ts).
 * `dwReserved0` holds the reparse tag when `dwFileAttributes` has FILE_ATTRIBUTE_REPARSE_POINT.
 */
export const WIN32_FIND_DATAW = {
  size: 592,
  offsets: {
    dwFileAttributes: 0,
    ftCreationTime: 4,
    ftLastAccessTime: 12,
    ftLastWriteTime: 20,
    nFileSizeHigh: 28,
    nFileSizeLow: 32,
    dwReserved0: 36,
    dwReserved1: 40,
    cFileName: 44, // WCHAR[MAX_PATH (260)]
    cAlternateFileName: 564, // WCHAR[14]
  },
} as const satisfies StructLayout;

/** Lengths of the fixed WCHAR arrays above, in code units including the NUL. */
export const WCHAR_ARRAY_LENGTHS = {
  WINSTATIONNAME_LENGTH: 32,
  WTSINFO_DOMAIN: 17,
  WTSINFO_USERNAME: 21,
  WTSCLIENT_CLIENTNAME: 21,
  WTSCLIENT_DOMAIN: 18,
  WTSCLIENT_USERNAME: 21,
  MAX_PATH_PLUS_1: 261,
  CLIENTADDRESS_LENGTH_PLUS_1: 31,
  RM_APP_NAME: 256,
  RM_SERVICE_NAME: 64,
  RM_SESSION_KEY: 33,
  FIND_DATA_FILE_NAME: 260,
} as const;
