/*
 * wtsapi32 test double: Remote Desktop Services sessions, servers, processes, messages and
 * events, shaped like wtsapi32.dll on Windows x64 and following Microsoft's documentation
 * (error paths included). Tables live here; processes, last error and counters in the core.
 *
 * Servers: "" is the local server (WTS_CURRENT_SERVER_HANDLE = NULL). Remote servers exist once
 * dbl_server_add registers them; every call on their handles first sleeps their delay (without
 * holding the lock), so concurrent fan-out can be benchmarked.
 */
#include "core.h"

#include <stdlib.h>
#include <string.h>

enum {
  ERROR_ACCESS_DENIED_ = 5,
  ERROR_INVALID_HANDLE_ = 6,
  ERROR_NOT_ENOUGH_MEMORY_ = 8,
  ERROR_NOT_SUPPORTED_ = 50,
  ERROR_INVALID_PARAMETER_ = 87,
  ERROR_OPERATION_ABORTED_ = 995,
  ERROR_NO_SUCH_DOMAIN_ = 1355,
  RPC_S_SERVER_UNAVAILABLE_ = 1722,
  ERROR_CTX_WINSTATION_NOT_FOUND_ = 7022,
};

#define WTS_CURRENT_SESSION_ 0xFFFFFFFFu
#define WTS_ANY_SESSION_ 0xFFFFFFFEu
#define WTS_EVENT_FLUSH_ 0x80000000u
#define IDTIMEOUT_ 32000u
#define IDASYNC_ 32001u
#define IDOK_ 1u
#define WTS_DISCONNECTED_ 4
#define WTS_SESSIONSTATE_UNKNOWN_ 0xFFFFFFFFu

/* Allocation kinds (core tags): 0 = WTSFreeMemory; 1 + WTS_TYPE_CLASS = WTSFreeMemoryExW. */
#define KIND_PLAIN 0u
#define KIND_EX(type_class) (1u + (type_class))
#define WTSTypeProcessInfoLevel0_ 0u
#define WTSTypeProcessInfoLevel1_ 1u
#define WTSTypeSessionInfoLevel1_ 2u

/* ---- struct layouts (x64), checked below --------------------------------------------------- */
typedef struct {
  DWORD_ SessionId;
  wchar16 *pWinStationName;
  int32_t State;
} WtsSessionInfoW; /* 24 */

typedef struct {
  DWORD_ ExecEnvId;
  int32_t State;
  DWORD_ SessionId;
  wchar16 *pSessionName, *pHostName, *pUserName, *pDomainName, *pFarmName;
} WtsSessionInfo1W; /* 56 */

typedef struct {
  DWORD_ SessionId, ProcessId;
  wchar16 *pProcessName;
  void *pUserSid;
} WtsProcessInfoW; /* 24 */

typedef struct {
  DWORD_ SessionId, ProcessId;
  wchar16 *pProcessName;
  void *pUserSid;
  DWORD_ NumberOfThreads, HandleCount, PagefileUsage, PeakPagefileUsage, WorkingSetSize,
      PeakWorkingSetSize;
  int64_t UserTime, KernelTime;
} WtsProcessInfoExW; /* 64 */

typedef struct {
  wchar16 ClientName[21], Domain[18], UserName[21], WorkDirectory[261], InitialProgram[261];
  uint8_t EncryptionLevel;
  uint32_t ClientAddressFamily;
  uint16_t ClientAddress[31];
  uint16_t HRes, VRes, ColorDepth;
  wchar16 ClientDirectory[261];
  uint32_t ClientBuildNumber, ClientHardwareId;
  uint16_t ClientProductId, OutBufCountHost, OutBufCountClient, OutBufLength;
  wchar16 DeviceId[261];
} WtsClientW; /* 2304 */

typedef struct {
  int32_t State;
  DWORD_ SessionId, IncomingBytes, OutgoingBytes, IncomingFrames, OutgoingFrames,
      IncomingCompressedBytes, OutgoingCompressedBytes;
  wchar16 WinStationName[32], Domain[17], UserName[21];
  int64_t ConnectTime, DisconnectTime, LastInputTime, LogonTime, CurrentTime;
} WtsInfoW; /* 216 */

typedef struct {
  DWORD_ Level;
  struct {
    DWORD_ SessionId;
    int32_t SessionState;
    int32_t SessionFlags;
    wchar16 WinStationName[33], UserName[21], DomainName[18];
    int64_t LogonTime, ConnectTime, DisconnectTime, LastInputTime, CurrentTime;
    DWORD_ IncomingBytes, OutgoingBytes, IncomingFrames, OutgoingFrames, IncomingCompressedBytes,
        OutgoingCompressedBytes;
  } Level1;
} WtsInfoExW; /* 232 */

typedef struct {
  DWORD_ AddressFamily;
  uint8_t Address[20];
} WtsClientAddress; /* 24 */

typedef struct {
  DWORD_ HorizontalResolution, VerticalResolution, ColorDepth;
} WtsClientDisplay; /* 12 */

_Static_assert(sizeof(WtsSessionInfoW) == 24, "WTS_SESSION_INFOW");
_Static_assert(sizeof(WtsSessionInfo1W) == 56, "WTS_SESSION_INFO_1W");
_Static_assert(sizeof(WtsProcessInfoW) == 24, "WTS_PROCESS_INFOW");
_Static_assert(sizeof(WtsProcessInfoExW) == 64, "WTS_PROCESS_INFO_EXW");
_Static_assert(sizeof(WtsClientW) == 2304, "WTSCLIENTW");
_Static_assert(sizeof(WtsInfoW) == 216, "WTSINFOW");
_Static_assert(sizeof(WtsInfoExW) == 232, "WTSINFOEXW");
_Static_assert(sizeof(WtsClientAddress) == 24, "WTS_CLIENT_ADDRESS");

/* ---- tables -------------------------------------------------------------------------------- */
typedef struct Session {
  DWORD_ id;
  int32_t state;
  wchar16 *winstation, *user, *domain, *client_name, *client_directory, *farm, *host,
      *initial_program, *working_directory, *client_address_text;
  uint32_t address_family;
  uint8_t address[20];
  uint64_t protocol, client_build, client_product_id, client_hardware_id, connect_time,
      disconnect_time, last_input_time, logon_time, current_time, hres, vres, color_depth,
      session_flags;
  /* Protocol counters. WTSINFO and WTSINFOEX_LEVEL1 both carry them on Server 2008 and later
   * (Cassia issue #8, "WTSINFO has this information on >= Windows Server 2008"); the double
   * reports the same numbers in both, 0 unless a test sets them. */
  uint64_t incoming_bytes, outgoing_bytes, incoming_frames, outgoing_frames,
      incoming_compressed_bytes, outgoing_compressed_bytes;
} Session;

typedef struct Server {
  char name[256];
  uint32_t delay_ms;
  DWORD_ os_major, os_minor; /* what NetServerGetInfo level 101 reports; 0 = the local default */
  uint32_t open_delay_ms; /* dbl_server_open_delay: WTSOpenServer(Ex)W's own round trip */
  int vanishing;          /* dbl_server_vanish_after: answers `answers_left` calls, then gone */
  uint32_t answers_left;
  DWORD_ events; /* injected, not yet consumed by a waiter */
  Session *sessions;
  size_t count, capacity;
} Server;

typedef struct ServerHandle {
  uint32_t magic;
  int open;
  int ex; /* opened with WTSOpenServerExW */
  char name[256];
  uint64_t flush_generation;
  int waiters;
} ServerHandle;

typedef struct DomainServer {
  char domain[256], name[256];
} DomainServer;

static Server local_server; /* name "" */
static Server **servers;
static size_t servers_used, servers_capacity;
static ServerHandle local_handle; /* what WTS_CURRENT_SERVER_HANDLE (NULL) resolves to */
static ServerHandle **handles;
static size_t handles_used, handles_capacity;
static DomainServer *domain_servers;
static size_t domain_servers_used, domain_servers_capacity;
static uint64_t reset_generation;
static int32_t waiting_threads;

static DWORD_ message_response = IDOK_;
/* What a waited box answers when its timeout passes: IDTIMEOUT as documented, or 0, which some
 * Server builds return instead (Cassia's TerminalServicesSession.MessageBox: "Windows Server
 * 2008 R2 beta returns 0 if the timeout expires", mapped to RemoteMessageBoxResult.Timeout). */
