/*
 * C baseline for bench/rm_bench.ts: what RestartManagerSession.list() costs when written
 * directly in C against the same rstrtmgr double: RmGetList's ERROR_MORE_DATA protocol as
 * rm/_list.ts follows it (one call with room for what the last list found plus headroom, at
 * least FIRST_CALL_ROOM, into a buffer kept between lists; again with room for the count
 * Windows reported only while that is too small) and the same fields
 * decoded into owned data (strings converted to UTF-8 into one arena per listing by the
 * hand-rolled loop of bench/c/text.h, the start FILETIME to milliseconds since 1970,
 * type/status/session/restartable copied out), then freed.
 *
 * As a program:  rm_baseline [iterations]  -> 1,000 processes each locking one of 1,000 files
 *   registered in one session; runs the list `iterations` times (default 2,000) after a warm-up
 *   and prints {"rmList1000NsPerIter": ...}.
 * As a library (-DBENCH_LIBRARY): exports bench_rm_list(handle), one full list of the session
 *   behind handle returning the row count (or -1), and bench_rm_decode(buffer, count), the
 *   decode alone of a buffer RmGetList filled, for Deno FFI to time against the TS code.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "text.h"

/* ---- rstrtmgr (the double implements these with the Win32 x64 ABI) ----------------------- */
DWORD_ RmStartSession(DWORD_ *handle, DWORD_ flags, wchar16 *key);
DWORD_ RmEndSession(DWORD_ handle);
DWORD_ RmRegisterResources(DWORD_ handle, uint32_t n_files, const wchar16 **files,
                           uint32_t n_apps, const void *apps, uint32_t n_services,
                           const wchar16 **services);
DWORD_ RmGetList(DWORD_ handle, uint32_t *needed, uint32_t *count, void *info,
                 DWORD_ *reboot_reasons);
/* control API of the double (used by the program only; Deno fills the doubles itself) */
int dbl_rm_bulk_locks(const char *prefix, DWORD_ n, DWORD_ pid_base, DWORD_ n_processes);

#define ERROR_MORE_DATA_ 234u
#define HEADROOM 8u
#define FIRST_CALL_ROOM 32u /* rm/_list.ts */
#define LIST_ATTEMPTS 8

/* RM_PROCESS_INFO exactly as restartmanager.h lays it out (4-byte packing, 668 bytes). */
typedef struct {
  DWORD_ dwProcessId;
  DWORD_ dwLowDateTime, dwHighDateTime;
  wchar16 strAppName[256];
  wchar16 strServiceShortName[64];
  DWORD_ ApplicationType;
  DWORD_ AppStatus;
  DWORD_ TSSessionId;
  BOOL_ bRestartable;
} RM_PROCESS_INFO;
_Static_assert(sizeof(RM_PROCESS_INFO) == 668, "RM_PROCESS_INFO");

/* What the TypeScript side produces per process, as owned C data (strings: arena offsets). */
typedef struct {
  DWORD_ pid;
  int64_t start_ms;
  uint32_t app_name;
  uint32_t service; /* ARENA_NULL when none */
  DWORD_ type, status, session;
  int restartable;
} Process;

#define NO_TIME INT64_MIN /* a JS null */

/* Decodes count RM_PROCESS_INFO into owned rows, writes them as text into out (cap bytes) when
 * out is set (the check bench/rm_bench.ts makes against list()), then frees them. */
static int32_t decode(const void *buffer, uint32_t count, char *out, size_t cap) {
  const RM_PROCESS_INFO *info = buffer;
  Process *rows = malloc((count ? count : 1) * sizeof *rows);
  Arena arena;
  if (!rows || arena_start(&arena, 32u * count + 64)) {
    free(rows);
    return -1;
  }
  for (uint32_t i = 0; i < count; i++) {
    const RM_PROCESS_INFO *in = &info[i];
    Process *p = &rows[i];
    uint64_t ticks = ((uint64_t)in->dwHighDateTime << 32) | in->dwLowDateTime;
    p->pid = in->dwProcessId;
    /* 0 and the sign bit are no time (FileTimeToSystemTime rejects the sign bit) */
    p->start_ms = ticks && ticks <= (uint64_t)INT64_MAX
                      ? (int64_t)(ticks / 10000u) - 11644473600000LL
                      : NO_TIME;
    p->app_name = arena_utf8(&arena, in->strAppName, 256);
    p->service = in->strServiceShortName[0] ? arena_utf8(&arena, in->strServiceShortName, 64)
                                            : ARENA_NULL;
    p->type = in->ApplicationType;
    p->status = in->AppStatus;
    p->session = in->TSSessionId;
    p->restartable = in->bRestartable != 0;
  }
  size_t used = 0;
  int overflow = 0;
  for (uint32_t i = 0; out && !overflow && i < count; i++) { /* untimed: snprintf is fine here */
    const Process *p = &rows[i];
    char start[24] = "\\N", session[12] = "\\N";
    if (p->start_ms != NO_TIME) snprintf(start, sizeof start, "%lld", (long long)p->start_ms);
    if (p->session != 0xFFFFFFFFu) snprintf(session, sizeof session, "%u", p->session);
    int n = snprintf(out + used, cap - used, "%u\t%s\t%s\t%s\t%u\t%u\t%s\t%d\n", p->pid, start,
                     arena.bytes + p->app_name,
                     p->service == ARENA_NULL ? "\\N" : arena.bytes + p->service, p->type,
                     p->status, session, p->restartable);
    if (n < 0 || (size_t)n >= cap - used) overflow = 1;
    else used += (size_t)n;
  }
  free(rows);
  arena_free(&arena);
  return overflow ? -1 : (int32_t)count;
}

