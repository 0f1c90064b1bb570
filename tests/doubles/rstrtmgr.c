/*
 * Test double of rstrtmgr.dll (the Restart Manager), linked against the doubles' shared core.
 *
 * Behaviour follows Microsoft's documentation of each Rm* function, return codes included;
 * where the documentation is silent, the choice made here is written beside the code that makes
 * it. Every Rm* function returns a Win32 error code and leaves the thread's last error alone.
 *
 *   - Session handles are slot numbers 0..63, lowest free first, so the first session of a
 *     process gets handle 0, as it does on Windows: a caller treating 0 as "no session" is wrong.
 *   - 64 handles at most (started + joined), then ERROR_MAX_SESSIONS_REACHED (353).
 *   - NULL or zero where a value is required: ERROR_BAD_ARGUMENTS (160), the code every Rm* page
 *     documents for it (not ERROR_INVALID_PARAMETER).
 *   - A joined (secondary) handle shares the started session's resources; RmShutdown, RmRestart
 *     and the filter functions are primary-only and answer ERROR_SESSION_CREDENTIAL_CONFLICT
 *     (1219) to it, as the filter functions' pages document.
 *
 * Control exports (dbl_rm_*) let tests say which process locks which file, map services to
 * processes, force reboot reasons, grow the lock list between two RmGetList calls, slow
 * RmShutdown/RmRestart down so a test can cancel them half-way, make RmShutdown hang on one
 * program until cancelled and make RmCancelCurrentTask wait for the task to end.
 *
 * Locking: one lock for everything, the core's, never held while sleeping or while calling the
 * caller's status callback.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"

/* ---- Win32 values (winerror.h, restartmanager.h) ------------------------------------------ */
#define ERROR_SUCCESS_ 0u
#define ERROR_FILE_NOT_FOUND_ 2u
#define ERROR_INVALID_HANDLE_ 6u
#define ERROR_OUTOFMEMORY_ 14u
#define ERROR_BAD_ARGUMENTS_ 160u
#define ERROR_MORE_DATA_ 234u
#define ERROR_FAIL_NOACTION_REBOOT_ 350u
#define ERROR_FAIL_SHUTDOWN_ 351u
#define ERROR_MAX_SESSIONS_REACHED_ 353u
#define ERROR_REQUEST_OUT_OF_SEQUENCE_ 776u
#define ERROR_SESSION_CREDENTIAL_CONFLICT_ 1219u
#define ERROR_CANCELLED_ 1223u

#define CCH_RM_SESSION_KEY 32
#define CCH_RM_MAX_APP_NAME 255
#define CCH_RM_MAX_SVC_NAME 63
#define RM_MAX_SESSIONS 64

enum { RmStatusRunning = 0x1, RmStatusStopped = 0x2, RmStatusRestarted = 0x8,
       RmStatusErrorOnStop = 0x10, RmStatusErrorOnRestart = 0x20,
       RmStatusShutdownMasked = 0x40, RmStatusRestartMasked = 0x80 };
enum { RmForceShutdown = 0x1, RmShutdownOnlyRegistered = 0x10 };
enum { RmService = 3, RmCritical = 1000 };
enum { RmRebootReasonCriticalProcess = 0x4, RmRebootReasonCriticalService = 0x8 };
enum { RmFilterTriggerFile = 1, RmFilterTriggerProcess = 2, RmFilterTriggerService = 3 };
enum { RmNoRestart = 1, RmNoShutdown = 2 };

/* RM_UNIQUE_PROCESS: DWORD dwProcessId; FILETIME ProcessStartTime (two DWORDs): 12 bytes,
 * 4-byte aligned, so it is read with memcpy, never through a uint64_t. */
#define RM_UNIQUE_PROCESS_SIZE 12
/* RM_PROCESS_INFO, verified with mingw-w64's restartmanager.h: 668 bytes. */
#define RMPI_SIZE 668
#define RMPI_APP_NAME 12
#define RMPI_SERVICE 524
#define RMPI_APP_TYPE 652
#define RMPI_APP_STATUS 656
#define RMPI_TS_SESSION 660
#define RMPI_RESTARTABLE 664
/* RM_FILTER_INFO: FilterAction @0, FilterTrigger @4, cbNextOffset @8, union @16 (LPWSTR or
 * RM_UNIQUE_PROCESS, 16 bytes with the pointer's alignment): 32 bytes. */
#define RMFI_SIZE 32
#define RMFI_UNION 16

typedef void(WINAPI_ *RmWriteStatusCallback)(uint32_t percent);

/* ---- small helpers ------------------------------------------------------------------------ */

static uint64_t fold_hash(const wchar16 *s, size_t len) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a over ASCII-folded code units */
  for (size_t i = 0; i < len; i++) {
    wchar16 c = s[i];
    if (c >= 'A' && c <= 'Z') c = (wchar16)(c + 32);
    h = (h ^ c) * 1099511628211ull;
  }
  return h;
}

static wchar16 *wdup(const wchar16 *s) {
  size_t n = dbl_wcslen(s);
  wchar16 *copy = malloc((n + 1) * sizeof(wchar16));
  if (copy) memcpy(copy, s, (n + 1) * sizeof(wchar16));
  return copy;
}

static void wcopy_trunc(wchar16 *dst, const wchar16 *src, size_t cap) {
  size_t n = 0;
  if (src) {
    while (n + 1 < cap && src[n]) {
      dst[n] = src[n];
      n++;
    }
  }
  dst[n] = 0;
}

/* A string set / multimap keyed by ASCII-case-folded UTF-16, with chained buckets. */
typedef struct {
  wchar16 *text; /* as given (for RmGetFilterList and lookups) */
  uint64_t hash;
  DWORD_ value; /* pid for locks and services, unused for file sets */
  int32_t next; /* next entry in the same bucket, -1 = end */
} StrEntry;

typedef struct {
  StrEntry *entries;
  size_t count, capacity;
  int32_t *buckets; /* heads, -1 = empty; bucket_count is a power of two */
  size_t bucket_count;
} StrTable;

static void table_free(StrTable *t) {
  for (size_t i = 0; i < t->count; i++) free(t->entries[i].text);
  free(t->entries);
  free(t->buckets);
  memset(t, 0, sizeof(*t));
}

static int table_rehash(StrTable *t, size_t bucket_count) {
  int32_t *buckets = malloc(bucket_count * sizeof(int32_t));
  if (!buckets) return 0;
  for (size_t i = 0; i < bucket_count; i++) buckets[i] = -1;
  for (size_t i = 0; i < t->count; i++) {
    size_t b = (size_t)(t->entries[i].hash & (bucket_count - 1));
    t->entries[i].next = buckets[b];
    buckets[b] = (int32_t)i;
  }
  free(t->buckets);
  t->buckets = buckets;
  t->bucket_count = bucket_count;
  return 1;
}

/* First entry equal to s (case-insensitively), optionally also with that value; -1 if none. */
static int32_t table_find(const StrTable *t, const wchar16 *s, uint64_t hash, int match_value,
                          DWORD_ value) {
  if (!t->bucket_count) return -1;
  for (int32_t i = t->buckets[hash & (t->bucket_count - 1)]; i >= 0; i = t->entries[i].next) {
    const StrEntry *e = &t->entries[i];
    if (e->hash == hash && (!match_value || e->value == value) && dbl_wcsicmp(e->text, s) == 0)
      return i;
  }
  return -1;
}