static DWORD_ message_timeout_response = IDTIMEOUT_;
static uint32_t message_delay_ms;
/* The server's Windows version that RtlGetVersion reports (default Server 2022, 10.0.20348). */
static DWORD_ os_major = 10, os_minor = 0, os_build = 20348;
static int32_t messages_sent;
static char last_title[1024], last_text[4096];
static DWORD_ last_style, last_timeout;
static int32_t last_wait;
/* Per-session replies and the text each session was last shown: one admin tool asks several
 * sessions at once (release --ask), each user answering for themselves. */
typedef struct SessionMessage {
  char server[256];
  DWORD_ session_id;
  int has_reply;
  DWORD_ response;
  uint32_t delay_ms;
  int32_t sent;
  char text[2048];
} SessionMessage;
static SessionMessage session_messages[64];
static size_t session_messages_used;

/* Caller holds dbl_lock. NULL when the table is full and create is set. */
static SessionMessage *session_message(const char *server, DWORD_ session_id, int create) {
  for (size_t i = 0; i < session_messages_used; i++)
    if (session_messages[i].session_id == session_id &&
        dbl_server_equal(session_messages[i].server, server))
      return &session_messages[i];
  if (!create || session_messages_used == sizeof session_messages / sizeof session_messages[0])
    return NULL;
  SessionMessage *m = &session_messages[session_messages_used++];
  memset(m, 0, sizeof *m);
  strncpy(m->server, server ? server : "", sizeof m->server - 1);
  m->session_id = session_id;
  return m;
}

#define GROW(array, used, capacity)                                                     \
  do {                                                                                  \
    if ((used) == (capacity)) {                                                         \
      size_t grown_ = (capacity) ? (capacity) * 2 : 16;                                 \
      void *p_ = realloc((array), grown_ * sizeof *(array));                            \
      if (!p_) abort();                                                                 \
      (array) = p_;                                                                     \
      (capacity) = grown_;                                                              \
    }                                                                                   \
  } while (0)

/* Caller holds the lock. */
static Server *server_find(const char *name) {
  if (!name || !*name) return &local_server;
  for (size_t i = 0; i < servers_used; i++)
    if (dbl_server_equal(servers[i]->name, name)) return servers[i];
  return NULL;
}

static Session *session_find(Server *server, DWORD_ id) {
  if (id == WTS_CURRENT_SESSION_) id = dbl_current_session();
  for (size_t i = 0; i < server->count; i++)
    if (server->sessions[i].id == id) return &server->sessions[i];
  return NULL;
}

static ServerHandle *handle_resolve(void *h) {
  if (!h) return &local_handle;
  for (size_t i = 0; i < handles_used; i++)
    if (handles[i] == h) return handles[i]->open ? handles[i] : NULL;
  return NULL;
}

static wchar16 *wide_dup(const char *utf8) {
  size_t cap = strlen(utf8) + 1; /* UTF-16 never needs more units than UTF-8 has bytes */
  wchar16 *w = malloc(cap * sizeof(wchar16));
  if (w) dbl_utf8_to_utf16(utf8, w, cap);
  return w;
}

static void wide_set(wchar16 **slot, const char *utf8) {
  free(*slot);
  *slot = utf8 && *utf8 ? wide_dup(utf8) : NULL;
}

static void session_free(Session *s) {
  wchar16 **fields[] = {&s->winstation, &s->user, &s->domain, &s->client_name,
                        &s->client_directory, &s->farm, &s->host, &s->initial_program,
                        &s->working_directory, &s->client_address_text};
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    free(*fields[i]);
    *fields[i] = NULL;
  }
}

static void server_clear(Server *server) {
  for (size_t i = 0; i < server->count; i++) session_free(&server->sessions[i]);
  free(server->sessions);
  server->sessions = NULL;
  server->count = server->capacity = 0;
  server->events = 0;
}

static void reset_wtsapi32(void) {
  dbl_lock();
  server_clear(&local_server);
  local_server.delay_ms = 0;
  local_server.os_major = local_server.os_minor = 0;
  for (size_t i = 0; i < servers_used; i++) {
    server_clear(servers[i]);
    free(servers[i]);
  }
  servers_used = 0;
  domain_servers_used = 0;
  /* Open handles stay the caller's (the leak counter must still see them); closed ones nobody
   * waits on can go. */
  size_t kept = 0;
  for (size_t i = 0; i < handles_used; i++) {
    if (handles[i]->open || handles[i]->waiters) handles[kept++] = handles[i];
    else free(handles[i]);
  }
  handles_used = kept;
  reset_generation++; /* pending waits end with ERROR_OPERATION_ABORTED */
  message_response = IDOK_;
  message_timeout_response = IDTIMEOUT_;
  message_delay_ms = 0;
  os_major = 10;
  os_minor = 0;
  os_build = 20348;
  messages_sent = 0;
  session_messages_used = 0;
  last_title[0] = last_text[0] = 0;
  last_style = last_timeout = 0;
  last_wait = 0;
  dbl_unlock();
  dbl_wake_all();
}

__attribute__((constructor)) static void register_reset(void) { dbl_on_reset(reset_wtsapi32); }

/* ---- entry: failure injection, handle resolution, server delay ----------------------------- */
static int injected(const char *function) {
  DWORD_ error;
  if (!dbl_should_fail(function, &error)) return 0;
  dbl_set_last_error(error);
  return 1;
}

static void *fail_unlocked(DWORD_ error) {
  dbl_unlock();
  dbl_set_last_error(error);
  return NULL;
}

/* A Remote Desktop Virtualization Host: an Ex handle to it sees the sessions of its virtual
 * machines, not the host's. WTSOpenServerEx's page: "Opens a handle to the specified ... RD
 * Virtualization Host server"; WTSEnumerateSessionsEx's: "If you obtained a handle to an RD
 * Virtualization Host server by calling the WTSOpenServerEx function, the array contains
 * information about sessions on virtual machines on the server." Those session ids are the
 * VMs', not the host's. The double keeps them as a server registered under "<host>|vm"; an Ex
 * handle to <host> is served from it when it exists (for an RD Session Host, Ex behaves exactly
 * like WTSOpenServerW, as the page says). Caller holds the lock. */
static Server *view_of(const ServerHandle *handle, Server *server) {
  if (!handle->ex || !server) return server;
  char vm_name[sizeof server->name + 4];
  strcpy(vm_name, server->name);
  strcat(vm_name, "|vm");
  Server *vms = server_find(vm_name);
  return vms ? vms : server;
}
/* Returns the handle's server with the lock HELD, or NULL (lock released, last error set). */
static Server *enter(const char *function, void *h) {
  if (injected(function)) return NULL;
  dbl_lock();
  ServerHandle *handle = handle_resolve(h);
  if (!handle) return fail_unlocked(ERROR_INVALID_HANDLE_);
  Server *server = view_of(handle, server_find(handle->name));
  if (!server) return fail_unlocked(RPC_S_SERVER_UNAVAILABLE_);
  if (server->vanishing && server->answers_left-- == 0) {
    server->answers_left = 0; /* gone for good: powered off mid-listing */
    return fail_unlocked(RPC_S_SERVER_UNAVAILABLE_);
  }
  if (server->delay_ms) {
    char name[256];
    uint32_t delay = server->delay_ms;
    memcpy(name, server->name, sizeof name);
    dbl_unlock(); /* a slow server must not stall calls to the others */
    dbl_sleep_ms(delay);
    dbl_lock();
    server = server_find(name); /* already the view: its own name */
    if (!server) return fail_unlocked(RPC_S_SERVER_UNAVAILABLE_);
  }
  return server;
}

static BOOL_ fail_locked(DWORD_ error) {
  dbl_unlock();
  dbl_set_last_error(error);
  return 0;
}

/* ---- packing of one-allocation results ----------------------------------------------------- */
static size_t wide_bytes(const wchar16 *s) { return (dbl_wcslen(s) + 1) * sizeof(wchar16); }

static wchar16 *pack_wide(uint8_t *base, size_t *offset, const wchar16 *s) {
  wchar16 *d = (wchar16 *)(base + *offset);
  size_t bytes = wide_bytes(s);
  if (s) memcpy(d, s, bytes);
  else d[0] = 0;
  *offset += bytes;
  return d;
}

