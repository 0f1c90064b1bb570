/*
 * C baseline for bench/sessions_bench.ts: what listSessions() and listProcesses() cost when
 * written directly in C against the same wtsapi32 double, making the same Win32 calls and
 * decoding the same structs into the same owned data (strings converted to UTF-8, SIDs to
 * "S-1-..." text, FILETIMEs to milliseconds since 1970, client addresses to text).
 *
 * listSessions: WTSEnumerateSessionsExW (level 1), then per session WTSQuerySessionInformationW
 *   for WTSSessionInfo, WTSClientName, WTSClientAddress and WTSClientProtocolType, each result
 *   freed with WTSFreeMemory; the array freed with WTSFreeMemoryExW. (The call sequence of
 *   sessions.ts; bench/sessions_bench.ts checks both make the same number of calls.)
 * listProcesses: WTSEnumerateProcessesExW (level 1, WTS_ANY_SESSION), then WTSFreeMemoryExW.
 *
 * As a program:  sessions_baseline [iterations]  -> fills the doubles (1,000 sessions, 10,000
 *   processes on the local server), runs each operation `iterations` times (default 200) after a
 *   warm-up, and prints {"listSessions1000NsPerIter": ..., "listProcesses10000NsPerIter": ...}.
 * As a library (-DBENCH_LIBRARY): exports bench_list_sessions() and bench_list_processes(),
 *   each one full operation returning the row count (or -1), for Deno FFI to time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"

/* ---- wtsapi32 (the double implements these with the Win32 x64 ABI) ----------------------- */
BOOL_ WTSEnumerateSessionsExW(void *server, DWORD_ *level, DWORD_ filter, void **info,
                              DWORD_ *count);
BOOL_ WTSQuerySessionInformationW(void *server, DWORD_ session, DWORD_ info_class, void **buffer,
                                  DWORD_ *bytes);
BOOL_ WTSEnumerateProcessesExW(void *server, DWORD_ *level, DWORD_ session, void **info,
                               DWORD_ *count);
void WTSFreeMemory(void *memory);
BOOL_ WTSFreeMemoryExW(DWORD_ type_class, void *memory, DWORD_ entries);
/* control API of the double (used by the program only; Deno fills the doubles itself) */
int32_t dbl_sessions_generate(const char *server, int32_t n);
int32_t dbl_processes_generate(const char *server, int32_t n);

#define WTS_ANY_SESSION 0xFFFFFFFEu
#define WTSTypeProcessInfoLevel1 1u
#define WTSTypeSessionInfoLevel1 2u
#define WTSClientName 10u
#define WTSClientAddress 14u
#define WTSClientProtocolType 16u
#define WTSSessionInfo 24u

typedef struct {
  DWORD_ ExecEnvId;
  int32_t State;
  DWORD_ SessionId;
  wchar16 *pSessionName, *pHostName, *pUserName, *pDomainName, *pFarmName;
} WTS_SESSION_INFO_1W;

typedef struct {
  DWORD_ SessionId, ProcessId;
  wchar16 *pProcessName;
  uint8_t *pUserSid;
  DWORD_ NumberOfThreads, HandleCount, PagefileUsage, PeakPagefileUsage, WorkingSetSize,
      PeakWorkingSetSize;
  int64_t UserTime, KernelTime;
} WTS_PROCESS_INFO_EXW;

typedef struct {
  int32_t State;
  DWORD_ SessionId, IncomingBytes, OutgoingBytes, IncomingFrames, OutgoingFrames,
      IncomingCompressedBytes, OutgoingCompressedBytes;
  wchar16 WinStationName[32], Domain[17], UserName[21];
  int64_t ConnectTime, DisconnectTime, LastInputTime, LogonTime, CurrentTime;
} WTSINFOW;

typedef struct {
  DWORD_ AddressFamily;
  uint8_t Address[20];
} WTS_CLIENT_ADDRESS;

_Static_assert(sizeof(WTS_SESSION_INFO_1W) == 56, "WTS_SESSION_INFO_1W");
_Static_assert(sizeof(WTS_PROCESS_INFO_EXW) == 64, "WTS_PROCESS_INFO_EXW");
_Static_assert(sizeof(WTSINFOW) == 216, "WTSINFOW");
_Static_assert(sizeof(WTS_CLIENT_ADDRESS) == 24, "WTS_CLIENT_ADDRESS");

/* ---- decoded rows: owned copies, like the JS objects ------------------------------------- */
typedef struct {
  uint32_t id;
  int32_t state;
  char *station, *user, *domain, *client_name, *client_address;
  int protocol;
  double connect_ms, disconnect_ms, last_input_ms, logon_ms, idle_ms; /* NaN-free: -1 = null */
} Session;