/* Adds (s, value) unless that exact pair is there already. 1 added, 0 present, -1 no memory. */
static int table_add(StrTable *t, const wchar16 *s, DWORD_ value, int match_value) {
  uint64_t hash = fold_hash(s, dbl_wcslen(s));
  if (table_find(t, s, hash, match_value, value) >= 0) return 0;
  if (t->count == t->capacity) {
    size_t capacity = t->capacity ? t->capacity * 2 : 16;
    StrEntry *entries = realloc(t->entries, capacity * sizeof(StrEntry));
    if (!entries) return -1;
    t->entries = entries;
    t->capacity = capacity;
  }
  wchar16 *text = wdup(s);
  if (!text) return -1;
  StrEntry *e = &t->entries[t->count++];
  e->text = text;
  e->hash = hash;
  e->value = value;
  if (t->count > t->bucket_count) {
    if (!table_rehash(t, t->bucket_count ? t->bucket_count * 2 : 32)) {
      t->count--;
      free(text);
      return -1;
    }
  } else {
    size_t b = (size_t)(hash & (t->bucket_count - 1));
    e->next = t->buckets[b];
    t->buckets[b] = (int32_t)(t->count - 1);
  }
  return 1;
}

/* A set of pids (open addressing; 0xFFFFFFFF marks an empty slot). */
typedef struct {
  DWORD_ *slots;
  size_t capacity; /* power of two */
  size_t count;
} PidSet;

#define PID_EMPTY 0xFFFFFFFFu

static int pidset_init(PidSet *s, size_t expected) {
  size_t capacity = 64;
  while (capacity < expected * 2) capacity *= 2;
  s->slots = malloc(capacity * sizeof(DWORD_));
  if (!s->slots) return 0;
  for (size_t i = 0; i < capacity; i++) s->slots[i] = PID_EMPTY;
  s->capacity = capacity;
  s->count = 0;
  return 1;
}

static size_t pid_slot(DWORD_ pid, size_t capacity) {
  return (size_t)((pid * 2654435761u) & (capacity - 1));
}

static int pidset_has(const PidSet *s, DWORD_ pid) {
  for (size_t i = pid_slot(pid, s->capacity);; i = (i + 1) & (s->capacity - 1)) {
    if (s->slots[i] == pid) return 1;
    if (s->slots[i] == PID_EMPTY) return 0;
  }
}

static int pidset_add(PidSet *s, DWORD_ pid) {
  if (pid == PID_EMPTY) return 1;
  if ((s->count + 1) * 2 > s->capacity) {
    PidSet bigger;
    if (!pidset_init(&bigger, s->capacity)) return 0;
    for (size_t i = 0; i < s->capacity; i++)
      if (s->slots[i] != PID_EMPTY) pidset_add(&bigger, s->slots[i]);
    free(s->slots);
    *s = bigger;
  }
  for (size_t i = pid_slot(pid, s->capacity);; i = (i + 1) & (s->capacity - 1)) {
    if (s->slots[i] == pid) return 1;
    if (s->slots[i] == PID_EMPTY) {
      s->slots[i] = pid;
      s->count++;
      return 1;
    }
  }
}

/* ---- state ---------------------------------------------------------------------------------- */

typedef struct {
  DWORD_ pid;
  uint64_t start_time;
} UniqueProcess;

typedef struct {
  DWORD_ action;  /* RmNoRestart / RmNoShutdown */
  DWORD_ trigger; /* RmFilterTrigger* */
  wchar16 *text;  /* module path or service short name */
  UniqueProcess process;
} Filter;

/* A process this session shut down, remembered for RmRestart and for RmGetList's status. */
typedef struct {
  DWORD_ pid;
  uint64_t start_time; /* current start time (a restart gives a new one) */
  int restarted;
} ShutEntry;

typedef struct Session {
  wchar16 key[CCH_RM_SESSION_KEY + 1];
  int refs;                /* open handles + running tasks */
  int open_handles;        /* handles only: the key is joinable while > 0 */
  StrTable files;          /* registered files */
  StrTable services;       /* registered service short names */
  UniqueProcess *apps;     /* registered processes */
  size_t app_count, app_capacity;
  Filter *filters;
  size_t filter_count, filter_capacity;
  ShutEntry *shut;
  size_t shut_count, shut_capacity;
  int shutdown_called;
  int task_running;
  int cancel_requested;
} Session;

typedef struct {
  Session *session; /* NULL = free slot */
  int primary;
} Handle;

static Handle g_handles[RM_MAX_SESSIONS];
static StrTable g_locks;    /* file path -> pid holding it; one entry per (path, pid) */
static StrTable g_services; /* service short name -> pid running it */
static DWORD_ g_reboot_reasons;
static DWORD_ g_grow_pending;
static DWORD_ g_grow_next_pid = 0x70000000u;
static uint32_t g_step_delay_ms;
static DWORD_ g_hang_pid;          /* RmShutdown hangs on this process until cancelled */
static int g_cancel_waits;         /* RmCancelCurrentTask waits for the task to end */
static uint32_t g_cancel_gave_up;  /* cancels that stopped waiting at the deadlock breaker */
/* How long a hang or a waiting cancel lasts at most: a deadlock breaker, so a test that would
 * deadlock fails (ERROR_TIMEOUT, g_cancel_gave_up) instead of hanging the suite. */
#define HANG_BREAKER_MS 10000u
#define ERROR_TIMEOUT_ 1460u
static uint64_t g_key_state;

/* Every Rm* starts with the core's failure injection, so tests can make any call fail. */
#define INJECT_FAILURE(name)                                                                     \
  do {                                                                                           \
    DWORD_ injected_;                                                                            \
    if (dbl_should_fail(name, &injected_)) return injected_;                                     \
  } while (0)

static Session *session_of(DWORD_ handle, int *primary) {
  if (handle >= RM_MAX_SESSIONS || !g_handles[handle].session) return NULL;
  if (primary) *primary = g_handles[handle].primary;
  return g_handles[handle].session;
}

/*
 * The session behind a handle that must be the one RmStartSession returned (shutdown, restart
 * and filters "can only be called from the installer that started the session"): NULL with
 * *err = ERROR_INVALID_HANDLE for an unknown handle, ERROR_SESSION_CREDENTIAL_CONFLICT for a
 * joined one. Called with the lock held.
 */
static Session *primary_session_of(DWORD_ handle, DWORD_ *err) {
  int primary = 0;
  Session *s = session_of(handle, &primary);
  *err = !s ? ERROR_INVALID_HANDLE_ : !primary ? ERROR_SESSION_CREDENTIAL_CONFLICT_ : 0;
  return *err ? NULL : s;
}

static void session_release(Session *s) {
  if (--s->refs > 0) return;
  table_free(&s->files);
  table_free(&s->services);
  for (size_t i = 0; i < s->filter_count; i++) free(s->filters[i].text);
  free(s->filters);
  free(s->apps);
  free(s->shut);
  free(s);
}

static int open_handle(Session *s, int primary, DWORD_ *out) {
  for (DWORD_ h = 0; h < RM_MAX_SESSIONS; h++) {
    if (!g_handles[h].session) {
      g_handles[h].session = s;
      g_handles[h].primary = primary;
      s->refs++;
      s->open_handles++;
      *out = h;
      dbl_rm_session_opened();
      return 1;
    }
  }
  return 0;
}

static void close_handle(DWORD_ h) {
  Session *s = g_handles[h].session;
  g_handles[h].session = NULL;
  s->open_handles--;
  dbl_rm_session_closed();
  session_release(s);
}

static uint64_t next_random(void) {
  if (!g_key_state) {
    g_key_state = ((uint64_t)time(NULL) << 20) ^ (uint64_t)(uintptr_t)&g_key_state ^
                  (uint64_t)clock() ^ 0x9E3779B97F4A7C15ull;
  }
  g_key_state ^= g_key_state << 13; /* xorshift64 */
  g_key_state ^= g_key_state >> 7;
  g_key_state ^= g_key_state << 17;
  return g_key_state;
}