static void *pack_sid(uint8_t *base, size_t *offset, const DblProcess *p) {
  if (!p->sid_len) return NULL;
  *offset = (*offset + 3) & ~(size_t)3;
  void *d = base + *offset;
  memcpy(d, p->sid, p->sid_len);
  *offset += p->sid_len;
  return d;
}

static void copy_fixed(wchar16 *out, size_t cap, const wchar16 *s) {
  size_t n = 0;
  for (; s && s[n] && n + 1 < cap; n++) out[n] = s[n];
  out[n] = 0;
}

/* ---- servers ------------------------------------------------------------------------------- */
static void *open_server(const char *function, const wchar16 *name, int ex) {
  if (injected(function)) return NULL;
  ServerHandle *h = calloc(1, sizeof *h);
  if (!h) {
    dbl_set_last_error(ERROR_NOT_ENOUGH_MEMORY_);
    return NULL;
  }
  h->magic = 0x53525652u; /* "SRVR" */
  h->open = 1;
  h->ex = ex;
  if (name) dbl_utf16_to_utf8(name, h->name, sizeof h->name);
  dbl_lock();
  GROW(handles, handles_used, handles_capacity);
  handles[handles_used++] = h;
  /* Any name opens (since Vista a failed open hands back an invalid, non-NULL handle that the
   * next call rejects: WTSOpenServerW's documented return value). But opening a remote server
   * is itself an RPC, RpcWinStationOpenServer (MS-TSTS 3.7.4.1.1, opnum 0), so it can take a
   * round trip: a server given an open delay sleeps it here, without the lock. */
  Server *server = name ? server_find(h->name) : NULL;
  uint32_t open_delay = server ? server->open_delay_ms : 0;
  dbl_unlock();
  if (open_delay) dbl_sleep_ms(open_delay);
  dbl_count_server(1);
  return h;
}

DBL_EXPORT void *WINAPI_ WTSOpenServerW(const wchar16 *name) {
  return open_server("WTSOpenServerW", name, 0);
}

DBL_EXPORT void *WINAPI_ WTSOpenServerExW(const wchar16 *name) {
  return open_server("WTSOpenServerExW", name, 1);
}

DBL_EXPORT void WINAPI_ WTSCloseServer(void *h) {
  DWORD_ error;
  dbl_should_fail("WTSCloseServer", &error); /* counted; void functions cannot report */
  if (!h) return;
  dbl_lock();
  ServerHandle *handle = handle_resolve(h);
  if (handle) {
    handle->open = 0;
    handle->flush_generation++; /* waits on a closed handle end */
  }
  dbl_unlock();
  if (handle) {
    dbl_count_server(-1);
    dbl_wake_all();
  }
}

DBL_EXPORT BOOL_ WINAPI_ WTSEnumerateServersW(const wchar16 *domain, DWORD_ reserved,
                                              DWORD_ version, void **out, DWORD_ *count) {
  if (injected("WTSEnumerateServersW")) return 0;
  if (reserved != 0 || version != 1 || !out || !count) {
    dbl_set_last_error(ERROR_INVALID_PARAMETER_);
    return 0;
  }
  char wanted[256] = "";
  if (domain) dbl_utf16_to_utf8(domain, wanted, sizeof wanted);
  dbl_lock();
  size_t n = 0, bytes = 0;
  for (size_t i = 0; i < domain_servers_used; i++)
    if (dbl_server_equal(domain_servers[i].domain, wanted)) {
      n++;
      bytes += sizeof(void *) + (strlen(domain_servers[i].name) + 1) * sizeof(wchar16);
    }
  if (!n) return fail_locked(ERROR_NO_SUCH_DOMAIN_);
  uint8_t *block = dbl_wts_alloc_kind(bytes, KIND_PLAIN, (uint32_t)n);
  if (!block) return fail_locked(ERROR_NOT_ENOUGH_MEMORY_);
  size_t offset = n * sizeof(void *), row = 0;
  for (size_t i = 0; i < domain_servers_used; i++) {
    if (!dbl_server_equal(domain_servers[i].domain, wanted)) continue;
    size_t units = strlen(domain_servers[i].name) + 1;
    wchar16 *name = (wchar16 *)(block + offset);
    dbl_utf8_to_utf16(domain_servers[i].name, name, units);
    offset += units * sizeof(wchar16);
    memcpy(block + row++ * sizeof(void *), &name, sizeof name);
  }
  dbl_unlock();
  *out = block;
  *count = (DWORD_)n;
  return 1;
}

/* ---- sessions ------------------------------------------------------------------------------ */
DBL_EXPORT BOOL_ WINAPI_ WTSEnumerateSessionsW(void *h, DWORD_ reserved, DWORD_ version,
                                               void **out, DWORD_ *count) {
  Server *server = enter("WTSEnumerateSessionsW", h);
  if (!server) return 0;
  if (reserved != 0 || version != 1 || !out || !count)
    return fail_locked(ERROR_INVALID_PARAMETER_);
  size_t n = server->count, bytes = n * sizeof(WtsSessionInfoW);
  for (size_t i = 0; i < n; i++) bytes += wide_bytes(server->sessions[i].winstation);
  uint8_t *block = dbl_wts_alloc_kind(bytes, KIND_PLAIN, (uint32_t)n);
  if (!block) return fail_locked(ERROR_NOT_ENOUGH_MEMORY_);
  WtsSessionInfoW *rows = (WtsSessionInfoW *)block;
  size_t offset = n * sizeof(WtsSessionInfoW);
  for (size_t i = 0; i < n; i++) {
    Session *s = &server->sessions[i];
    rows[i].SessionId = s->id;
    rows[i].State = s->state;
    rows[i].pWinStationName = pack_wide(block, &offset, s->winstation);
  }
  dbl_unlock();
  *out = block;
  *count = (DWORD_)n;
  return 1;
}

static size_t optional_bytes(const wchar16 *s) { return s ? wide_bytes(s) : 0; }
static wchar16 *pack_optional(uint8_t *base, size_t *offset, const wchar16 *s) {
  return s ? pack_wide(base, offset, s) : NULL; /* Windows leaves absent names NULL here */
}

DBL_EXPORT BOOL_ WINAPI_ WTSEnumerateSessionsExW(void *h, DWORD_ *level, DWORD_ filter,
                                                 void **out, DWORD_ *count) {
  Server *server = enter("WTSEnumerateSessionsExW", h);
  if (!server) return 0;
  if (!level || *level != 1 || filter != 0 || !out || !count)
    return fail_locked(ERROR_INVALID_PARAMETER_);
  size_t n = server->count, bytes = n * sizeof(WtsSessionInfo1W);
  for (size_t i = 0; i < n; i++) {
    Session *s = &server->sessions[i];
    bytes += wide_bytes(s->winstation) + optional_bytes(s->host) + optional_bytes(s->user) +
             optional_bytes(s->domain) + optional_bytes(s->farm);
  }
  uint8_t *block = dbl_wts_alloc_kind(bytes, KIND_EX(WTSTypeSessionInfoLevel1_), (uint32_t)n);
  if (!block) return fail_locked(ERROR_NOT_ENOUGH_MEMORY_);
  WtsSessionInfo1W *rows = (WtsSessionInfo1W *)block;
  size_t offset = n * sizeof(WtsSessionInfo1W);
  for (size_t i = 0; i < n; i++) {
    Session *s = &server->sessions[i];
    rows[i].ExecEnvId = s->id;
    rows[i].State = s->state;
    rows[i].SessionId = s->id;
    rows[i].pSessionName = pack_wide(block, &offset, s->winstation);
    rows[i].pHostName = pack_optional(block, &offset, s->host);
    rows[i].pUserName = pack_optional(block, &offset, s->user);
    rows[i].pDomainName = pack_optional(block, &offset, s->domain);
    rows[i].pFarmName = pack_optional(block, &offset, s->farm);
  }
  dbl_unlock();
  *level = 1;
  *out = block;
  *count = (DWORD_)n;
  return 1;
}

static uint64_t now_or(uint64_t configured) { return configured ? configured : dbl_now_filetime(); }

/* Once a session is disconnected, Windows reports LastInputTime 0 in WTSINFO/WTSINFOEX: there is
 * no client to give input, and quser's IDLE TIME then counts from the disconnection instead
 * (Cassia changed IdleTime to "report time disconnected as well", issue #7). The configured
 * time stays stored, so a reconnect in a test shows it again. */
