/*
 * C baseline for bench/sessions_bench.ts: what listSessions() and listProcesses() cost when a
 * careful C programmer writes them against the same wtsapi32 double, making the same Win32
 * calls and decoding the same structs into the same owned data: UTF-8 strings, SID text,
 * client address text, FILETIMEs as milliseconds since 1970 (bench/c/text.h: one arena per
 * listing, hand-rolled formatting, each distinct SID formatted once).
 *
 * listSessions: WTSEnumerateSessionsExW (level 1), then per session WTSQuerySessionInformationW
 *   for WTSSessionInfo, WTSClientName, WTSClientAddress and WTSClientProtocolType, each result
 *   freed with WTSFreeMemory; the array freed with WTSFreeMemoryExW.
 * listProcesses: WTSEnumerateProcessesExW (level 1, WTS_ANY_SESSION), then WTSFreeMemoryExW;
 *   its decode is also exported alone, for blocks of 1,000 to 100,000 rows built in memory
 *   (the double's process table is a list, so filling it with 100,000 processes takes ~35 s).
 * bench/sessions_bench.ts checks before timing that both sides make the same calls (counted by
 * the double) and produce the same rows (the dump functions below against the library's
 * objects, field by field, doubles compared bit for bit).
 *
 * As a program:  sessions_baseline [iterations]  -> fills the doubles (1,000 sessions, 10,000
 *   processes on the local server), runs each operation `iterations` times (default 200) after a
 *   warm-up, and prints {"listSessions1000NsPerIter": ..., "listProcesses10000NsPerIter": ...}.
 * As a library (-DBENCH_LIBRARY): bench_list_sessions(), bench_list_processes() and
 *   bench_decode_processes(block, count), each one full operation returning the row count (or
 *   -1), for Deno FFI to time; the bench_dump_* functions run the same operations and write
 *   their rows as text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "text.h"

#ifdef BENCH_LIBRARY
#define BENCH_EXPORT __attribute__((visibility("default")))
#else
#define BENCH_EXPORT
#endif

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
  uint64_t ConnectTime, DisconnectTime, LastInputTime, LogonTime, CurrentTime;
} WTSINFOW;

typedef struct {
  DWORD_ AddressFamily;
  uint8_t Address[20];
} WTS_CLIENT_ADDRESS;

_Static_assert(sizeof(WTS_SESSION_INFO_1W) == 56, "WTS_SESSION_INFO_1W");
_Static_assert(sizeof(WTS_PROCESS_INFO_EXW) == 64, "WTS_PROCESS_INFO_EXW");
_Static_assert(sizeof(WTSINFOW) == 216, "WTSINFOW");
_Static_assert(sizeof(WTS_CLIENT_ADDRESS) == 24, "WTS_CLIENT_ADDRESS");

/* ---- decoded rows: owned data, like the JS objects (strings are offsets into the arena) ---- */
#define NO_TIME INT64_MIN /* a JS null */
typedef struct {
  uint32_t id, station, user, domain, client_name, client_address;
  int32_t state;
  int protocol;
  int64_t connect_ms, disconnect_ms, last_input_ms, logon_ms, idle_ms;
} Session;

typedef struct {
  uint32_t pid, session_id, name, user_sid;
  uint32_t threads, handles, pagefile, peak_pagefile, working_set, peak_working_set;
  double user_ms, kernel_ms;
} Process;

/* FILETIME -> ms since 1970, floored (what fileTimeToDate gives), NO_TIME for 0 or > INT64_MAX. */
static int64_t filetime_ms(uint64_t ticks) {
  if (ticks == 0 || ticks > (uint64_t)INT64_MAX) return NO_TIME;
  return (int64_t)(ticks / 10000u) - 11644473600000LL;
}

/* 100 ns ticks -> ms as a double, exactly as durationFrom100ns computes it. */
static double duration_ms(int64_t ticks) {
  return (double)(ticks / 10000) + (double)(ticks % 10000) / 10000.0;
}

static void *query(DWORD_ id, DWORD_ info_class, DWORD_ *bytes) {
  void *buffer = NULL;
  *bytes = 0;
  if (!WTSQuerySessionInformationW(NULL, id, info_class, &buffer, bytes)) return NULL;
  return buffer;
}

/* ---- dumps: one line per row, the text bench/sessions_bench.ts builds from the JS objects -- */
typedef struct {
  char *out;
  size_t cap, used;
  int overflow;
} Dump;

static void dump_text(Dump *d, const char *text) {
  size_t n = strlen(text);
  if (d->used + n + 1 > d->cap) {
    d->overflow = 1;
    return;
  }
  memcpy(d->out + d->used, text, n);
  d->used += n;
}

