/*
 * sizeof/offsetof of every struct in ffi/layouts.ts, as the Windows SDK headers (mingw-w64's
 * copies) define them for Windows x64. Compiled with `x86_64-w64-mingw32-gcc -S` only, never run:
 * each number becomes one named constant in the assembly (`<symbol>:` then `.quad <value>`),
 * which tests/layout_test.ts parses and compares with layouts.ts.
 *
 * Symbol names: size__<STRUCT>, off__<STRUCT>__<Field>, len__<KEY>, using the names of
 * layouts.ts (its exports, its field keys, its WCHAR_ARRAY_LENGTHS keys).
 */
#define _WIN32_WINNT 0x0A00
#include <stddef.h>
#include <windows.h>
#include <wtsapi32.h>
#include <restartmanager.h>
#include <lm.h>

/*
 * mingw-w64's wtsapi32.h lacks these two (WTSEnumerateSessionsExW level 1 and
 * WTSEnumerateProcessesExW level 1), so they are declared here exactly as Microsoft documents
 * them (wtsapi32.h, Windows 7 / Server 2008 R2 and later), under names of our own so a newer
 * mingw that adds them cannot clash.
 */
typedef struct {
  DWORD ExecEnvId;
  WTS_CONNECTSTATE_CLASS State;
  DWORD SessionId;
  LPWSTR pSessionName;
  LPWSTR pHostName;
  LPWSTR pUserName;
  LPWSTR pDomainName;
  LPWSTR pFarmName;
} DOC_WTS_SESSION_INFO_1W;

typedef struct {
  DWORD SessionId;
  DWORD ProcessId;
  LPWSTR pProcessName;
  PSID pUserSid;
  DWORD NumberOfThreads;
  DWORD HandleCount;
  DWORD PagefileUsage;
  DWORD PeakPagefileUsage;
  DWORD WorkingSetSize;
  DWORD PeakWorkingSetSize;
  LARGE_INTEGER UserTime;
  LARGE_INTEGER KernelTime;
} DOC_WTS_PROCESS_INFO_EXW;

/* WTSINFOEXW (the WTSSessionInfoEx class, level 1), also missing from mingw-w64's header:
 * declared as Microsoft's WTSINFOEXW / WTSINFOEX_LEVEL1_W pages give it. */
typedef struct {
  ULONG SessionId;
  WTS_CONNECTSTATE_CLASS SessionState;
  LONG SessionFlags;
  WCHAR WinStationName[WINSTATIONNAME_LENGTH + 1];
  WCHAR UserName[USERNAME_LENGTH + 1];
  WCHAR DomainName[DOMAIN_LENGTH + 1];
  LARGE_INTEGER LogonTime, ConnectTime, DisconnectTime, LastInputTime, CurrentTime;
  DWORD IncomingBytes, OutgoingBytes, IncomingFrames, OutgoingFrames, IncomingCompressedBytes,
      OutgoingCompressedBytes;
} DOC_WTSINFOEX_LEVEL1_W;
typedef struct {
  DWORD Level;
  union {
    DOC_WTSINFOEX_LEVEL1_W WTSInfoExLevel1;
  } Data;
} DOC_WTSINFOEXW;

#define SIZE(NAME, TYPE) const unsigned long long size__##NAME = sizeof(TYPE);
#define OFF(NAME, TYPE, KEY, FIELD) \
  const unsigned long long off__##NAME##__##KEY = offsetof(TYPE, FIELD);
#define FIELD_OF(NAME, KEY) OFF(NAME, NAME, KEY, KEY)
#define WCHARS(TYPE, FIELD) (sizeof(((TYPE *)0)->FIELD) / sizeof(WCHAR))
#define LEN(KEY, VALUE) const unsigned long long len__##KEY = (VALUE);

SIZE(FILETIME, FILETIME)
FIELD_OF(FILETIME, dwLowDateTime)
FIELD_OF(FILETIME, dwHighDateTime)

SIZE(WTS_SESSION_INFOW, WTS_SESSION_INFOW)
FIELD_OF(WTS_SESSION_INFOW, SessionId)
FIELD_OF(WTS_SESSION_INFOW, pWinStationName)
FIELD_OF(WTS_SESSION_INFOW, State)