static uint64_t last_input_reported(const Session *s) {
  return s->state == WTS_DISCONNECTED_ ? 0 : s->last_input_time;
}
/* Fills result (up to 2304 bytes) for one info class; returns its size, 0 = unsupported. */
static size_t query_class(Session *s, DWORD_ info, uint8_t *result, DWORD_ *error) {
  const wchar16 *text = NULL;
  static const wchar16 empty[1] = {0};
  switch (info) {
    case 0: text = s->initial_program; break;          /* WTSInitialProgram */
    case 1: text = empty; break;                       /* WTSApplicationName: none published */
    case 2: text = s->working_directory; break;        /* WTSWorkingDirectory */
    case 3: text = empty; break;                       /* WTSOEMId: "not used" */
    case 5: text = s->user; break;                     /* WTSUserName */
    case 6: text = s->winstation; break;               /* WTSWinStationName */
    case 7: text = s->domain; break;                   /* WTSDomainName */
    case 10: text = s->client_name; break;             /* WTSClientName */
    case 11: text = s->client_directory; break;        /* WTSClientDirectory */
    case 4: memcpy(result, &s->id, 4); return 4;       /* WTSSessionId: ULONG */
    case 8: memcpy(result, &s->state, 4); return 4;    /* WTSConnectState: INT */
    case 9: {                                          /* WTSClientBuildNumber: ULONG */
      uint32_t v = (uint32_t)s->client_build;
      memcpy(result, &v, 4);
      return 4;
    }
    case 12: {                                         /* WTSClientProductId: USHORT */
      uint16_t v = (uint16_t)s->client_product_id;
      memcpy(result, &v, 2);
      return 2;
    }
    case 13: {                                         /* WTSClientHardwareId: ULONG */
      uint32_t v = (uint32_t)s->client_hardware_id;
      memcpy(result, &v, 4);
      return 4;
    }
    case 14: {                                         /* WTSClientAddress */
      WtsClientAddress a;
      memset(&a, 0, sizeof a);
      a.AddressFamily = s->address_family;
      memcpy(a.Address, s->address, sizeof a.Address);
      memcpy(result, &a, sizeof a);
      return sizeof a;
    }
    case 15: {                                         /* WTSClientDisplay */
      WtsClientDisplay d = {(DWORD_)s->hres, (DWORD_)s->vres, (DWORD_)s->color_depth};
      memcpy(result, &d, sizeof d);
      return sizeof d;
    }
    case 16: {                                         /* WTSClientProtocolType: USHORT */
      uint16_t v = (uint16_t)s->protocol;
      memcpy(result, &v, 2);
      return 2;
    }
    case 17: case 18: case 19: case 20: case 21: case 22:
      /* WTSIdleTime .. WTSOutgoingFrames: documented to fail with ERROR_NOT_SUPPORTED */
      *error = ERROR_NOT_SUPPORTED_;
      return 0;
    case 23: {                                         /* WTSClientInfo: WTSCLIENTW */
      WtsClientW c;
      memset(&c, 0, sizeof c);
      copy_fixed(c.ClientName, 21, s->client_name);
      copy_fixed(c.Domain, 18, s->domain);
      copy_fixed(c.UserName, 21, s->user);
      copy_fixed(c.WorkDirectory, 261, s->working_directory);
      copy_fixed(c.InitialProgram, 261, s->initial_program);
      c.ClientAddressFamily = s->address_family;
      copy_fixed(c.ClientAddress, 31, s->client_address_text);
      c.HRes = (uint16_t)s->hres;
      c.VRes = (uint16_t)s->vres;
      /* A WTS_CLIENT_DISPLAY code (1 = 4 bpp, 4 = 16 bpp, 24 = 24 bpp, ...), not bits: the
       * WTSCLIENTW page sends ColorDepth to WTS_CLIENT_DISPLAY's list. A session without a client
       * (console, listener) leaves HRes/VRes/ColorDepth/ClientBuildNumber 0 here; no capture of
       * real Windows' answer for the console was found (evidence missing, said in the report). */
      c.ColorDepth = (uint16_t)s->color_depth;
      copy_fixed(c.ClientDirectory, 261, s->client_directory);
      c.ClientBuildNumber = (uint32_t)s->client_build;
      c.ClientHardwareId = (uint32_t)s->client_hardware_id;
      c.ClientProductId = (uint16_t)s->client_product_id;
      memcpy(result, &c, sizeof c);
      return sizeof c;
    }
    case 24: {                                         /* WTSSessionInfo: WTSINFOW */
      WtsInfoW w;
      memset(&w, 0, sizeof w);
      w.State = s->state;
      w.SessionId = s->id;
      w.IncomingBytes = (DWORD_)s->incoming_bytes;
      w.OutgoingBytes = (DWORD_)s->outgoing_bytes;
      w.IncomingFrames = (DWORD_)s->incoming_frames;
      w.OutgoingFrames = (DWORD_)s->outgoing_frames;
      w.IncomingCompressedBytes = (DWORD_)s->incoming_compressed_bytes;
      w.OutgoingCompressedBytes = (DWORD_)s->outgoing_compressed_bytes;
      copy_fixed(w.WinStationName, 32, s->winstation);
      copy_fixed(w.Domain, 17, s->domain);
      copy_fixed(w.UserName, 21, s->user);
      w.ConnectTime = (int64_t)s->connect_time;
      w.DisconnectTime = (int64_t)s->disconnect_time;
      w.LastInputTime = (int64_t)last_input_reported(s);
      w.LogonTime = (int64_t)s->logon_time;
      w.CurrentTime = (int64_t)now_or(s->current_time);
      memcpy(result, &w, sizeof w);
      return sizeof w;
    }
    case 25: {                                         /* WTSSessionInfoEx: WTSINFOEXW level 1 */
      WtsInfoExW x;
      memset(&x, 0, sizeof x);
      x.Level = 1;
      x.Level1.SessionId = s->id;
      x.Level1.SessionState = s->state;
      x.Level1.SessionFlags = (int32_t)(uint32_t)s->session_flags;
      copy_fixed(x.Level1.WinStationName, 33, s->winstation);
      copy_fixed(x.Level1.UserName, 21, s->user);
      copy_fixed(x.Level1.DomainName, 18, s->domain);
      x.Level1.LogonTime = (int64_t)s->logon_time;
      x.Level1.ConnectTime = (int64_t)s->connect_time;
      x.Level1.DisconnectTime = (int64_t)s->disconnect_time;
      x.Level1.LastInputTime = (int64_t)last_input_reported(s);
      x.Level1.CurrentTime = (int64_t)now_or(s->current_time);
      x.Level1.IncomingBytes = (DWORD_)s->incoming_bytes;
      x.Level1.OutgoingBytes = (DWORD_)s->outgoing_bytes;
      x.Level1.IncomingFrames = (DWORD_)s->incoming_frames;
      x.Level1.OutgoingFrames = (DWORD_)s->outgoing_frames;
      x.Level1.IncomingCompressedBytes = (DWORD_)s->incoming_compressed_bytes;
      x.Level1.OutgoingCompressedBytes = (DWORD_)s->outgoing_compressed_bytes;
      memcpy(result, &x, sizeof x);
      return sizeof x;
    }
    case 29: {                                         /* WTSIsRemoteSession: one BOOLEAN byte */
      result[0] = s->protocol != 0;
      return 1;
    }
    default:
      /* 26 WTSConfigInfo, 27 WTSValidationInfo, 28 WTSSessionAddressV4: no data in the double;
       * anything past 29 is not a WTS_INFO_CLASS this double knows. */
      *error = info <= 28 ? ERROR_NOT_SUPPORTED_ : ERROR_INVALID_PARAMETER_;
      return 0;
  }
  if (!text) text = empty;
  size_t bytes = wide_bytes(text);
  memcpy(result, text, bytes);
  return bytes;
}