static void dump_string(Dump *d, const Arena *arena, uint32_t offset) {
  dump_text(d, offset == ARENA_NULL ? "\\N" : arena->bytes + offset);
  dump_text(d, "\t");
}

static void dump_int(Dump *d, int64_t value) {
  char text[24];
  if (value == NO_TIME) {
    dump_text(d, "\\N\t");
    return;
  }
  size_t n = 0;
  if (value < 0) text[n++] = '-';
  n += put_decimal(text + n, value < 0 ? (uint64_t)(-value) : (uint64_t)value);
  text[n++] = '\t';
  text[n] = 0;
  dump_text(d, text);
}

static void dump_double_bits(Dump *d, double value) { /* exact: the IEEE bits in hex */
  uint64_t bits;
  memcpy(&bits, &value, 8);
  char text[24];
  size_t n = put_hex(text, (uint32_t)(bits >> 32), 0, 8);
  n += put_hex(text + n, (uint32_t)bits, 0, 8);
  text[n++] = '\t';
  text[n] = 0;
  dump_text(d, text);
}

static const char *const STATES[] = {"Active", "Connected", "ConnectQuery", "Shadow",
                                     "Disconnected", "Idle", "Listen", "Reset", "Down", "Init"};
static const char *const PROTOCOLS[] = {"console", "ica", "rdp"};

/* ---- listSessions -------------------------------------------------------------------------- */
static int32_t list_sessions(Dump *dump) {
  DWORD_ level = 1, count = 0;
  void *info = NULL;
  if (!WTSEnumerateSessionsExW(NULL, &level, 0, &info, &count)) return -1;
  const WTS_SESSION_INFO_1W *list = info;
  Session *rows = malloc((count ? count : 1) * sizeof *rows);
  Arena arena;
  if (!rows || arena_start(&arena, 64u * count + 64)) {
    free(rows);
    WTSFreeMemoryExW(WTSTypeSessionInfoLevel1, info, count);
    return -1;
  }
  for (DWORD_ i = 0; i < count; i++) {
    Session *s = &rows[i];
    DWORD_ bytes;
    s->id = list[i].SessionId;
    s->state = list[i].State;
    s->station = arena_utf8(&arena, list[i].pSessionName, SIZE_MAX);
    s->user = arena_utf8(&arena, list[i].pUserName, SIZE_MAX);
    s->domain = arena_utf8(&arena, list[i].pDomainName, SIZE_MAX);
    s->connect_ms = s->disconnect_ms = s->last_input_ms = s->logon_ms = s->idle_ms = NO_TIME;
    const WTSINFOW *w = query(s->id, WTSSessionInfo, &bytes);
    if (w) {
      s->connect_ms = filetime_ms(w->ConnectTime);
      s->disconnect_ms = filetime_ms(w->DisconnectTime);
      s->last_input_ms = filetime_ms(w->LastInputTime);
      s->logon_ms = filetime_ms(w->LogonTime);
      int64_t now = filetime_ms(w->CurrentTime);
      if (s->last_input_ms != NO_TIME && now != NO_TIME)
        s->idle_ms = now > s->last_input_ms ? now - s->last_input_ms : 0;
      WTSFreeMemory((void *)w);
    }
    wchar16 *name = query(s->id, WTSClientName, &bytes);
    s->client_name = name ? arena_utf8(&arena, name, bytes / 2) : ARENA_EMPTY;
    if (name) WTSFreeMemory(name);
    WTS_CLIENT_ADDRESS *a = query(s->id, WTSClientAddress, &bytes);
    s->client_address = ARENA_NULL;
    if (a) {
      s->client_address = arena_address(&arena, a->AddressFamily, a->Address);
      WTSFreeMemory(a);
    }
    uint16_t *protocol = query(s->id, WTSClientProtocolType, &bytes);
    s->protocol = -1;
    if (protocol) {
      s->protocol = bytes >= 2 ? *protocol : 0;
      WTSFreeMemory(protocol);
    }
  }
  WTSFreeMemoryExW(WTSTypeSessionInfoLevel1, info, count);
  for (DWORD_ i = 0; dump && i < count; i++) {
    const Session *s = &rows[i];
    dump_int(dump, s->id);
    dump_string(dump, &arena, s->station);
    dump_text(dump, s->state >= 0 && s->state < 10 ? STATES[s->state] : "Unknown");
    dump_text(dump, "\t");
    dump_string(dump, &arena, s->user);
    dump_string(dump, &arena, s->domain);
    dump_string(dump, &arena, s->client_name);
    dump_string(dump, &arena, s->client_address);
    dump_text(dump, s->protocol >= 0 && s->protocol < 3 ? PROTOCOLS[s->protocol] : "unknown");
    dump_text(dump, "\t");
    dump_int(dump, s->connect_ms);
    dump_int(dump, s->disconnect_ms);
    dump_int(dump, s->last_input_ms);
    dump_int(dump, s->logon_ms);
    /* idle is now - last input: the double's clock moves, so only its presence compares */
    dump_text(dump, s->idle_ms == NO_TIME ? "\\N\t" : "idle\t");
    dump_text(dump, "\n");
  }
  free(rows);
  arena_free(&arena);
  return (int32_t)count;
}