static Session *session_by_key(const wchar16 *key) {
  for (int h = 0; h < RM_MAX_SESSIONS; h++) {
    Session *s = g_handles[h].session;
    if (s && s->open_handles > 0 && dbl_wcsicmp(s->key, key) == 0) return s;
  }
  return NULL;
}

static void make_key(wchar16 *key) {
  static const char hex[] = "0123456789abcdef";
  do {
    uint64_t a = next_random(), b = next_random();
    for (int i = 0; i < 16; i++) {
      key[i] = (wchar16)hex[(a >> (i * 4)) & 0xF];
      key[16 + i] = (wchar16)hex[(b >> (i * 4)) & 0xF];
    }
    key[CCH_RM_SESSION_KEY] = 0;
  } while (session_by_key(key));
}

static int is_local(const DblProcess *p) { return p->server[0] == 0; }

static int unique_matches(const UniqueProcess *u, const DblProcess *p) {
  return u->pid == p->pid && u->start_time == p->create_time;
}

static const Filter *find_filter_for(const Session *s, const DblProcess *p, DWORD_ action) {
  for (size_t i = 0; i < s->filter_count; i++) {
    const Filter *f = &s->filters[i];
    if (f->action != action) continue;
    switch (f->trigger) {
    case RmFilterTriggerProcess:
      if (unique_matches(&f->process, p)) return f;
      break;
    case RmFilterTriggerService:
      if (p->service[0] && dbl_wcsicmp(f->text, p->service) == 0) return f;
      for (size_t k = 0; k < g_services.count; k++) {
        if (g_services.entries[k].value == p->pid &&
            dbl_wcsicmp(g_services.entries[k].text, f->text) == 0)
          return f;
      }
      break;
    case RmFilterTriggerFile:
      /* RmAddFilter's strModuleName is "the full path for the application's executable file"
       * and the filter applies "to the application referenced by the full path"
       * (learn.microsoft.com/windows/win32/api/restartmanager/nf-restartmanager-rmaddfilter):
       * so only the image path matches, never a bare file name. What Windows does with a bare
       * name is not documented; matching nothing is the reading of that sentence, and
       * winsession resolves image names to full paths itself (rm/exclusions.ts). */
      if (p->image_path[0] && dbl_wcsicmp(f->text, p->image_path) == 0) return f;
      break;
    }
  }
  return NULL;
}

/* ---- the affected list ---------------------------------------------------------------------- */

typedef struct {
  DblProcess *process;
  const wchar16 *service; /* service name that matched it, if any */
  int shut_index;         /* index in Session.shut, or -1 for a live match */
} Affected;

typedef struct {
  Affected *items;
  size_t count;
} AffectedList;

static const wchar16 *service_of_pid(const Session *s, DWORD_ pid) {
  for (size_t k = 0; k < g_services.count; k++) {
    const StrEntry *e = &g_services.entries[k];
    if (e->value != pid) continue;
    if (table_find(&s->services, e->text, e->hash, 0, 0) >= 0) return e->text;
  }
  return NULL;
}

/*
 * Processes affected by the session's resources, in process-table order, each once: live local
 * processes locking a registered file, registered processes (pid AND start time: a different
 * start time is a different process that reused the pid), processes of registered services,
 * then - with their updated status - the processes this session shut down. Caller holds the lock.
 * Returns 0 or ERROR_OUTOFMEMORY.
 */
static DWORD_ collect_affected(const Session *s, int include_shut, AffectedList *out) {
  PidSet lockers, service_pids;
  out->items = NULL;
  out->count = 0;
  if (!pidset_init(&lockers, 64)) return ERROR_OUTOFMEMORY_;
  if (!pidset_init(&service_pids, 16)) {
    free(lockers.slots);
    return ERROR_OUTOFMEMORY_;
  }
  /* Walk whichever of (registered files, locks) is smaller and probe the other. */
  if (s->files.count <= g_locks.count) {
    for (size_t i = 0; i < s->files.count; i++) {
      const StrEntry *f = &s->files.entries[i];
      if (!g_locks.bucket_count) break;
      for (int32_t k = g_locks.buckets[f->hash & (g_locks.bucket_count - 1)]; k >= 0;
           k = g_locks.entries[k].next) {
        const StrEntry *l = &g_locks.entries[k];
        if (l->hash == f->hash && dbl_wcsicmp(l->text, f->text) == 0) pidset_add(&lockers, l->value);
      }
    }
  } else {
    for (size_t k = 0; k < g_locks.count; k++) {
      const StrEntry *l = &g_locks.entries[k];
      if (table_find(&s->files, l->text, l->hash, 0, 0) >= 0) pidset_add(&lockers, l->value);
    }
  }
  for (size_t k = 0; k < g_services.count; k++) {
    const StrEntry *e = &g_services.entries[k];
    if (table_find(&s->services, e->text, e->hash, 0, 0) >= 0) pidset_add(&service_pids, e->value);
  }

  size_t total = dbl_process_count();
  size_t capacity = 0;
  DWORD_ err = ERROR_SUCCESS_;
  for (size_t i = 0; i < total; i++) {
    DblProcess *p = dbl_process_at(i);
    if (!p || !is_local(p)) continue;
    int shut_index = -1;
    if (include_shut) {
      for (size_t k = 0; k < s->shut_count; k++) {
        if (s->shut[k].pid == p->pid && s->shut[k].start_time == p->create_time) {
          shut_index = (int)k;
          break;
        }
      }
    }
    const wchar16 *service = NULL;
    int hit = shut_index >= 0;
    if (p->alive) {
      if (pidset_has(&lockers, p->pid)) hit = 1;
      for (size_t k = 0; !hit && k < s->app_count; k++) hit = unique_matches(&s->apps[k], p);
      if (pidset_has(&service_pids, p->pid)) {
        hit = 1;
        service = service_of_pid(s, p->pid);
      }
      if (p->service[0] && table_find(&s->services, p->service,
                                      fold_hash(p->service, dbl_wcslen(p->service)), 0, 0) >= 0) {
        hit = 1;
        service = p->service;
      }
    }
    if (!hit) continue;
    if (out->count == capacity) {
      capacity = capacity ? capacity * 2 : 16;
      Affected *items = realloc(out->items, capacity * sizeof(Affected));
      if (!items) {
        err = ERROR_OUTOFMEMORY_;
        break;
      }
      out->items = items;
    }
    out->items[out->count].process = p;
    out->items[out->count].service = service;
    out->items[out->count].shut_index = shut_index;
    out->count++;
  }
  free(lockers.slots);
  free(service_pids.slots);
  if (err) {
    free(out->items);
    out->items = NULL;
    out->count = 0;
  }
  return err;
}

static DWORD_ reboot_reasons_for(const AffectedList *list) {
  DWORD_ reasons = g_reboot_reasons;
  for (size_t i = 0; i < list->count; i++) {
    const Affected *a = &list->items[i];
    if (!a->process->alive || a->process->app_type != RmCritical) continue;
    reasons |= a->service ? RmRebootReasonCriticalService : RmRebootReasonCriticalProcess;
  }
  return reasons;
}