DBL_EXPORT BOOL_ WINAPI_ WTSQuerySessionInformationW(void *h, DWORD_ session_id, DWORD_ info,
                                                     void **out, DWORD_ *bytes_returned) {
  Server *server = enter("WTSQuerySessionInformationW", h);
  if (!server) return 0;
  if (!out || !bytes_returned) return fail_locked(ERROR_INVALID_PARAMETER_);
  Session *s = session_find(server, session_id);
  if (!s) return fail_locked(ERROR_CTX_WINSTATION_NOT_FOUND_);
  uint8_t result[2400];
  DWORD_ error = ERROR_INVALID_PARAMETER_;
  size_t size = query_class(s, info, result, &error);
  dbl_unlock();
  if (!size) {
    dbl_set_last_error(error);
    return 0;
  }
  void *block = dbl_wts_alloc_kind(size, KIND_PLAIN, 1);
  if (!block) {
    dbl_set_last_error(ERROR_NOT_ENOUGH_MEMORY_);
    return 0;
  }
  memcpy(block, result, size);
  *out = block;
  *bytes_returned = (DWORD_)size;
  return 1;
}

DBL_EXPORT BOOL_ WINAPI_ WTSDisconnectSession(void *h, DWORD_ session_id, BOOL_ wait) {
  (void)wait;
  Server *server = enter("WTSDisconnectSession", h);
  if (!server) return 0;
  Session *s = session_find(server, session_id);
  if (!s) return fail_locked(ERROR_CTX_WINSTATION_NOT_FOUND_);
  s->state = WTS_DISCONNECTED_;
  if (!s->disconnect_time) s->disconnect_time = dbl_now_filetime();
  dbl_unlock();
  return 1;
}

DBL_EXPORT BOOL_ WINAPI_ WTSLogoffSession(void *h, DWORD_ session_id, BOOL_ wait) {
  (void)wait;
  Server *server = enter("WTSLogoffSession", h);
  if (!server) return 0;
  Session *s = session_find(server, session_id);
  if (!s) return fail_locked(ERROR_CTX_WINSTATION_NOT_FOUND_);
  DWORD_ id = s->id;
  session_free(s);
  size_t index = (size_t)(s - server->sessions);
  memmove(s, s + 1, (server->count - index - 1) * sizeof *s);
  server->count--;
  for (size_t i = 0; i < dbl_process_count(); i++) {
    DblProcess *p = dbl_process_at(i);
    if (p->alive && p->session_id == id && dbl_server_equal(p->server, server->name))
      dbl_process_kill(p, 0);
  }
  dbl_unlock();
  return 1;
}

/* ---- messages ------------------------------------------------------------------------------ */
DBL_EXPORT BOOL_ WINAPI_ WTSSendMessageW(void *h, DWORD_ session_id, const wchar16 *title,
                                         DWORD_ title_length, const wchar16 *message,
                                         DWORD_ message_length, DWORD_ style, DWORD_ timeout,
                                         DWORD_ *response, BOOL_ wait) {
  Server *server = enter("WTSSendMessageW", h);
  if (!server) return 0;
  /* Lengths are BYTES without the NUL: anything else is a caller bug worth failing loudly. */
  if (!title || !message || !response || title_length != dbl_wcslen(title) * 2 ||
      message_length != dbl_wcslen(message) * 2)
    return fail_locked(ERROR_INVALID_PARAMETER_);
  if (!session_find(server, session_id)) return fail_locked(ERROR_CTX_WINSTATION_NOT_FOUND_);
  dbl_utf16_to_utf8(title, last_title, sizeof last_title);
  dbl_utf16_to_utf8(message, last_text, sizeof last_text);
  last_style = style;
  last_timeout = timeout;
  last_wait = wait != 0;
  messages_sent++;
  DWORD_ answer = message_response;
  uint32_t delay = message_delay_ms;
  SessionMessage *own = session_message(server->name, session_id, 1);
  if (own) {
    own->sent++;
    dbl_utf16_to_utf8(message, own->text, sizeof own->text);
    if (own->has_reply) {
      answer = own->response;
      delay = own->delay_ms;
    }
  }
  dbl_unlock();
  if (!wait) {
    *response = IDASYNC_;
    return 1;
  }
  if (timeout > 0 && (uint64_t)timeout * 1000u < delay) {
    dbl_sleep_ms(timeout * 1000u);
    dbl_lock();
    *response = message_timeout_response;
    dbl_unlock();
    return 1;
  }
  if (delay) dbl_sleep_ms(delay);
  *response = answer;
  return 1;
}

/* ---- processes ----------------------------------------------------------------------------- */
static int process_selected(const DblProcess *p, const Server *server, DWORD_ session_id) {
  if (!p->alive || !dbl_server_equal(p->server, server->name)) return 0;
  if (session_id == WTS_ANY_SESSION_) return 1;
  if (session_id == WTS_CURRENT_SESSION_) session_id = dbl_current_session();
  return p->session_id == session_id;
}

static BOOL_ enumerate_processes(Server *server, DWORD_ level, DWORD_ session_id, uint32_t kind,
                                 void **out, DWORD_ *count) {
  size_t row_size = level == 1 ? sizeof(WtsProcessInfoExW) : sizeof(WtsProcessInfoW);
  size_t n = 0, strings = 0;
  for (size_t i = 0; i < dbl_process_count(); i++) {
    DblProcess *p = dbl_process_at(i);
    if (!process_selected(p, server, session_id)) continue;
    n++;
    strings += wide_bytes(p->name) + (p->sid_len ? p->sid_len + 3 : 0);
  }
  uint8_t *block = dbl_wts_alloc_kind(n * row_size + strings, kind, (uint32_t)n);
  if (!block) return fail_locked(ERROR_NOT_ENOUGH_MEMORY_);
  size_t offset = n * row_size, row = 0;
  for (size_t i = 0; i < dbl_process_count(); i++) {
    DblProcess *p = dbl_process_at(i);
    if (!process_selected(p, server, session_id)) continue;
    if (level == 1) {
      WtsProcessInfoExW *r = (WtsProcessInfoExW *)block + row++;
      r->SessionId = p->session_id;
      r->ProcessId = p->pid;
      r->pProcessName = pack_wide(block, &offset, p->name);
      r->pUserSid = pack_sid(block, &offset, p);
      r->NumberOfThreads = p->threads;
      r->HandleCount = p->handles;
      r->PagefileUsage = p->pagefile;
      r->PeakPagefileUsage = p->peak_pagefile;
      r->WorkingSetSize = p->working_set;
      r->PeakWorkingSetSize = p->peak_working_set;
      r->UserTime = (int64_t)p->user_time;
      r->KernelTime = (int64_t)p->kernel_time;
    } else {
      WtsProcessInfoW *r = (WtsProcessInfoW *)block + row++;
      r->SessionId = p->session_id;
      r->ProcessId = p->pid;
      r->pProcessName = pack_wide(block, &offset, p->name);
      r->pUserSid = pack_sid(block, &offset, p);
    }
  }
  dbl_unlock();
  *out = block;
  *count = (DWORD_)n;
  return 1;
}

DBL_EXPORT BOOL_ WINAPI_ WTSEnumerateProcessesW(void *h, DWORD_ reserved, DWORD_ version,
                                                void **out, DWORD_ *count) {
  Server *server = enter("WTSEnumerateProcessesW", h);
  if (!server) return 0;
  if (reserved != 0 || version != 1 || !out || !count)
    return fail_locked(ERROR_INVALID_PARAMETER_);
  return enumerate_processes(server, 0, WTS_ANY_SESSION_, KIND_PLAIN, out, count);
}

DBL_EXPORT BOOL_ WINAPI_ WTSEnumerateProcessesExW(void *h, DWORD_ *level, DWORD_ session_id,
                                                  void **out, DWORD_ *count) {
  Server *server = enter("WTSEnumerateProcessesExW", h);
  if (!server) return 0;
  if (!level || *level > 1 || !out || !count) return fail_locked(ERROR_INVALID_PARAMETER_);
  DWORD_ l = *level;
  uint32_t kind = KIND_EX(l == 1 ? WTSTypeProcessInfoLevel1_ : WTSTypeProcessInfoLevel0_);
  return enumerate_processes(server, l, session_id, kind, out, count);
}

DBL_EXPORT BOOL_ WINAPI_ WTSTerminateProcess(void *h, DWORD_ pid, DWORD_ exit_code) {
  Server *server = enter("WTSTerminateProcess", h);
  if (!server) return 0;
  DblProcess *p = dbl_process_find(server->name, pid);
  if (!p) return fail_locked(ERROR_INVALID_PARAMETER_);
  if (p->access_denied) return fail_locked(ERROR_ACCESS_DENIED_);
  dbl_process_kill(p, exit_code);
  dbl_unlock();
  return 1;
}