SIZE(WTS_SESSION_INFO_1W, DOC_WTS_SESSION_INFO_1W)
OFF(WTS_SESSION_INFO_1W, DOC_WTS_SESSION_INFO_1W, ExecEnvId, ExecEnvId)
OFF(WTS_SESSION_INFO_1W, DOC_WTS_SESSION_INFO_1W, State, State)
OFF(WTS_SESSION_INFO_1W, DOC_WTS_SESSION_INFO_1W, SessionId, SessionId)
OFF(WTS_SESSION_INFO_1W, DOC_WTS_SESSION_INFO_1W, pSessionName, pSessionName)
OFF(WTS_SESSION_INFO_1W, DOC_WTS_SESSION_INFO_1W, pHostName, pHostName)
OFF(WTS_SESSION_INFO_1W, DOC_WTS_SESSION_INFO_1W, pUserName, pUserName)
OFF(WTS_SESSION_INFO_1W, DOC_WTS_SESSION_INFO_1W, pDomainName, pDomainName)
OFF(WTS_SESSION_INFO_1W, DOC_WTS_SESSION_INFO_1W, pFarmName, pFarmName)

SIZE(WTS_PROCESS_INFOW, WTS_PROCESS_INFOW)
FIELD_OF(WTS_PROCESS_INFOW, SessionId)
FIELD_OF(WTS_PROCESS_INFOW, ProcessId)
FIELD_OF(WTS_PROCESS_INFOW, pProcessName)
FIELD_OF(WTS_PROCESS_INFOW, pUserSid)

SIZE(WTS_PROCESS_INFO_EXW, DOC_WTS_PROCESS_INFO_EXW)
OFF(WTS_PROCESS_INFO_EXW, DOC_WTS_PROCESS_INFO_EXW, SessionId, SessionId)
OFF(WTS_PROCESS_INFO_EXW, DOC_WTS_PROCESS_INFO_EXW, ProcessId, ProcessId)
OFF(WTS_PROCESS_INFO_EXW, DOC_WTS_PROCESS_INFO_EXW, pProcessName, pProcessName)
OFF(WTS_PROCESS_INFO_EXW, DOC_WTS_PROCESS_INFO_EXW, pUserSid, pUserSid)
OFF(WTS_PROCESS_INFO_EXW, DOC_WTS_PROCESS_INFO_EXW, NumberOfThreads, NumberOfThreads)
OFF(WTS_PROCESS_INFO_EXW, DOC_WTS_PROCESS_INFO_EXW, HandleCount, HandleCount)
OFF(WTS_PROCESS_INFO_EXW, DOC_WTS_PROCESS_INFO_EXW, PagefileUsage, PagefileUsage)
OFF(WTS_PROCESS_INFO_EXW, DOC_WTS_PROCESS_INFO_EXW, PeakPagefileUsage, PeakPagefileUsage)
OFF(WTS_PROCESS_INFO_EXW, DOC_WTS_PROCESS_INFO_EXW, WorkingSetSize, WorkingSetSize)
OFF(WTS_PROCESS_INFO_EXW, DOC_WTS_PROCESS_INFO_EXW, PeakWorkingSetSize, PeakWorkingSetSize)
OFF(WTS_PROCESS_INFO_EXW, DOC_WTS_PROCESS_INFO_EXW, UserTime, UserTime)
OFF(WTS_PROCESS_INFO_EXW, DOC_WTS_PROCESS_INFO_EXW, KernelTime, KernelTime)

SIZE(WTS_SERVER_INFOW, WTS_SERVER_INFOW)
FIELD_OF(WTS_SERVER_INFOW, pServerName)