static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static void fill_process_info(const Session *s, const Affected *a, uint8_t *out) {
  const DblProcess *p = a->process;
  memset(out, 0, RMPI_SIZE);
  put_u32(out, p->pid);
  put_u32(out + 4, (uint32_t)p->create_time);
  put_u32(out + 8, (uint32_t)(p->create_time >> 32));
  wchar16 name[CCH_RM_MAX_APP_NAME + 1];
  wchar16 service[CCH_RM_MAX_SVC_NAME + 1];
  wcopy_trunc(name, p->app_name[0] ? p->app_name : p->name, CCH_RM_MAX_APP_NAME + 1);
  wcopy_trunc(service, p->service[0] ? p->service : a->service, CCH_RM_MAX_SVC_NAME + 1);
  memcpy(out + RMPI_APP_NAME, name, sizeof(name));
  memcpy(out + RMPI_SERVICE, service, sizeof(service));
  DWORD_ type = p->app_type;
  if (type == 0 && service[0]) type = RmService;
  DWORD_ status = p->app_status;
  if (a->shut_index < 0 && p->alive && !(status & RmStatusRunning) &&
      !(status & (RmStatusStopped | RmStatusRestarted)))
    status |= RmStatusRunning;
  if (find_filter_for(s, p, RmNoShutdown)) status |= RmStatusShutdownMasked;
  if (find_filter_for(s, p, RmNoRestart)) status |= RmStatusRestartMasked;
  put_u32(out + RMPI_APP_TYPE, type);
  put_u32(out + RMPI_APP_STATUS, status);
  put_u32(out + RMPI_TS_SESSION, p->session_id);
  put_u32(out + RMPI_RESTARTABLE, p->restartable ? 1u : 0u);
}

/* ---- growth simulation ---------------------------------------------------------------------- */

/* Adds a live, restartable local process to the core's table. The core's dbl_process_add
 * takes the lock itself, so this is called WITHOUT the lock held. 1 ok, 0 failed. */
static int spawn_process(DWORD_ pid, const char *name_utf8) {
  if (dbl_process_add(NULL, pid, 1, name_utf8, NULL) != 0) return 0;
  dbl_lock();
  DblProcess *p = dbl_process_find(NULL, pid);
  if (p) {
    p->app_type = 5; /* RmConsole */
    p->app_status = RmStatusRunning;
    p->restartable = 1;
  }
  dbl_unlock();
  return p != NULL;
}

/* Growth requested by dbl_rm_grow_after_next_query: n new processes, each locking one of the
 * session's registered files (given as a private copy). Called WITHOUT the lock held. */
static void grow(DWORD_ n, wchar16 *file) {
  for (DWORD_ i = 0; i < n && file; i++) {
    dbl_lock();
    DWORD_ pid = g_grow_next_pid++;
    dbl_unlock();
    if (!spawn_process(pid, "grown.exe")) break;
    dbl_lock();
    table_add(&g_locks, file, pid, 1);
    dbl_unlock();
  }
  free(file);
}

/* ---- Rm* functions -------------------------------------------------------------------------- */

DBL_EXPORT DWORD_ WINAPI_ RmStartSession(DWORD_ *pSessionHandle, DWORD_ dwSessionFlags,
                                         wchar16 *strSessionKey) {
  INJECT_FAILURE("RmStartSession");
  if (!pSessionHandle || !strSessionKey || dwSessionFlags != 0) return ERROR_BAD_ARGUMENTS_;
  Session *s = calloc(1, sizeof(Session));
  if (!s) return ERROR_OUTOFMEMORY_;
  dbl_lock();
  make_key(s->key);
  DWORD_ handle;
  if (!open_handle(s, 1, &handle)) {
    dbl_unlock();
    free(s);
    return ERROR_MAX_SESSIONS_REACHED_;
  }
  memcpy(strSessionKey, s->key, sizeof(s->key));
  *pSessionHandle = handle;
  dbl_unlock();
  return ERROR_SUCCESS_;
}

DBL_EXPORT DWORD_ WINAPI_ RmJoinSession(DWORD_ *pSessionHandle, const wchar16 *strSessionKey) {
  INJECT_FAILURE("RmJoinSession");
  if (!pSessionHandle || !strSessionKey) return ERROR_BAD_ARGUMENTS_;
  dbl_lock();
  Session *s = session_by_key(strSessionKey);
  if (!s) {
    dbl_unlock();
    return ERROR_SESSION_CREDENTIAL_CONFLICT_; /* documented: the key cannot be validated */
  }
  DWORD_ handle;
  if (!open_handle(s, 0, &handle)) {
    dbl_unlock();
    return ERROR_MAX_SESSIONS_REACHED_;
  }
  *pSessionHandle = handle;
  dbl_unlock();
  return ERROR_SUCCESS_;
}

DBL_EXPORT DWORD_ WINAPI_ RmEndSession(DWORD_ dwSessionHandle) {
  INJECT_FAILURE("RmEndSession");
  dbl_lock();
  if (!session_of(dwSessionHandle, NULL)) {
    dbl_unlock();
    return ERROR_INVALID_HANDLE_;
  }
  close_handle(dwSessionHandle);
  dbl_unlock();
  return ERROR_SUCCESS_;
}

/*
 * The documentation asks for "full filename paths" but documents no error for others; this
 * double answers ERROR_BAD_ARGUMENTS (the documented "argument not correct" code) so that a
 * caller passing a relative path finds out in tests. Full = "X:\", "X:/", "\\server\..." or,
 * so Linux-hosted tests can use real temp paths, "/...".
 */
static int is_full_path(const wchar16 *p) {
  if (!p || !p[0]) return 0;
  if (((p[0] | 32) >= 'a' && (p[0] | 32) <= 'z') && p[1] == ':' && (p[2] == '\\' || p[2] == '/'))
    return 1;
  if (p[0] == '\\' && p[1] == '\\') return 1;
  return p[0] == '/';
}

DBL_EXPORT DWORD_ WINAPI_ RmRegisterResources(DWORD_ dwSessionHandle, uint32_t nFiles,
                                              const wchar16 **rgsFileNames, uint32_t nApplications,
                                              const uint8_t *rgApplications, uint32_t nServices,
                                              const wchar16 **rgsServiceNames) {
  INJECT_FAILURE("RmRegisterResources");
  dbl_lock();
  Session *s = session_of(dwSessionHandle, NULL);
  if (!s) {
    dbl_unlock();
    return ERROR_INVALID_HANDLE_;
  }
  dbl_unlock();
  if ((nFiles && !rgsFileNames) || (nApplications && !rgApplications) ||
      (nServices && !rgsServiceNames))
    return ERROR_BAD_ARGUMENTS_;
  /* Validate everything first: a rejected call registers nothing. */
  for (uint32_t i = 0; i < nFiles; i++)
    if (!is_full_path(rgsFileNames[i])) return ERROR_BAD_ARGUMENTS_;
  for (uint32_t i = 0; i < nServices; i++) {
    const wchar16 *name = rgsServiceNames[i];
    if (!name || !name[0] || dbl_wcslen(name) > CCH_RM_MAX_SVC_NAME) return ERROR_BAD_ARGUMENTS_;
  }
  dbl_lock();
  s = session_of(dwSessionHandle, NULL);
  if (!s) {
    dbl_unlock();
    return ERROR_INVALID_HANDLE_;
  }
  DWORD_ err = ERROR_SUCCESS_;
  for (uint32_t i = 0; i < nFiles && !err; i++)
    if (table_add(&s->files, rgsFileNames[i], 0, 0) < 0) err = ERROR_OUTOFMEMORY_;
  for (uint32_t i = 0; i < nServices && !err; i++)
    if (table_add(&s->services, rgsServiceNames[i], 0, 0) < 0) err = ERROR_OUTOFMEMORY_;
  for (uint32_t i = 0; i < nApplications && !err; i++) {
    UniqueProcess u;
    uint32_t low, high;
    memcpy(&u.pid, rgApplications + (size_t)i * RM_UNIQUE_PROCESS_SIZE, 4);
    memcpy(&low, rgApplications + (size_t)i * RM_UNIQUE_PROCESS_SIZE + 4, 4);
    memcpy(&high, rgApplications + (size_t)i * RM_UNIQUE_PROCESS_SIZE + 8, 4);
    u.start_time = ((uint64_t)high << 32) | low;
    int present = 0;
    for (size_t k = 0; k < s->app_count && !present; k++)
      present = s->apps[k].pid == u.pid && s->apps[k].start_time == u.start_time;
    if (present) continue;
    if (s->app_count == s->app_capacity) {
      size_t capacity = s->app_capacity ? s->app_capacity * 2 : 8;
      UniqueProcess *apps = realloc(s->apps, capacity * sizeof(UniqueProcess));
      if (!apps) {
        err = ERROR_OUTOFMEMORY_;
        break;
      }
      s->apps = apps;
      s->app_capacity = capacity;
    }
    s->apps[s->app_count++] = u;
  }
  dbl_unlock();
  return err;
}