#ifdef BENCH_LIBRARY
__attribute__((visibility("default")))
#endif
/* The decode alone of count RM_PROCESS_INFO RmGetList filled. */
int32_t bench_rm_decode(const void *buffer, uint32_t count) {
  return decode(buffer, count, NULL, 0);
}

/* RmGetList's buffer, kept between lists (grown, never shrunk), and how many processes the last
 * list found: what RestartManagerSession keeps per session, here for the one session timed. */
static RM_PROCESS_INFO *g_room;
static uint32_t g_room_slots, g_last_count;

/* One full list: one RmGetList call with room for the last count plus headroom, again only
 * while ERROR_MORE_DATA says the room is too small, then the decode (dumped into out when out
 * is set). */
static int32_t list(DWORD_ handle, char *out, size_t cap) {
  uint32_t capacity = g_last_count + HEADROOM > FIRST_CALL_ROOM ? g_last_count + HEADROOM
                                                                : FIRST_CALL_ROOM;
  uint32_t needed = 0, count = 0;
  DWORD_ reasons = 0, err = ERROR_MORE_DATA_;
  for (int attempt = 0; err == ERROR_MORE_DATA_ && attempt < LIST_ATTEMPTS; attempt++) {
    if (capacity > g_room_slots) {
      RM_PROCESS_INFO *grown = realloc(g_room, capacity * sizeof *grown);
      if (!grown) return -1;
      g_room = grown;
      g_room_slots = capacity;
    }
    count = capacity;
    err = RmGetList(handle, &needed, &count, g_room, &reasons);
    capacity = needed + HEADROOM;
  }
  if (err) return -1;
  g_last_count = count;
  return decode(g_room, count, out, cap);
}

#ifdef BENCH_LIBRARY
__attribute__((visibility("default")))
#endif
int32_t bench_rm_list(DWORD_ handle) { return list(handle, NULL, 0); }

#ifdef BENCH_LIBRARY
__attribute__((visibility("default")))
#endif
int32_t bench_rm_dump(DWORD_ handle, char *out, uint64_t cap) {
  return list(handle, out, (size_t)cap);
}

#ifndef BENCH_LIBRARY
static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  int iterations = argc > 1 ? atoi(argv[1]) : 2000;
  if (iterations < 1) iterations = 1;
  const char *prefix = "/bench/rm/f";
  if (dbl_rm_bulk_locks(prefix, 1000, 50000, 1000) != 0) return 1;
  DWORD_ handle = 0;
  wchar16 key[33];
  if (RmStartSession(&handle, 0, key)) return 1;
  const wchar16 *files[1000];
  wchar16 names[1000][32];
  for (int i = 0; i < 1000; i++) {
    char path[32];
    snprintf(path, sizeof path, "%s%d", prefix, i);
    dbl_utf8_to_utf16(path, names[i], 32);
    files[i] = names[i];
  }
  if (RmRegisterResources(handle, 1000, files, 0, NULL, 0, NULL)) return 1;
  for (int i = 0; i < 50; i++) bench_rm_list(handle);
  double start = now_ns();
  int32_t rows = 0;
  for (int i = 0; i < iterations; i++) rows = bench_rm_list(handle);
  double per = (now_ns() - start) / iterations;
  RmEndSession(handle);
  if (rows != 1000) return 1;
  printf("{\"rmList1000NsPerIter\": %.0f}\n", per);
  return 0;
}
#endif