/* ---- events -------------------------------------------------------------------------------- */
DBL_EXPORT BOOL_ WINAPI_ WTSWaitSystemEvent(void *h, DWORD_ mask, DWORD_ *flags) {
  if (injected("WTSWaitSystemEvent")) return 0;
  if (!flags) {
    dbl_set_last_error(ERROR_INVALID_PARAMETER_);
    return 0;
  }
  dbl_lock();
  ServerHandle *handle = handle_resolve(h);
  if (!handle) return fail_locked(ERROR_INVALID_HANDLE_);
  if (mask & WTS_EVENT_FLUSH_) {
    /* Every pending wait on this handle returns (with WTS_EVENT_NONE); this call at once. */
    handle->flush_generation++;
    dbl_unlock();
    dbl_wake_all();
    *flags = 0;
    return 1;
  }
  uint64_t flush = handle->flush_generation, reset = reset_generation;
  for (;;) {
    Server *server = server_find(handle->name);
    if (!server) return fail_locked(RPC_S_SERVER_UNAVAILABLE_);
    if (server->events & mask) {
      *flags = server->events & mask;
      server->events &= ~mask;
      dbl_unlock();
      return 1;
    }
    if (reset != reset_generation) return fail_locked(ERROR_OPERATION_ABORTED_);
    if (flush != handle->flush_generation) {
      dbl_unlock();
      *flags = 0; /* WTS_EVENT_NONE: ended by WTS_EVENT_FLUSH (or by closing the handle) */
      return 1;
    }
    handle->waiters++;
    waiting_threads++;
    dbl_wait_locked();
    waiting_threads--;
    handle->waiters--;
  }
}

/* ---- OS version ---------------------------------------------------------------------------- */
/* ntdll's RtlGetVersion, exported here so the library's version lookup has something to open on
 * the doubles lane (see wts/_os_version.ts): fills RTL_OSVERSIONINFOW (276 bytes) when
 * dwOSVersionInfoSize says so, else STATUS_INVALID_PARAMETER, and always returns STATUS_SUCCESS
 * otherwise, as the real one does (its page: "RtlGetVersion returns STATUS_SUCCESS"). */
typedef struct {
  DWORD_ dwOSVersionInfoSize, dwMajorVersion, dwMinorVersion, dwBuildNumber, dwPlatformId;
  wchar16 szCSDVersion[128];
} RtlOsVersionInfoW;
_Static_assert(sizeof(RtlOsVersionInfoW) == 276, "RTL_OSVERSIONINFOW");
DBL_EXPORT int32_t WINAPI_ RtlGetVersion(RtlOsVersionInfoW *info) {
  if (!info || (info->dwOSVersionInfoSize != sizeof *info &&
                info->dwOSVersionInfoSize != 284 /* RTL_OSVERSIONINFOEXW */))
    return (int32_t)0xC000000Du; /* STATUS_INVALID_PARAMETER */
  dbl_lock();
  info->dwMajorVersion = os_major;
  info->dwMinorVersion = os_minor;
  info->dwBuildNumber = os_build;
  dbl_unlock();
  info->dwPlatformId = 2; /* VER_PLATFORM_WIN32_NT */
  info->szCSDVersion[0] = 0;
  return 0;
}
/* ---- netapi32: NetServerGetInfo level 101 ---------------------------------------------------- */
#define KIND_NETAPI 100u /* NetApiBuffer* blocks: only NetApiBufferFree releases them */
enum { ERROR_BAD_NETPATH_ = 53, ERROR_INVALID_LEVEL_ = 124 };
typedef struct {
  DWORD_ sv101_platform_id;
  wchar16 *sv101_name;
  DWORD_ sv101_version_major, sv101_version_minor, sv101_type;
  wchar16 *sv101_comment;
} ServerInfo101;
_Static_assert(sizeof(ServerInfo101) == 40, "SERVER_INFO_101");
/* Exported by this double so the library's version lookup has something to open on the doubles
 * lane (see wts/_os_version.ts). Returns NET_API_STATUS, never the last error, like netapi32:
 * ERROR_BAD_NETPATH for an unknown server, ERROR_INVALID_LEVEL for levels other than 101.
 * sv101_version_major carries the server type in its high bits (lmserver.h MAJOR_VERSION_MASK
 * 0x0F), so the double sets one there (0x10) to prove the caller masks it. */
DBL_EXPORT DWORD_ WINAPI_ NetServerGetInfo(const wchar16 *name, DWORD_ level, void **out) {
  DWORD_ error;
  if (dbl_should_fail("NetServerGetInfo", &error)) return error;
  if (!out) return ERROR_INVALID_PARAMETER_;
  if (level != 101) return ERROR_INVALID_LEVEL_;
  char wanted[256] = "";
  if (name) dbl_utf16_to_utf8(name, wanted, sizeof wanted);
  const char *plain = wanted;
  while (*plain == '\\') plain++; /* a UNC-style name and the bare one name the same server */
  dbl_lock();
  Server *server = server_find(plain);
  if (!server) {
    dbl_unlock();
    return ERROR_BAD_NETPATH_;
  }
  DWORD_ major = server->os_major ? server->os_major : os_major;
  DWORD_ minor = server->os_major ? server->os_minor : os_minor;
  dbl_unlock();
  ServerInfo101 *info = dbl_wts_alloc_kind(sizeof *info + 2, KIND_NETAPI, 1);
  if (!info) return ERROR_NOT_ENOUGH_MEMORY_;
  memset(info, 0, sizeof *info + 2);
  info->sv101_platform_id = 500; /* PLATFORM_ID_NT */
  info->sv101_name = (wchar16 *)(info + 1);
  info->sv101_version_major = major | 0x10;
  info->sv101_version_minor = minor;
  info->sv101_comment = (wchar16 *)(info + 1);
  *out = info;
  return 0;
}
DBL_EXPORT DWORD_ WINAPI_ NetApiBufferFree(void *buffer) {
  uint32_t kind;
  if (!buffer) return 0;
  if (!dbl_wts_block(buffer, &kind, NULL) || kind != KIND_NETAPI) return ERROR_INVALID_PARAMETER_;
  dbl_wts_free(buffer);
  return 0;
}
DBL_EXPORT int32_t dbl_server_os_version(const char *name, DWORD_ major, DWORD_ minor) {
  dbl_lock();
  Server *server = server_find(name);
  if (server) {
    server->os_major = major;
    server->os_minor = minor;
  }
  dbl_unlock();
  return server ? 0 : -1;
}
/* ---- freeing ------------------------------------------------------------------------------- */
DBL_EXPORT void WINAPI_ WTSFreeMemory(void *memory) {
  DWORD_ error;
  dbl_should_fail("WTSFreeMemory", &error); /* counted; void functions cannot report */
  uint32_t kind;
  if (!memory || !dbl_wts_block(memory, &kind, NULL)) return;
  if (kind != KIND_PLAIN) return; /* an Ex block: Windows would corrupt; we leak it visibly */
  dbl_wts_free(memory);
}

DBL_EXPORT BOOL_ WINAPI_ WTSFreeMemoryExW(DWORD_ type_class, void *memory, DWORD_ entries) {
  if (injected("WTSFreeMemoryExW")) return 0;
  uint32_t kind, count;
  if (type_class > WTSTypeSessionInfoLevel1_ || !memory || !dbl_wts_block(memory, &kind, &count) ||
      kind != KIND_EX(type_class) || count != entries) {
    dbl_set_last_error(ERROR_INVALID_PARAMETER_);
    return 0;
  }
  dbl_wts_free(memory);
  return 1;
}

/* ==== control API ============================================================================ */
DBL_EXPORT int32_t dbl_server_add(const char *name, uint32_t delay_ms) {
  if (!name) return -1;
  dbl_lock();
  Server *server = server_find(name);
  if (!server) {
    server = calloc(1, sizeof *server);
    if (!server) {
      dbl_unlock();
      return -1;
    }
    strncpy(server->name, name, sizeof server->name - 1);
    GROW(servers, servers_used, servers_capacity);
    servers[servers_used++] = server;
  }
  server->delay_ms = delay_ms;
  dbl_unlock();
  return 0;
}