/*
 * The ERROR_MORE_DATA protocol: *pnProcInfoNeeded is always set; when *pnProcInfo is smaller,
 * nothing is copied, ERROR_MORE_DATA is returned and *pnProcInfo is set to 0 (the number of
 * structures filled - the documentation leaves this value open, callers must not rely on it);
 * rgAffectedApps may be NULL when *pnProcInfo is 0. On success *pnProcInfo = the number filled.
 */
DBL_EXPORT DWORD_ WINAPI_ RmGetList(DWORD_ dwSessionHandle, uint32_t *pnProcInfoNeeded,
                                    uint32_t *pnProcInfo, uint8_t *rgAffectedApps,
                                    DWORD_ *lpdwRebootReasons) {
  INJECT_FAILURE("RmGetList");
  dbl_lock();
  Session *s = session_of(dwSessionHandle, NULL);
  if (!s) {
    dbl_unlock();
    return ERROR_INVALID_HANDLE_;
  }
  if (!pnProcInfoNeeded || !pnProcInfo || !lpdwRebootReasons) {
    dbl_unlock();
    return ERROR_BAD_ARGUMENTS_;
  }
  AffectedList list;
  DWORD_ err = collect_affected(s, 1, &list);
  if (err) {
    dbl_unlock();
    return err;
  }
  uint32_t needed = (uint32_t)list.count;
  *pnProcInfoNeeded = needed;
  *lpdwRebootReasons = reboot_reasons_for(&list);
  if (*pnProcInfo < needed) {
    *pnProcInfo = 0;
    err = ERROR_MORE_DATA_;
  } else if (needed && !rgAffectedApps) {
    err = ERROR_BAD_ARGUMENTS_;
  } else {
    for (uint32_t i = 0; i < needed; i++)
      fill_process_info(s, &list.items[i], rgAffectedApps + (size_t)i * RMPI_SIZE);
    *pnProcInfo = needed;
  }
  free(list.items);
  /* The documentation warns the list can grow between two calls: simulate it on request. */
  DWORD_ grow_count = g_grow_pending;
  wchar16 *grow_file = NULL;
  if (grow_count && s->files.count) {
    g_grow_pending = 0;
    grow_file = wdup(s->files.entries[0].text);
  }
  dbl_unlock();
  if (grow_file) grow(grow_count, grow_file);
  return err;
}

static void release_locks_of(const PidSet *gone) {
  size_t kept = 0;
  for (size_t i = 0; i < g_locks.count; i++) {
    if (pidset_has(gone, g_locks.entries[i].value)) {
      free(g_locks.entries[i].text);
    } else {
      g_locks.entries[kept++] = g_locks.entries[i];
    }
  }
  if (kept != g_locks.count) {
    g_locks.count = kept;
    table_rehash(&g_locks, g_locks.bucket_count ? g_locks.bucket_count : 32);
  }
}

static DblProcess *find_unique(DWORD_ pid, uint64_t start_time) {
  size_t total = dbl_process_count();
  for (size_t i = 0; i < total; i++) {
    DblProcess *p = dbl_process_at(i);
    if (p && is_local(p) && p->pid == pid && p->create_time == start_time) return p;
  }
  return NULL;
}

static int shut_add(Session *s, DWORD_ pid, uint64_t start_time) {
  for (size_t k = 0; k < s->shut_count; k++) {
    if (s->shut[k].pid == pid && s->shut[k].start_time == start_time) {
      s->shut[k].restarted = 0;
      return 1;
    }
  }
  if (s->shut_count == s->shut_capacity) {
    size_t capacity = s->shut_capacity ? s->shut_capacity * 2 : 8;
    ShutEntry *shut = realloc(s->shut, capacity * sizeof(ShutEntry));
    if (!shut) return 0;
    s->shut = shut;
    s->shut_capacity = capacity;
  }
  s->shut[s->shut_count].pid = pid;
  s->shut[s->shut_count].start_time = start_time;
  s->shut[s->shut_count].restarted = 0;
  s->shut_count++;
  return 1;
}

/* Reports percent through the callback when it moved on, without the lock held. */
static void report(RmWriteStatusCallback callback, uint32_t *last, size_t done, size_t total) {
  uint32_t percent = total ? (uint32_t)((done * 100) / total) : 100;
  if (callback && (percent > *last || (int32_t)*last < 0)) {
    *last = percent;
    callback(percent);
  }
}

/* Ends a task: the lock is held on entry and released here. */
static DWORD_ end_task(Session *s, DWORD_ result) {
  s->task_running = 0;
  s->cancel_requested = 0;
  session_release(s);
  dbl_unlock();
  return result;
}

/* Between two steps: sleeps if asked to, then 1 if the task was cancelled meanwhile. Takes the
 * lock and returns with it held. */
static int step_pause(Session *s) {
  uint32_t delay = g_step_delay_ms;
  if (delay) dbl_sleep_ms(delay);
  dbl_lock();
  return s->cancel_requested;
}

/*
 * A program that does not close (dbl_rm_set_hang_pid): RmShutdown stays on it until
 * RmCancelCurrentTask, reporting the same percentage through the status callback every
 * millisecond meanwhile, so that whenever the caller acts, this thread is most likely inside
 * the callback, waiting for the caller's thread to run it (Deno queues a thread-safe callback
 * to the event loop and the calling thread blocks until it has run). Whether the real Restart
 * Manager reports progress while it waits for an application is not documented: the
 * heartbeat is this double's choice, the worst case for a caller. Called WITHOUT the lock;
 * 1 when cancelled, 0 when the deadlock breaker ran out.
 */
static int hang_until_cancelled(Session *s, RmWriteStatusCallback callback, uint32_t last) {
  uint32_t percent = (int32_t)last < 0 ? 0 : last;
  for (uint32_t waited = 0; waited < HANG_BREAKER_MS; waited++) {
    if (callback) callback(percent);
    dbl_lock();
    int cancelled = s->cancel_requested;
    dbl_unlock();
    if (cancelled) return 1;
    dbl_sleep_ms(1);
  }
  return 0;
}