SIZE(WTSINFOW, WTSINFOW)
FIELD_OF(WTSINFOW, State)
FIELD_OF(WTSINFOW, SessionId)
FIELD_OF(WTSINFOW, IncomingBytes)
FIELD_OF(WTSINFOW, OutgoingBytes)
FIELD_OF(WTSINFOW, IncomingFrames)
FIELD_OF(WTSINFOW, OutgoingFrames)
FIELD_OF(WTSINFOW, IncomingCompressedBytes)
FIELD_OF(WTSINFOW, OutgoingCompressedBytes)
FIELD_OF(WTSINFOW, WinStationName)
FIELD_OF(WTSINFOW, Domain)
FIELD_OF(WTSINFOW, UserName)
FIELD_OF(WTSINFOW, ConnectTime)
FIELD_OF(WTSINFOW, DisconnectTime)
FIELD_OF(WTSINFOW, LastInputTime)
FIELD_OF(WTSINFOW, LogonTime)
FIELD_OF(WTSINFOW, CurrentTime)

SIZE(WTSINFOEXW, DOC_WTSINFOEXW)
OFF(WTSINFOEXW, DOC_WTSINFOEXW, Level, Level)
OFF(WTSINFOEXW, DOC_WTSINFOEXW, SessionId, Data.WTSInfoExLevel1.SessionId)
OFF(WTSINFOEXW, DOC_WTSINFOEXW, SessionState, Data.WTSInfoExLevel1.SessionState)
OFF(WTSINFOEXW, DOC_WTSINFOEXW, SessionFlags, Data.WTSInfoExLevel1.SessionFlags)
OFF(WTSINFOEXW, DOC_WTSINFOEXW, IncomingBytes, Data.WTSInfoExLevel1.IncomingBytes)
OFF(WTSINFOEXW, DOC_WTSINFOEXW, OutgoingBytes, Data.WTSInfoExLevel1.OutgoingBytes)
OFF(WTSINFOEXW, DOC_WTSINFOEXW, IncomingFrames, Data.WTSInfoExLevel1.IncomingFrames)
OFF(WTSINFOEXW, DOC_WTSINFOEXW, OutgoingFrames, Data.WTSInfoExLevel1.OutgoingFrames)
OFF(WTSINFOEXW, DOC_WTSINFOEXW, IncomingCompressedBytes, Data.WTSInfoExLevel1.IncomingCompressedBytes)
OFF(WTSINFOEXW, DOC_WTSINFOEXW, OutgoingCompressedBytes, Data.WTSInfoExLevel1.OutgoingCompressedBytes)

SIZE(SERVER_INFO_101, SERVER_INFO_101)
FIELD_OF(SERVER_INFO_101, sv101_platform_id)
FIELD_OF(SERVER_INFO_101, sv101_name)
FIELD_OF(SERVER_INFO_101, sv101_version_major)
FIELD_OF(SERVER_INFO_101, sv101_version_minor)
FIELD_OF(SERVER_INFO_101, sv101_type)
FIELD_OF(SERVER_INFO_101, sv101_comment)

SIZE(WTSCLIENTW, WTSCLIENTW)
FIELD_OF(WTSCLIENTW, ClientName)
FIELD_OF(WTSCLIENTW, Domain)
FIELD_OF(WTSCLIENTW, UserName)
FIELD_OF(WTSCLIENTW, WorkDirectory)
FIELD_OF(WTSCLIENTW, InitialProgram)
FIELD_OF(WTSCLIENTW, EncryptionLevel)
FIELD_OF(WTSCLIENTW, ClientAddressFamily)
FIELD_OF(WTSCLIENTW, ClientAddress)
FIELD_OF(WTSCLIENTW, HRes)
FIELD_OF(WTSCLIENTW, VRes)
FIELD_OF(WTSCLIENTW, ColorDepth)
FIELD_OF(WTSCLIENTW, ClientDirectory)
FIELD_OF(WTSCLIENTW, ClientBuildNumber)
/* layouts.ts shortens the SDK's ClientHardwareId / ClientProductId. */
OFF(WTSCLIENTW, WTSCLIENTW, HardwareId, ClientHardwareId)
OFF(WTSCLIENTW, WTSCLIENTW, ProductId, ClientProductId)
FIELD_OF(WTSCLIENTW, OutBufCountHost)
FIELD_OF(WTSCLIENTW, OutBufCountClient)
FIELD_OF(WTSCLIENTW, OutBufLength)
FIELD_OF(WTSCLIENTW, DeviceId)