/* The registered server `name` answers `calls` more WTS calls on its handles, then every call
 * fails with RPC_S_SERVER_UNAVAILABLE, as a host that goes down mid-listing does. */
DBL_EXPORT int32_t dbl_server_vanish_after(const char *name, uint32_t calls) {
  dbl_lock();
  Server *server = name && *name ? server_find(name) : NULL;
  if (server) {
    server->vanishing = 1;
    server->answers_left = calls;
  }
  dbl_unlock();
  return server ? 0 : -1;
}

/* WTSOpenServer(Ex)W on `name` sleeps `delay_ms` first (a registered server only). */
DBL_EXPORT int32_t dbl_server_open_delay(const char *name, uint32_t delay_ms) {
  dbl_lock();
  Server *server = name && *name ? server_find(name) : NULL;
  if (server) server->open_delay_ms = delay_ms;
  dbl_unlock();
  return server ? 0 : -1;
}

DBL_EXPORT int32_t dbl_domain_server_add(const char *domain, const char *name) {
  if (!name) return -1;
  dbl_lock();
  GROW(domain_servers, domain_servers_used, domain_servers_capacity);
  DomainServer *d = &domain_servers[domain_servers_used++];
  memset(d, 0, sizeof *d);
  strncpy(d->domain, domain ? domain : "", sizeof d->domain - 1);
  strncpy(d->name, name, sizeof d->name - 1);
  dbl_unlock();
  return 0;
}

/* Caller holds the lock. */
static Session *session_add_locked(Server *server, DWORD_ id, const char *winstation,
                                   int32_t state) {
  Session *s = session_find(server, id);
  if (!s) {
    GROW(server->sessions, server->count, server->capacity);
    s = &server->sessions[server->count++];
    memset(s, 0, sizeof *s);
  } else {
    session_free(s);
    memset(s, 0, sizeof *s);
  }
  s->id = id;
  s->state = state;
  s->session_flags = WTS_SESSIONSTATE_UNKNOWN_;
  wide_set(&s->winstation, winstation);
  return s;
}

DBL_EXPORT int32_t dbl_session_add(const char *server_name, DWORD_ id, const char *winstation,
                                   int32_t state) {
  if (id == WTS_CURRENT_SESSION_ || id == WTS_ANY_SESSION_) return -1;
  dbl_lock();
  Server *server = server_find(server_name);
  Session *s = server ? session_add_locked(server, id, winstation, state) : NULL;
  dbl_unlock();
  return s ? 0 : -1;
}