DBL_EXPORT DWORD_ WINAPI_ RmShutdown(DWORD_ dwSessionHandle, uint32_t lActionFlags,
                                     RmWriteStatusCallback fnStatus) {
  INJECT_FAILURE("RmShutdown");
  dbl_lock();
  DWORD_ denied;
  Session *s = primary_session_of(dwSessionHandle, &denied);
  if (!s) {
    dbl_unlock();
    return denied;
  }
  if (lActionFlags & ~(uint32_t)(RmForceShutdown | RmShutdownOnlyRegistered)) {
    dbl_unlock();
    return ERROR_BAD_ARGUMENTS_;
  }
  AffectedList list;
  DWORD_ err = collect_affected(s, 0, &list);
  if (err) {
    dbl_unlock();
    return err;
  }
  s->shutdown_called = 1;
  /* Documented: no shutdown action when a system restart is needed anyway. */
  if (reboot_reasons_for(&list)) {
    free(list.items);
    dbl_unlock();
    return ERROR_FAIL_NOACTION_REBOOT_;
  }
  /* Snapshot the targets as (pid, start time): the core table may move while unlocked. */
  UniqueProcess *targets = malloc((list.count ? list.count : 1) * sizeof(UniqueProcess));
  if (!targets) {
    free(list.items);
    dbl_unlock();
    return ERROR_OUTOFMEMORY_;
  }
  size_t target_count = 0;
  int unrestartable = 0;
  for (size_t i = 0; i < list.count; i++) {
    DblProcess *p = list.items[i].process;
    if (find_filter_for(s, p, RmNoShutdown)) continue; /* reported as RmStatusShutdownMasked */
    if (!p->restartable) unrestartable = 1;
    targets[target_count].pid = p->pid;
    targets[target_count].start_time = p->create_time;
    target_count++;
  }
  free(list.items);
  /* Documented: with RmShutdownOnlyRegistered, if any process cannot be restarted, none is shut
   * down. The code for that is not documented; ERROR_FAIL_SHUTDOWN ("some applications could
   * not be shut down") is this double's choice. */
  if ((lActionFlags & RmShutdownOnlyRegistered) && unrestartable) {
    free(targets);
    dbl_unlock();
    return ERROR_FAIL_SHUTDOWN_;
  }
  s->task_running = 1;
  s->cancel_requested = 0;
  s->refs++; /* the session outlives an RmEndSession racing with this call */
  dbl_unlock();

  uint32_t last = (uint32_t)-1;
  int failed = 0;
  PidSet gone;
  if (!pidset_init(&gone, target_count)) {
    free(targets);
    dbl_lock();
    return end_task(s, ERROR_OUTOFMEMORY_);
  }
  /*
   * A partial shutdown and a cancel mid-shutdown, as Windows documents them (RmShutdown,
   * learn.microsoft.com/windows/win32/api/restartmanager/nf-restartmanager-rmshutdown):
   *   - ERROR_FAIL_SHUTDOWN (351) "Some applications could not be shut down. The AppStatus of
   *     the RM_PROCESS_INFO structures returned by the RmGetList function contain updated status
   *     information": so the others WERE shut down. A refusing process does not stop the loop;
   *     it is marked RmStatusErrorOnStop, the ones closed RmStatusStopped, and 351 is returned
   *     at the end.
   *   - ERROR_CANCELLED (1223) when RmCancelCurrentTask's request succeeded: the processes
   *     already closed stay closed (nothing in the documentation says Windows restarts them;
   *     the RM_APP_STATUS page says the flags are "the history of actions taken by Restart
   *     Manager", so RmGetList keeps reporting them Stopped), the rest keep running.
   * The cancel is checked between two processes, after the status callback has returned: a
   * callback that calls RmCancelCurrentTask stops the shutdown at exactly that point, which
   * the tests use instead of delays.
   */
  for (size_t i = 0; i < target_count; i++) {
    if (step_pause(s)) {
      release_locks_of(&gone);
      free(gone.slots);
      free(targets);
      return end_task(s, ERROR_CANCELLED_);
    }
    DblProcess *p = find_unique(targets[i].pid, targets[i].start_time);
    if (p && p->alive && g_hang_pid && p->pid == g_hang_pid) {
      dbl_unlock();
      if (hang_until_cancelled(s, fnStatus, last)) {
        dbl_lock();
        release_locks_of(&gone);
        free(gone.slots);
        free(targets);
        return end_task(s, ERROR_CANCELLED_);
      }
      dbl_lock();
      release_locks_of(&gone);
      free(gone.slots);
      free(targets);
      return end_task(s, ERROR_TIMEOUT_);
    }
    if (p && p->alive) {
      if (p->refuse_shutdown && !(lActionFlags & RmForceShutdown)) {
        p->app_status |= RmStatusErrorOnStop;
        failed = 1;
      } else if (shut_add(s, p->pid, p->create_time)) {
        dbl_process_kill(p, 0);
        p->app_status = (p->app_status & ~(DWORD_)(RmStatusRunning | RmStatusRestarted)) |
                        RmStatusStopped;
        pidset_add(&gone, p->pid);
      }
    }
    dbl_unlock();
    report(fnStatus, &last, i + 1, target_count);
  }
  if (!target_count) report(fnStatus, &last, 0, 0);
  dbl_lock();
  release_locks_of(&gone);
  free(gone.slots);
  free(targets);
  return end_task(s, failed ? ERROR_FAIL_SHUTDOWN_ : ERROR_SUCCESS_);
}

DBL_EXPORT DWORD_ WINAPI_ RmRestart(DWORD_ dwSessionHandle, DWORD_ dwRestartFlags,
                                    RmWriteStatusCallback fnStatus) {
  INJECT_FAILURE("RmRestart");
  dbl_lock();
  DWORD_ denied;
  Session *s = primary_session_of(dwSessionHandle, &denied);
  if (!s) {
    dbl_unlock();
    return denied;
  }
  if (dwRestartFlags != 0) { /* reserved, "should be 0" */
    dbl_unlock();
    return ERROR_BAD_ARGUMENTS_;
  }
  /* Documented: ERROR_REQUEST_OUT_OF_SEQUENCE only for RmRestart "before calling the RmShutdown
   * function". So a restart after a failed (351) or cancelled (1223) RmShutdown is accepted and
   * restarts what that shutdown did close. Evidence is missing beyond that sentence: no public
   * trace shows RmRestart after a cancelled shutdown on real Windows; this is the reading of
   * the page, and winsession's recovery restart relies on it (rm/release.ts). */
  if (!s->shutdown_called) {
    dbl_unlock();
    return ERROR_REQUEST_OUT_OF_SEQUENCE_;
  }
  size_t pending = 0;
  for (size_t k = 0; k < s->shut_count; k++) pending += !s->shut[k].restarted;
  UniqueProcess *targets = malloc((pending ? pending : 1) * sizeof(UniqueProcess));
  if (!targets) {
    dbl_unlock();
    return ERROR_OUTOFMEMORY_;
  }
  size_t target_count = 0;
  for (size_t k = 0; k < s->shut_count; k++) {
    if (s->shut[k].restarted) continue;
    targets[target_count].pid = s->shut[k].pid;
    targets[target_count].start_time = s->shut[k].start_time;
    target_count++;
  }
  s->task_running = 1;
  s->cancel_requested = 0;
  s->refs++;
  dbl_unlock();

  uint32_t last = (uint32_t)-1;
  for (size_t i = 0; i < target_count; i++) {
    if (step_pause(s)) {
      free(targets);
      return end_task(s, ERROR_CANCELLED_);
    }
    DblProcess *p = find_unique(targets[i].pid, targets[i].start_time);
    if (p && !p->alive) {
      if (find_filter_for(s, p, RmNoRestart)) {
        /* stays down; RmGetList reports RmStatusRestartMasked */
      } else if (p->restartable) {
        /* Only applications registered for restart come back, as a new process instance:
         * same pid here for simplicity, but a new start time. */
        uint64_t now = dbl_now_filetime();
        uint64_t start = now > p->create_time ? now : p->create_time + 1;
        for (size_t k = 0; k < s->shut_count; k++) {
          if (s->shut[k].pid == p->pid && s->shut[k].start_time == p->create_time) {
            s->shut[k].start_time = start;
            s->shut[k].restarted = 1;
          }
        }
        p->create_time = start;
        p->alive = 1;
        p->exit_code = 259; /* STILL_ACTIVE */
        p->exit_time = 0;
        p->app_status =
            (p->app_status & ~(DWORD_)(RmStatusStopped | RmStatusErrorOnStop)) | RmStatusRestarted;
      }
    }
    dbl_unlock();
    report(fnStatus, &last, i + 1, target_count);
  }
  if (!target_count) report(fnStatus, &last, 0, 0);
  free(targets);
  dbl_lock();
  return end_task(s, ERROR_SUCCESS_);
}