SIZE(WTS_CLIENT_ADDRESS, WTS_CLIENT_ADDRESS)
FIELD_OF(WTS_CLIENT_ADDRESS, AddressFamily)
FIELD_OF(WTS_CLIENT_ADDRESS, Address)

SIZE(RM_UNIQUE_PROCESS, RM_UNIQUE_PROCESS)
FIELD_OF(RM_UNIQUE_PROCESS, dwProcessId)
FIELD_OF(RM_UNIQUE_PROCESS, ProcessStartTime)

SIZE(WIN32_FIND_DATAW, WIN32_FIND_DATAW)
FIELD_OF(WIN32_FIND_DATAW, dwFileAttributes)
FIELD_OF(WIN32_FIND_DATAW, ftCreationTime)
FIELD_OF(WIN32_FIND_DATAW, ftLastAccessTime)
FIELD_OF(WIN32_FIND_DATAW, ftLastWriteTime)
FIELD_OF(WIN32_FIND_DATAW, nFileSizeHigh)
FIELD_OF(WIN32_FIND_DATAW, nFileSizeLow)
FIELD_OF(WIN32_FIND_DATAW, dwReserved0)
FIELD_OF(WIN32_FIND_DATAW, dwReserved1)
FIELD_OF(WIN32_FIND_DATAW, cFileName)
FIELD_OF(WIN32_FIND_DATAW, cAlternateFileName)

SIZE(RM_PROCESS_INFO, RM_PROCESS_INFO)
FIELD_OF(RM_PROCESS_INFO, Process)
FIELD_OF(RM_PROCESS_INFO, strAppName)
FIELD_OF(RM_PROCESS_INFO, strServiceShortName)
FIELD_OF(RM_PROCESS_INFO, ApplicationType)
FIELD_OF(RM_PROCESS_INFO, AppStatus)
FIELD_OF(RM_PROCESS_INFO, TSSessionId)
FIELD_OF(RM_PROCESS_INFO, bRestartable)

SIZE(RM_FILTER_INFO, RM_FILTER_INFO)
FIELD_OF(RM_FILTER_INFO, FilterAction)
FIELD_OF(RM_FILTER_INFO, FilterTrigger)
FIELD_OF(RM_FILTER_INFO, cbNextOffset)
FIELD_OF(RM_FILTER_INFO, strFilename)
FIELD_OF(RM_FILTER_INFO, Process)
FIELD_OF(RM_FILTER_INFO, strServiceShortName)

LEN(WINSTATIONNAME_LENGTH, WCHARS(WTSINFOW, WinStationName))
LEN(WTSINFO_DOMAIN, WCHARS(WTSINFOW, Domain))
LEN(WTSINFO_USERNAME, WCHARS(WTSINFOW, UserName))
LEN(WTSCLIENT_CLIENTNAME, WCHARS(WTSCLIENTW, ClientName))
LEN(WTSCLIENT_DOMAIN, WCHARS(WTSCLIENTW, Domain))
LEN(WTSCLIENT_USERNAME, WCHARS(WTSCLIENTW, UserName))
LEN(MAX_PATH_PLUS_1, WCHARS(WTSCLIENTW, WorkDirectory))
LEN(CLIENTADDRESS_LENGTH_PLUS_1, sizeof(((WTSCLIENTW *)0)->ClientAddress) / sizeof(USHORT))
LEN(FIND_DATA_FILE_NAME, WCHARS(WIN32_FIND_DATAW, cFileName))
LEN(RM_APP_NAME, WCHARS(RM_PROCESS_INFO, strAppName))
LEN(RM_SERVICE_NAME, WCHARS(RM_PROCESS_INFO, strServiceShortName))
LEN(RM_SESSION_KEY, CCH_RM_SESSION_KEY + 1)

/* Every other WCHAR[MAX_PATH + 1] member must agree with the one LEN above checks. */
_Static_assert(WCHARS(WTSCLIENTW, InitialProgram) == MAX_PATH + 1, "InitialProgram");
_Static_assert(WCHARS(WTSCLIENTW, ClientDirectory) == MAX_PATH + 1, "ClientDirectory");
_Static_assert(WCHARS(WTSCLIENTW, DeviceId) == MAX_PATH + 1, "DeviceId");