/* Parses dotted IPv4 into 4 bytes. */
static int parse_ipv4(const char *text, uint8_t out[4]) {
  int parts = 0;
  while (parts < 4) {
    if (*text < '0' || *text > '9') return 0;
    unsigned v = 0, digits = 0;
    while (*text >= '0' && *text <= '9') {
      v = v * 10 + (unsigned)(*text++ - '0');
      if (++digits > 3 || v > 255) return 0;
    }
    out[parts++] = (uint8_t)v;
    if (parts < 4 && *text++ != '.') return 0;
  }
  return *text == 0;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Parses RFC 4291 text (with "::" and an optional trailing dotted IPv4) into 16 bytes. */
static int parse_ipv6(const char *text, uint8_t out[16]) {
  uint16_t groups[8];
  int count = 0, gap = -1;
  const char *s = text;
  if (s[0] == ':' && s[1] == ':') {
    gap = 0;
    s += 2;
  }
  while (*s && count < 8) {
    if (strchr(s, '.') && !strchr(s, ':')) { /* embedded IPv4 tail */
      uint8_t v4[4];
      if (count > 6 || !parse_ipv4(s, v4)) return 0;
      groups[count++] = (uint16_t)(v4[0] << 8 | v4[1]);
      groups[count++] = (uint16_t)(v4[2] << 8 | v4[3]);
      s += strlen(s);
      break;
    }
    int v = 0, digits = 0, d;
    while ((d = hex_value(*s)) >= 0) {
      v = v * 16 + d;
      s++;
      if (++digits > 4) return 0;
    }
    if (!digits) return 0;
    groups[count++] = (uint16_t)v;
    if (*s == ':') {
      s++;
      if (*s == ':') {
        if (gap >= 0) return 0;
        gap = count;
        s++;
      } else if (!*s) {
        return 0;
      }
    } else if (*s) {
      return 0;
    }
  }
  if (*s) return 0;
  if (gap < 0 && count != 8) return 0;
  if (gap >= 0 && count > 7) return 0;
  uint16_t full[8] = {0};
  if (gap < 0) memcpy(full, groups, sizeof full);
  else {
    for (int i = 0; i < gap; i++) full[i] = groups[i];
    for (int i = gap; i < count; i++) full[8 - (count - i)] = groups[i];
  }
  for (int i = 0; i < 8; i++) {
    out[2 * i] = (uint8_t)(full[i] >> 8);
    out[2 * i + 1] = (uint8_t)full[i];
  }
  return 1;
}

DBL_EXPORT int32_t dbl_session_set_str(const char *server_name, DWORD_ id, const char *field,
                                       const char *value) {
  if (!field || !value) return -1;
  int32_t result = 0;
  dbl_lock();
  Server *server = server_find(server_name);
  Session *s = server ? session_find(server, id) : NULL;
  if (!s) result = -1;
  else if (strcmp(field, "user") == 0) wide_set(&s->user, value);
  else if (strcmp(field, "domain") == 0) wide_set(&s->domain, value);
  else if (strcmp(field, "client_name") == 0) wide_set(&s->client_name, value);
  else if (strcmp(field, "client_directory") == 0) wide_set(&s->client_directory, value);
  else if (strcmp(field, "farm") == 0) wide_set(&s->farm, value);
  else if (strcmp(field, "host") == 0) wide_set(&s->host, value);
  else if (strcmp(field, "initial_program") == 0) wide_set(&s->initial_program, value);
  else if (strcmp(field, "working_directory") == 0) wide_set(&s->working_directory, value);
  else if (strcmp(field, "winstation") == 0) wide_set(&s->winstation, value);
  else if (strcmp(field, "client_address") == 0) {
    uint8_t bytes[16];
    memset(s->address, 0, sizeof s->address);
    if (!*value) {
      s->address_family = 0; /* AF_UNSPEC */
    } else if (parse_ipv4(value, bytes)) {
      s->address_family = 2; /* AF_INET: the 4 bytes sit at Address[2..5] */
      memcpy(s->address + 2, bytes, 4);
    } else if (parse_ipv6(value, bytes)) {
      /* AF_INET6: the 16 bytes sit at Address[2..17], two bytes in like IPv4's, whatever the
       * WTS_CLIENT_ADDRESS page's wording suggests. Real Windows: KB951422 shows a Server 2008
       * host answering "17 00 00 00 | 00 00 FE 80 …" for fe80::…; pywin32 issue #664 shows
       * (0, 0, 254, 128, …) for fe80::b33f; Cassia (issue #39) reads the bytes from index 2. */
      s->address_family = 23;
      memcpy(s->address + 2, bytes, 16);
    } else {
      result = -1;
    }
    if (result == 0) wide_set(&s->client_address_text, value);
  } else result = -1;
  dbl_unlock();
  return result;
}

DBL_EXPORT int32_t dbl_session_set_u64(const char *server_name, DWORD_ id, const char *field,
                                       uint64_t value) {
  if (!field) return -1;
  int32_t result = 0;
  dbl_lock();
  Server *server = server_find(server_name);
  Session *s = server ? session_find(server, id) : NULL;
  if (!s) result = -1;
  else if (strcmp(field, "protocol") == 0) s->protocol = value;
  else if (strcmp(field, "client_build") == 0) s->client_build = value;
  else if (strcmp(field, "client_product_id") == 0) s->client_product_id = value;
  else if (strcmp(field, "client_hardware_id") == 0) s->client_hardware_id = value;
  else if (strcmp(field, "connect_time") == 0) s->connect_time = value;
  else if (strcmp(field, "disconnect_time") == 0) s->disconnect_time = value;
  else if (strcmp(field, "last_input_time") == 0) s->last_input_time = value;
  else if (strcmp(field, "logon_time") == 0) s->logon_time = value;
  else if (strcmp(field, "current_time") == 0) s->current_time = value;
  else if (strcmp(field, "hres") == 0) s->hres = value;
  else if (strcmp(field, "vres") == 0) s->vres = value;
  else if (strcmp(field, "color_depth") == 0) s->color_depth = value;
  else if (strcmp(field, "session_flags") == 0) s->session_flags = value;
  else if (strcmp(field, "incoming_bytes") == 0) s->incoming_bytes = value;
  else if (strcmp(field, "outgoing_bytes") == 0) s->outgoing_bytes = value;
  else if (strcmp(field, "incoming_frames") == 0) s->incoming_frames = value;
  else if (strcmp(field, "outgoing_frames") == 0) s->outgoing_frames = value;
  else if (strcmp(field, "incoming_compressed_bytes") == 0) s->incoming_compressed_bytes = value;
  else if (strcmp(field, "outgoing_compressed_bytes") == 0) s->outgoing_compressed_bytes = value;
  else if (strcmp(field, "state") == 0) s->state = (int32_t)value;
  else result = -1;
  dbl_unlock();
  return result;
}

DBL_EXPORT int32_t dbl_session_state(const char *server_name, DWORD_ id) {
  dbl_lock();
  Server *server = server_find(server_name);
  Session *s = server ? session_find(server, id) : NULL;
  int32_t state = s ? s->state : -1;
  dbl_unlock();
  return state;
}

static void decimal(char *out, const char *prefix, unsigned value, int width) {
  char digits[16];
  int n = 0;
  do {
    digits[n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value);
  while (n < width) digits[n++] = '0';
  size_t p = strlen(prefix);
  memcpy(out, prefix, p);
  while (n) out[p++] = digits[--n];
  out[p] = 0;
}

/* n deterministic sessions after the highest id present: "RDP-Tcp#k", user "user00001" in
 * CONTOSO, client "PC00001" at 10.0.x.y, RDP; every 4th disconnected. Returns the first id. */
DBL_EXPORT int32_t dbl_sessions_generate(const char *server_name, int32_t n) {
  if (n < 0) return -1;
  dbl_lock();
  Server *server = server_find(server_name);
  if (!server) {
    dbl_unlock();
    return -1;
  }
  DWORD_ first = 1;
  for (size_t i = 0; i < server->count; i++)
    if (server->sessions[i].id >= first && server->sessions[i].id < 0xFFFFFF00u)
      first = server->sessions[i].id + 1;
  uint64_t base = 133000000000000000ull; /* 2022-06-18, fixed so rows are reproducible */
  for (int32_t k = 0; k < n; k++) {
    DWORD_ id = first + (DWORD_)k;
    char text[64];
    decimal(text, "RDP-Tcp#", (unsigned)k, 0);
    Session *s = session_add_locked(server, id, text, k % 4 == 3 ? WTS_DISCONNECTED_ : 0);
    decimal(text, "user", (unsigned)k, 5);
    wide_set(&s->user, text);
    wide_set(&s->domain, "CONTOSO");
    decimal(text, "PC", (unsigned)k, 5);
    wide_set(&s->client_name, text);
    s->address_family = 2;
    s->address[2] = 10;
    s->address[4] = (uint8_t)(k >> 8);
    s->address[5] = (uint8_t)k;
    s->protocol = 2;
    s->client_build = 22621;
    s->logon_time = base + (uint64_t)k * 10000000ull;
    s->connect_time = s->logon_time;
    s->last_input_time = s->logon_time + 600000000ull;
    s->hres = 1920;
    s->vres = 1080;
    s->color_depth = 32;
  }
  dbl_unlock();
  return (int32_t)first;
}

/* n deterministic processes (pid 10000 + k, "proc00001.exe", SID S-1-5-21-1000-2000-3000-(1000+k
 * mod 50)) spread over the server's sessions (session 1 when it has none). Returns 0. */
DBL_EXPORT int32_t dbl_processes_generate(const char *server_name, int32_t n) {
  if (n < 0) return -1;
  dbl_lock();
  Server *server = server_find(server_name);
  if (!server) {
    dbl_unlock();
    return -1;
  }
  DblProcess proto;
  for (int32_t k = 0; k < n; k++) {
    memset(&proto, 0, sizeof proto);
    memcpy(proto.server, server->name, sizeof proto.server - 1); /* names fit in 63 bytes */
    proto.pid = 10000u + (DWORD_)k;
    proto.session_id = server->count ? server->sessions[(size_t)k % server->count].id : 1;
    char text[64];
    decimal(text, "proc", (unsigned)k, 5);
    strcat(text, ".exe");
    dbl_utf8_to_utf16(text, proto.name, 260);
    char sid[64];
    decimal(sid, "S-1-5-21-1000-2000-3000-", 1000u + (unsigned)(k % 50), 0);
    proto.sid_len = (uint32_t)dbl_parse_sid(sid, proto.sid, sizeof proto.sid);
    proto.create_time = 133000000000000000ull + (uint64_t)k * 10000ull;
    proto.user_time = (uint64_t)k * 1000ull;
    proto.kernel_time = (uint64_t)k * 500ull;
    proto.threads = 1u + (DWORD_)(k % 16);
    proto.handles = 50u + (DWORD_)(k % 200);
    proto.working_set = 4096u * (1u + (DWORD_)(k % 1000));
    proto.peak_working_set = proto.working_set * 2;
    proto.pagefile = proto.working_set / 2;
    proto.peak_pagefile = proto.pagefile * 2;
    proto.alive = 1;
    proto.exit_code = 259;
    if (!dbl_process_insert_locked(&proto)) {
      dbl_unlock();
      return -1;
    }
  }
  dbl_unlock();
  return 0;
}

DBL_EXPORT int32_t dbl_event_inject(const char *server_name, DWORD_ flags) {
  dbl_lock();
  Server *server = server_find(server_name);
  if (server) server->events |= flags;
  dbl_unlock();
  if (!server) return -1;
  dbl_wake_all();
  return 0;
}

DBL_EXPORT int32_t dbl_wait_pending(void) {
  dbl_lock();
  int32_t n = waiting_threads;
  dbl_unlock();
  return n;
}

DBL_EXPORT void dbl_message_set_response(DWORD_ response, uint32_t delay_ms) {
  dbl_lock();
  message_response = response;
  message_delay_ms = delay_ms;
  dbl_unlock();
}

/* A waited box in session_id on server ("" = local) answers response after delay_ms, whatever
 * dbl_message_set_response says for the others. 0 ok, -1 table full. */
DBL_EXPORT int32_t dbl_message_set_session_response(const char *server, DWORD_ session_id,
                                                    DWORD_ response, uint32_t delay_ms) {
  dbl_lock();
  SessionMessage *m = session_message(server ? server : "", session_id, 1);
  if (m) {
    m->has_reply = 1;
    m->response = response;
    m->delay_ms = delay_ms;
  }
  dbl_unlock();
  return m ? 0 : -1;
}

/* How many boxes session_id on server was sent since reset, and the text of the last one. */
DBL_EXPORT int32_t dbl_message_session_last(const char *server, DWORD_ session_id, char *text,
                                            size_t text_size) {
  dbl_lock();
  const SessionMessage *m = session_message(server ? server : "", session_id, 0);
  int32_t sent = m ? m->sent : 0;
  if (text && text_size) {
    strncpy(text, m ? m->text : "", text_size - 1);
    text[text_size - 1] = 0;
  }
  dbl_unlock();
  return sent;
}

DBL_EXPORT void dbl_message_set_timeout_response(DWORD_ response) {
  dbl_lock();
  message_timeout_response = response;
  dbl_unlock();
}
DBL_EXPORT void dbl_os_version_set(DWORD_ major, DWORD_ minor, DWORD_ build) {
  dbl_lock();
  os_major = major;
  os_minor = minor;
  os_build = build;
  dbl_unlock();
}
DBL_EXPORT int32_t dbl_message_last(char *title, size_t title_size, char *text, size_t text_size,
                                    DWORD_ *style, DWORD_ *timeout, int32_t *wait) {
  dbl_lock();
  if (title && title_size) {
    strncpy(title, last_title, title_size - 1);
    title[title_size - 1] = 0;
  }
  if (text && text_size) {
    strncpy(text, last_text, text_size - 1);
    text[text_size - 1] = 0;
  }
  if (style) *style = last_style;
  if (timeout) *timeout = last_timeout;
  if (wait) *wait = last_wait;
  int32_t sent = messages_sent;
  dbl_unlock();
  return sent;
}