DBL_EXPORT DWORD_ WINAPI_ RmCancelCurrentTask(DWORD_ dwSessionHandle) {
  INJECT_FAILURE("RmCancelCurrentTask");
  dbl_lock();
  Session *s = session_of(dwSessionHandle, NULL);
  if (!s) {
    dbl_unlock();
    return ERROR_INVALID_HANDLE_;
  }
  /* Documented as "a cancellation of the current operation is requested": success whether or
   * not a task is running; with none running there is nothing to cancel. */
  if (s->task_running) s->cancel_requested = 1;
  /* dbl_rm_set_cancel_waits: whether the real RmCancelCurrentTask returns before the task has
   * stopped is not documented (its page says only "a cancellation of the current operation is
   * requested"), so tests can make it wait until the task has ended: a caller that cancels
   * from the thread the task's status callback needs then deadlocks, and the breaker below
   * turns that into ERROR_TIMEOUT and a count a test asserts is 0. */
  if (g_cancel_waits && s->task_running) {
    s->refs++;
    uint32_t waited = 0;
    while (s->task_running && waited++ < HANG_BREAKER_MS) {
      dbl_unlock();
      dbl_sleep_ms(1);
      dbl_lock();
    }
    int gave_up = s->task_running;
    if (gave_up) g_cancel_gave_up++;
    session_release(s);
    dbl_unlock();
    return gave_up ? ERROR_TIMEOUT_ : ERROR_SUCCESS_;
  }
  dbl_unlock();
  return ERROR_SUCCESS_;
}

/* Which filter argument is given: 1 module, 2 process, 3 service; 0 when not exactly one. */
static DWORD_ filter_trigger(const wchar16 *module, const uint8_t *process, const wchar16 *service) {
  int given = (module != NULL) + (process != NULL) + (service != NULL);
  if (given != 1) return 0;
  if (module) return module[0] ? RmFilterTriggerFile : 0;
  if (service) return service[0] ? RmFilterTriggerService : 0;
  return RmFilterTriggerProcess;
}

static UniqueProcess read_unique(const uint8_t *p) {
  UniqueProcess u;
  uint32_t low, high;
  memcpy(&u.pid, p, 4);
  memcpy(&low, p + 4, 4);
  memcpy(&high, p + 8, 4);
  u.start_time = ((uint64_t)high << 32) | low;
  return u;
}

static int filter_index(const Session *s, DWORD_ trigger, const wchar16 *text,
                        const UniqueProcess *process) {
  for (size_t i = 0; i < s->filter_count; i++) {
    const Filter *f = &s->filters[i];
    if (f->trigger != trigger) continue;
    if (trigger == RmFilterTriggerProcess) {
      if (f->process.pid == process->pid && f->process.start_time == process->start_time)
        return (int)i;
    } else if (dbl_wcsicmp(f->text, text) == 0) {
      return (int)i;
    }
  }
  return -1;
}

DBL_EXPORT DWORD_ WINAPI_ RmAddFilter(DWORD_ dwSessionHandle, const wchar16 *strModuleName,
                                      const uint8_t *pProcess, const wchar16 *strServiceShortName,
                                      DWORD_ FilterAction) {
  INJECT_FAILURE("RmAddFilter");
  dbl_lock();
  DWORD_ err; /* set by primary_session_of: 0, or why there is no session */
  Session *s = primary_session_of(dwSessionHandle, &err);
  DWORD_ trigger = filter_trigger(strModuleName, pProcess, strServiceShortName);
  if (s && (!trigger || (FilterAction != RmNoRestart && FilterAction != RmNoShutdown))) {
    err = ERROR_BAD_ARGUMENTS_;
  } else if (s) {
    const wchar16 *text = strModuleName ? strModuleName : strServiceShortName;
    UniqueProcess process = {0, 0};
    if (pProcess) process = read_unique(pProcess);
    int index = filter_index(s, trigger, text, &process);
    if (index >= 0) {
      s->filters[index].action = FilterAction; /* documented: the latest call overrides */
    } else {
      if (s->filter_count == s->filter_capacity) {
        size_t capacity = s->filter_capacity ? s->filter_capacity * 2 : 4;
        Filter *filters = realloc(s->filters, capacity * sizeof(Filter));
        if (!filters) err = ERROR_OUTOFMEMORY_;
        else {
          s->filters = filters;
          s->filter_capacity = capacity;
        }
      }
      wchar16 *copy = NULL;
      if (!err && text && !(copy = wdup(text))) err = ERROR_OUTOFMEMORY_;
      if (!err) {
        Filter *f = &s->filters[s->filter_count++];
        f->action = FilterAction;
        f->trigger = trigger;
        f->text = copy;
        f->process = process;
      }
    }
  }
  dbl_unlock();
  return err;
}

DBL_EXPORT DWORD_ WINAPI_ RmRemoveFilter(DWORD_ dwSessionHandle, const wchar16 *strModuleName,
                                         const uint8_t *pProcess,
                                         const wchar16 *strServiceShortName) {
  INJECT_FAILURE("RmRemoveFilter");
  dbl_lock();
  DWORD_ err; /* set by primary_session_of: 0, or why there is no session */
  Session *s = primary_session_of(dwSessionHandle, &err);
  DWORD_ trigger = filter_trigger(strModuleName, pProcess, strServiceShortName);
  if (s && !trigger) {
    err = ERROR_BAD_ARGUMENTS_;
  } else if (s) {
    UniqueProcess process = {0, 0};
    if (pProcess) process = read_unique(pProcess);
    int index = filter_index(s, trigger, strModuleName ? strModuleName : strServiceShortName,
                             &process);
    if (index < 0) {
      err = ERROR_FILE_NOT_FOUND_; /* documented: "the filter could not be found" */
    } else {
      free(s->filters[index].text);
      memmove(&s->filters[index], &s->filters[index + 1],
              (s->filter_count - (size_t)index - 1) * sizeof(Filter));
      s->filter_count--;
    }
  }
  dbl_unlock();
  return err;
}

static size_t filter_record_size(const Filter *f) {
  size_t size = RMFI_SIZE;
  if (f->trigger != RmFilterTriggerProcess) size += (dbl_wcslen(f->text) + 1) * sizeof(wchar16);
  return (size + 7) & ~(size_t)7; /* keep the next record's pointer 8-byte aligned */
}

/*
 * Layout written: RM_FILTER_INFO records back to back; a record's string (module path or
 * service name) follows it inside the caller's buffer, and the record's LPWSTR points there.
 * cbNextOffset is the byte distance from this record to the next, 0 on the last.
 */
DBL_EXPORT DWORD_ WINAPI_ RmGetFilterList(DWORD_ dwSessionHandle, uint8_t *pbFilterBuf,
                                          DWORD_ cbFilterBuf, DWORD_ *cbFilterBufNeeded) {
  INJECT_FAILURE("RmGetFilterList");
  dbl_lock();
  DWORD_ denied;
  Session *s = primary_session_of(dwSessionHandle, &denied);
  if (!s) {
    dbl_unlock();
    return denied;
  }
  if (!cbFilterBufNeeded) { /* documented: ERROR_MORE_DATA "if cbFilterBufNeeded was not specified" */
    dbl_unlock();
    return ERROR_MORE_DATA_;
  }
  size_t needed = 0;
  for (size_t i = 0; i < s->filter_count; i++) needed += filter_record_size(&s->filters[i]);
  *cbFilterBufNeeded = (DWORD_)needed;
  if (cbFilterBuf < needed) {
    dbl_unlock();
    return ERROR_MORE_DATA_;
  }
  if (needed && !pbFilterBuf) {
    dbl_unlock();
    return ERROR_BAD_ARGUMENTS_;
  }
  size_t offset = 0;
  for (size_t i = 0; i < s->filter_count; i++) {
    const Filter *f = &s->filters[i];
    size_t size = filter_record_size(f);
    uint8_t *record = pbFilterBuf + offset;
    memset(record, 0, size);
    put_u32(record, f->action);
    put_u32(record + 4, f->trigger);
    put_u32(record + 8, i + 1 < s->filter_count ? (uint32_t)size : 0);
    if (f->trigger == RmFilterTriggerProcess) {
      put_u32(record + RMFI_UNION, f->process.pid);
      put_u32(record + RMFI_UNION + 4, (uint32_t)f->process.start_time);
      put_u32(record + RMFI_UNION + 8, (uint32_t)(f->process.start_time >> 32));
    } else {
      wchar16 *text = (wchar16 *)(void *)(record + RMFI_SIZE);
      memcpy(text, f->text, (dbl_wcslen(f->text) + 1) * sizeof(wchar16));
      memcpy(record + RMFI_UNION, &text, sizeof(text));
    }
    offset += size;
  }
  dbl_unlock();
  return ERROR_SUCCESS_;
}