/* ---- listProcesses ------------------------------------------------------------------------- */
/* Decodes count WTS_PROCESS_INFO_EXW into owned rows (dumped when dump is set), then frees them. */
static int32_t decode_processes(const WTS_PROCESS_INFO_EXW *list, DWORD_ count, Dump *dump) {
  Process *rows = malloc((count ? count : 1) * sizeof *rows);
  Arena arena;
  SidCache sids;
  sid_cache_init(&sids);
  if (!rows || arena_start(&arena, 24u * count + 64)) {
    free(rows);
    return -1;
  }
  for (DWORD_ i = 0; i < count; i++) {
    const WTS_PROCESS_INFO_EXW *in = &list[i];
    Process *p = &rows[i];
    p->pid = in->ProcessId;
    p->session_id = in->SessionId;
    p->name = arena_utf8(&arena, in->pProcessName, SIZE_MAX);
    p->user_sid = in->pUserSid ? sid_cached(&sids, &arena, in->pUserSid) : ARENA_NULL;
    p->threads = in->NumberOfThreads;
    p->handles = in->HandleCount;
    p->pagefile = in->PagefileUsage;
    p->peak_pagefile = in->PeakPagefileUsage;
    p->working_set = in->WorkingSetSize;
    p->peak_working_set = in->PeakWorkingSetSize;
    p->user_ms = duration_ms(in->UserTime);
    p->kernel_ms = duration_ms(in->KernelTime);
  }
  for (DWORD_ i = 0; dump && i < count; i++) {
    const Process *p = &rows[i];
    dump_int(dump, p->pid);
    dump_int(dump, p->session_id);
    dump_string(dump, &arena, p->name);
    dump_string(dump, &arena, p->user_sid);
    dump_int(dump, p->threads);
    dump_int(dump, p->handles);
    dump_int(dump, p->pagefile);
    dump_int(dump, p->peak_pagefile);
    dump_int(dump, p->working_set);
    dump_int(dump, p->peak_working_set);
    dump_double_bits(dump, p->user_ms);
    dump_double_bits(dump, p->kernel_ms);
    dump_text(dump, "\n");
  }
  free(rows);
  arena_free(&arena);
  return (int32_t)count;
}

static int32_t list_processes(Dump *dump) {
  DWORD_ level = 1, count = 0;
  void *info = NULL;
  if (!WTSEnumerateProcessesExW(NULL, &level, WTS_ANY_SESSION, &info, &count)) return -1;
  int32_t rows = decode_processes(info, count, dump);
  WTSFreeMemoryExW(WTSTypeProcessInfoLevel1, info, count);
  return rows;
}

/* One listSessions() on the local server: enumerate, query, decode, free. Returns the count. */
BENCH_EXPORT int32_t bench_list_sessions(void) { return list_sessions(NULL); }

/* One listProcesses() (all sessions) on the local server. */
BENCH_EXPORT int32_t bench_list_processes(void) { return list_processes(NULL); }

/* The decode alone of a WTS_PROCESS_INFO_EXW[] block (bench/decode_bench.ts builds one). */
BENCH_EXPORT int32_t bench_decode_processes(const void *block, uint32_t count) {
  return decode_processes(block, count, NULL);
}

static int64_t dumped(Dump *d, int32_t rows) {
  if (rows < 0 || d->overflow) return -1;
  d->out[d->used] = 0;
  return (int64_t)d->used;
}

/* The same operations, their rows written as text into out (cap bytes); returns the length. */
BENCH_EXPORT int64_t bench_dump_sessions(char *out, uint64_t cap) {
  Dump d = {out, (size_t)cap, 0, 0};
  return dumped(&d, list_sessions(&d));
}

BENCH_EXPORT int64_t bench_dump_processes(char *out, uint64_t cap) {
  Dump d = {out, (size_t)cap, 0, 0};
  return dumped(&d, list_processes(&d));
}

BENCH_EXPORT int64_t bench_dump_decoded_processes(const void *block, uint32_t count, char *out,
                                                  uint64_t cap) {
  Dump d = {out, (size_t)cap, 0, 0};
  return dumped(&d, decode_processes(block, count, &d));
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