typedef struct {
  uint32_t pid, session_id;
  char *name, *user_sid;
  uint32_t threads, handles, pagefile, peak_pagefile, working_set, peak_working_set;
  double user_ms, kernel_ms;
} Process;

/* UTF-16 (NUL-terminated, at most max units) -> newly allocated UTF-8. */
static char *utf8_from_wide(const wchar16 *text, size_t max) {
  if (!text) return strdup("");
  size_t units = 0;
  while (units < max && text[units]) units++;
  char *out = malloc(units * 3 + 1);
  size_t o = 0;
  for (size_t i = 0; i < units; i++) {
    uint32_t c = text[i];
    if (c >= 0xD800 && c < 0xDC00 && i + 1 < units && text[i + 1] >= 0xDC00 &&
        text[i + 1] < 0xE000) {
      c = 0x10000 + ((c - 0xD800) << 10) + (text[i + 1] - 0xDC00);
      i++;
    } else if (c >= 0xD800 && c < 0xE000) {
      c = 0xFFFD; /* lone surrogate, as TextDecoder does */
    }
    if (c < 0x80) {
      out[o++] = (char)c;
    } else if (c < 0x800) {
      out[o++] = (char)(0xC0 | (c >> 6));
      out[o++] = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out[o++] = (char)(0xE0 | (c >> 12));
      out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
      out[o++] = (char)(0x80 | (c & 0x3F));
    } else {
      out[o++] = (char)(0xF0 | (c >> 18));
      out[o++] = (char)(0x80 | ((c >> 12) & 0x3F));
      out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
      out[o++] = (char)(0x80 | (c & 0x3F));
    }
  }
  out[o] = 0;
  return out;
}

/* Binary SID -> "S-1-5-21-..." (NULL for no SID). */
static char *sid_text(const uint8_t *sid) {
  if (!sid) return NULL;
  unsigned count = sid[1];
  uint64_t authority = 0;
  for (int i = 2; i < 8; i++) authority = (authority << 8) | sid[i];
  char *out = malloc(32 + count * 11);
  int n = sprintf(out, "S-%u-%llu", sid[0], (unsigned long long)authority);
  for (unsigned i = 0; i < count; i++) {
    uint32_t sub;
    memcpy(&sub, sid + 8 + 4 * i, 4);
    n += sprintf(out + n, "-%u", sub);
  }
  return out;
}

/* FILETIME ticks -> ms since 1970, -1 for 0 (unknown). */
static double filetime_ms(int64_t ticks) {
  return ticks == 0 ? -1 : (double)(ticks - 116444736000000000LL) / 10000.0;
}

static char *address_text(const WTS_CLIENT_ADDRESS *a) {
  char *out = malloc(48);
  if (a->AddressFamily == 2) {
    sprintf(out, "%u.%u.%u.%u", a->Address[2], a->Address[3], a->Address[4], a->Address[5]);
  } else if (a->AddressFamily == 23) {
    int n = 0;
    for (int i = 0; i < 16; i += 2)
      n += sprintf(out + n, i ? ":%x" : "%x", (a->Address[i] << 8) | a->Address[i + 1]);
  } else {
    free(out);
    return NULL;
  }
  return out;
}

static void *query(DWORD_ id, DWORD_ info_class) {
  void *buffer = NULL;
  DWORD_ bytes = 0;
  if (!WTSQuerySessionInformationW(NULL, id, info_class, &buffer, &bytes)) return NULL;
  return buffer;
}

static void free_sessions(Session *rows, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(rows[i].station);
    free(rows[i].user);
    free(rows[i].domain);
    free(rows[i].client_name);
    free(rows[i].client_address);
  }
  free(rows);
}