/* ---- control exports (tests only) ----------------------------------------------------------- */

/* Process pid (local server) holds path open. 0 ok, -1 bad argument or no memory. */
DBL_EXPORT int dbl_rm_lock_add(const char *path_utf8, DWORD_ pid) {
  if (!path_utf8 || !path_utf8[0]) return -1;
  size_t cap = strlen(path_utf8) + 1;
  wchar16 *path = malloc(cap * sizeof(wchar16));
  if (!path) return -1;
  dbl_utf8_to_utf16(path_utf8, path, cap);
  dbl_lock();
  int added = table_add(&g_locks, path, pid, 1);
  dbl_unlock();
  free(path);
  return added < 0 ? -1 : 0;
}

/* Releases every lock. */
DBL_EXPORT void dbl_rm_lock_clear(void) {
  dbl_lock();
  table_free(&g_locks);
  dbl_unlock();
}

/* Service `name` runs in process pid. 0 ok, -1 bad argument or no memory. */
DBL_EXPORT int dbl_rm_service_add(const char *name_utf8, DWORD_ pid) {
  wchar16 name[CCH_RM_MAX_SVC_NAME + 1];
  if (!name_utf8 || !name_utf8[0]) return -1;
  dbl_utf8_to_utf16(name_utf8, name, CCH_RM_MAX_SVC_NAME + 1);
  dbl_lock();
  int added = table_add(&g_services, name, pid, 1);
  dbl_unlock();
  return added < 0 ? -1 : 0;
}

/* RM_REBOOT_REASON flags every RmGetList reports (and that make RmShutdown refuse to act). */
DBL_EXPORT void dbl_rm_set_reboot_reasons(DWORD_ flags) {
  dbl_lock();
  g_reboot_reasons = flags;
  dbl_unlock();
}

/* After the next RmGetList has answered, n new processes lock the session's registered files. */
DBL_EXPORT void dbl_rm_grow_after_next_query(DWORD_ n) {
  dbl_lock();
  g_grow_pending = n;
  dbl_unlock();
}

/* RmShutdown/RmRestart sleep this long before each process they handle. */
DBL_EXPORT void dbl_rm_set_step_delay_ms(DWORD_ ms) {
  dbl_lock();
  g_step_delay_ms = ms;
  dbl_unlock();
}

/* RmShutdown hangs on process pid (0 = none) until RmCancelCurrentTask; see
 * hang_until_cancelled. */
DBL_EXPORT void dbl_rm_set_hang_pid(DWORD_ pid) {
  dbl_lock();
  g_hang_pid = pid;
  dbl_unlock();
}

/* Non-zero: RmCancelCurrentTask returns only once the running task has ended. */
DBL_EXPORT void dbl_rm_set_cancel_waits(DWORD_ on) {
  dbl_lock();
  g_cancel_waits = on != 0;
  dbl_unlock();
}

/* How many waiting cancels gave up at the deadlock breaker since the last reset. */
DBL_EXPORT DWORD_ dbl_rm_cancel_gave_up(void) {
  dbl_lock();
  DWORD_ count = g_cancel_gave_up;
  dbl_unlock();
  return count;
}

/* Registered resources of the session behind handle: kind 0 files, 1 processes, 2 services,
 * 3 filters. -1 for an unknown handle or kind. */
DBL_EXPORT int64_t dbl_rm_registered_count(DWORD_ handle, DWORD_ kind) {
  int64_t count = -1;
  dbl_lock();
  Session *s = session_of(handle, NULL);
  if (s) {
    switch (kind) {
    case 0: count = (int64_t)s->files.count; break;
    case 1: count = (int64_t)s->app_count; break;
    case 2: count = (int64_t)s->services.count; break;
    case 3: count = (int64_t)s->filter_count; break;
    }
  }
  dbl_unlock();
  return count;
}

/* Drops every session, lock, service mapping and setting. The core's RM-session counter is left
 * alone on purpose, like the core's other leak counters: a test must see the sessions it leaked.
 * The core's dbl_reset runs this too (registered below), so tests need not call both. */
DBL_EXPORT void dbl_rm_reset(void) {
  dbl_lock();
  for (DWORD_ h = 0; h < RM_MAX_SESSIONS; h++) {
    Session *s = g_handles[h].session;
    if (!s) continue;
    g_handles[h].session = NULL;
    s->open_handles--;
    session_release(s);
  }
  table_free(&g_locks);
  table_free(&g_services);
  g_reboot_reasons = 0;
  g_grow_pending = 0;
  g_step_delay_ms = 0;
  g_hang_pid = 0;
  g_cancel_waits = 0;
  g_cancel_gave_up = 0;
  dbl_unlock();
}

__attribute__((constructor)) static void register_reset_hook(void) { dbl_on_reset(dbl_rm_reset); }

/*
 * Benchmark set-up: n_processes live processes pid_base.. are added to the core's table and
 * files "<prefix>0".."<prefix>(n-1)" are locked, file i by process pid_base + i % n_processes.
 * 0 ok, -1 bad argument or no memory.
 */
DBL_EXPORT int dbl_rm_bulk_locks(const char *path_prefix, DWORD_ n, DWORD_ pid_base,
                                 DWORD_ n_processes) {
  if (!path_prefix || (n && !n_processes)) return -1;
  size_t prefix_len = strlen(path_prefix);
  char *path = malloc(prefix_len + 16);
  wchar16 *wide = malloc((prefix_len + 16) * sizeof(wchar16));
  if (!path || !wide) {
    free(path);
    free(wide);
    return -1;
  }
  int result = 0;
  for (DWORD_ i = 0; i < n_processes && !result; i++) {
    char name[32];
    unsigned v = (unsigned)i, len = 0;
    char digits[12];
    do {
      digits[len++] = (char)('0' + v % 10);
      v /= 10;
    } while (v);
    memcpy(name, "bulk", 4);
    for (unsigned k = 0; k < len; k++) name[4 + k] = digits[len - 1 - k];
    memcpy(name + 4 + len, ".exe", 5);
    if (!spawn_process(pid_base + i, name)) result = -1;
  }
  dbl_lock();
  memcpy(path, path_prefix, prefix_len);
  for (DWORD_ i = 0; i < n && !result; i++) {
    unsigned v = (unsigned)i, len = 0;
    char digits[12];
    do {
      digits[len++] = (char)('0' + v % 10);
      v /= 10;
    } while (v);
    for (unsigned k = 0; k < len; k++) path[prefix_len + k] = digits[len - 1 - k];
    path[prefix_len + len] = 0;
    dbl_utf8_to_utf16(path, wide, prefix_len + 16);
    if (table_add(&g_locks, wide, pid_base + i % n_processes, 1) < 0) result = -1;
  }
  dbl_unlock();
  free(path);
  free(wide);
  return result;
}