/* One listSessions() on the local server: enumerate, query, decode, free. Returns the count. */
#ifdef BENCH_LIBRARY
__attribute__((visibility("default")))
#endif
int32_t bench_list_sessions(void) {
  DWORD_ level = 1, count = 0;
  void *info = NULL;
  if (!WTSEnumerateSessionsExW(NULL, &level, 0, &info, &count)) return -1;
  WTS_SESSION_INFO_1W *list = info;
  Session *rows = calloc(count ? count : 1, sizeof *rows);
  for (DWORD_ i = 0; i < count; i++) {
    Session *s = &rows[i];
    s->id = list[i].SessionId;
    s->state = list[i].State;
    s->station = utf8_from_wide(list[i].pSessionName, SIZE_MAX);
    s->user = utf8_from_wide(list[i].pUserName, SIZE_MAX);
    s->domain = utf8_from_wide(list[i].pDomainName, SIZE_MAX);
    WTSINFOW *w = query(s->id, WTSSessionInfo);
    if (w) {
      s->connect_ms = filetime_ms(w->ConnectTime);
      s->disconnect_ms = filetime_ms(w->DisconnectTime);
      s->last_input_ms = filetime_ms(w->LastInputTime);
      s->logon_ms = filetime_ms(w->LogonTime);
      s->idle_ms = w->LastInputTime ? (double)(w->CurrentTime - w->LastInputTime) / 10000.0 : -1;
      WTSFreeMemory(w);
    }
    wchar16 *name = query(s->id, WTSClientName);
    s->client_name = utf8_from_wide(name, SIZE_MAX);
    if (name) WTSFreeMemory(name);
    WTS_CLIENT_ADDRESS *a = query(s->id, WTSClientAddress);
    if (a) {
      s->client_address = address_text(a);
      WTSFreeMemory(a);
    }
    uint16_t *protocol = query(s->id, WTSClientProtocolType);
    if (protocol) {
      s->protocol = *protocol;
      WTSFreeMemory(protocol);
    }
  }
  WTSFreeMemoryExW(WTSTypeSessionInfoLevel1, info, count);
  free_sessions(rows, count);
  return (int32_t)count;
}

/* One listProcesses() on the local server (all sessions): enumerate, decode, free. */
#ifdef BENCH_LIBRARY
__attribute__((visibility("default")))
#endif
int32_t bench_list_processes(void) {
  DWORD_ level = 1, count = 0;
  void *info = NULL;
  if (!WTSEnumerateProcessesExW(NULL, &level, WTS_ANY_SESSION, &info, &count)) return -1;
  WTS_PROCESS_INFO_EXW *list = info;
  Process *rows = calloc(count ? count : 1, sizeof *rows);
  for (DWORD_ i = 0; i < count; i++) {
    Process *p = &rows[i];
    p->pid = list[i].ProcessId;
    p->session_id = list[i].SessionId;
    p->name = utf8_from_wide(list[i].pProcessName, SIZE_MAX);
    p->user_sid = sid_text(list[i].pUserSid);
    p->threads = list[i].NumberOfThreads;
    p->handles = list[i].HandleCount;
    p->pagefile = list[i].PagefileUsage;
    p->peak_pagefile = list[i].PeakPagefileUsage;
    p->working_set = list[i].WorkingSetSize;
    p->peak_working_set = list[i].PeakWorkingSetSize;
    p->user_ms = (double)list[i].UserTime / 10000.0;
    p->kernel_ms = (double)list[i].KernelTime / 10000.0;
  }
  WTSFreeMemoryExW(WTSTypeProcessInfoLevel1, info, count);
  for (DWORD_ i = 0; i < count; i++) {
    free(rows[i].name);
    free(rows[i].user_sid);
  }
  free(rows);
  return (int32_t)count;
}

#ifndef BENCH_LIBRARY
static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static double ns_per_iteration(int32_t (*run)(void), int iterations, int32_t expected) {
  for (int i = 0; i < iterations / 10 + 1; i++) /* warm-up */
    if (run() != expected) return -1;
  double start = now_ns();
  for (int i = 0; i < iterations; i++)
    if (run() != expected) return -1;
  return (now_ns() - start) / iterations;
}

int main(int argc, char **argv) {
  int iterations = argc > 1 ? atoi(argv[1]) : 200;
  if (iterations <= 0) {
    fprintf(stderr, "usage: sessions_baseline [iterations > 0]\n");
    return 2;
  }
  dbl_reset();
  if (dbl_sessions_generate("", 1000) < 0 || dbl_processes_generate("", 10000) < 0) {
    fprintf(stderr, "sessions_baseline: could not fill the doubles\n");
    return 1;
  }
  double sessions = ns_per_iteration(bench_list_sessions, iterations, 1000);
  double processes = ns_per_iteration(bench_list_processes, iterations, 10000);
  if (sessions < 0 || processes < 0) {
    fprintf(stderr, "sessions_baseline: a WTS call failed (last error %u)\n",
            dbl_get_last_error());
    return 1;
  }
  printf("{\"iterations\": %d, \"listSessions1000NsPerIter\": %.0f, "
         "\"listProcesses10000NsPerIter\": %.0f, \"wtsOutstanding\": %lld}\n",
         iterations, sessions, processes, (long long)dbl_wts_outstanding());
  return 0;
}
#endif
