/*
 * Shared core of the winsession test doubles: last error, leak counters, the process table,
 * failure injection, call counts and reset. See core.h for the contract.
 *
 * Every function here is exported (the visibility pragma below), because the Win32-shaped
 * doubles link against this library and call the internal helpers too.
 */
#pragma GCC visibility push(default)

#include "core.h"

#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#else
#include <pthread.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#endif

/* ---- lock and condition variable ----------------------------------------------------------- */
#ifdef _WIN32
static SRWLOCK core_lock = SRWLOCK_INIT;
static CONDITION_VARIABLE core_changed = CONDITION_VARIABLE_INIT;
void dbl_lock(void) { AcquireSRWLockExclusive(&core_lock); }
void dbl_unlock(void) { ReleaseSRWLockExclusive(&core_lock); }
void dbl_wait_locked(void) { SleepConditionVariableSRW(&core_changed, &core_lock, INFINITE, 0); }
void dbl_wake_all(void) { WakeAllConditionVariable(&core_changed); }
void dbl_sleep_ms(uint32_t ms) { Sleep(ms); }
/* A separate lock for the allocation set: doubles allocate while holding the core lock. */
static SRWLOCK alloc_lock = SRWLOCK_INIT;
static void alloc_lock_take(void) { AcquireSRWLockExclusive(&alloc_lock); }
static void alloc_lock_drop(void) { ReleaseSRWLockExclusive(&alloc_lock); }
#else
static pthread_mutex_t core_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t core_changed = PTHREAD_COND_INITIALIZER;
/* A separate lock for the allocation set: doubles allocate while holding the core lock. */
static pthread_mutex_t alloc_lock = PTHREAD_MUTEX_INITIALIZER;
static void alloc_lock_take(void) { pthread_mutex_lock(&alloc_lock); }
static void alloc_lock_drop(void) { pthread_mutex_unlock(&alloc_lock); }
void dbl_lock(void) { pthread_mutex_lock(&core_lock); }
void dbl_unlock(void) { pthread_mutex_unlock(&core_lock); }
void dbl_wait_locked(void) { pthread_cond_wait(&core_changed, &core_lock); }
void dbl_wake_all(void) { pthread_cond_broadcast(&core_changed); }
void dbl_sleep_ms(uint32_t ms) {
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}
#endif

/* ---- last error ---------------------------------------------------------------------------- */
static __thread DWORD_ last_error;

void dbl_set_last_error(DWORD_ code) {
  last_error = code;
#ifdef _WIN32
  SetLastError(code); /* the genuine thread error must agree with ours */
#endif
}

DWORD_ dbl_get_last_error(void) { return last_error; }

/* ---- counters ------------------------------------------------------------------------------ */
static int64_t wts_outstanding, local_outstanding, handles_outstanding, servers_outstanding,
    rm_sessions;

static int64_t load(int64_t *counter) { return __atomic_load_n(counter, __ATOMIC_SEQ_CST); }
static void add(int64_t *counter, int64_t delta) {
  __atomic_add_fetch(counter, delta, __ATOMIC_SEQ_CST);
}

int64_t dbl_wts_outstanding(void) { return load(&wts_outstanding); }
int64_t dbl_local_outstanding(void) { return load(&local_outstanding); }
int64_t dbl_handles_outstanding(void) { return load(&handles_outstanding); }
int64_t dbl_servers_outstanding(void) { return load(&servers_outstanding); }
int64_t dbl_rm_open_sessions(void) { return load(&rm_sessions); }
void dbl_rm_session_opened(void) { add(&rm_sessions, 1); }
void dbl_rm_session_closed(void) { add(&rm_sessions, -1); }
void dbl_count_handle(int delta) { add(&handles_outstanding, delta); }
void dbl_count_server(int delta) { add(&servers_outstanding, delta); }

/* ---- tracked allocations ------------------------------------------------------------------- */
/* Each block carries a header; a pointer set of live blocks answers "is this one of ours?"
 * without dereferencing foreign pointers. */
enum { FAMILY_WTS = 1, FAMILY_LOCAL = 2 };
typedef struct BlockHeader {
  uint32_t family, kind, count, pad;
} BlockHeader; /* 16 bytes keeps the payload 16-byte aligned */

static void **live_blocks;
static size_t live_capacity, live_used;

static size_t slot_of(void *p, size_t capacity) {
  uintptr_t h = (uintptr_t)p;
  h ^= h >> 17;
  h *= (uintptr_t)0x9E3779B97F4A7C15ull;
  return (size_t)(h >> 7) & (capacity - 1);
}

static void set_insert(void *p);
static void set_grow(void) {
  void **old = live_blocks;
  size_t old_capacity = live_capacity;
  live_capacity = live_capacity ? live_capacity * 2 : 256;
  live_blocks = calloc(live_capacity, sizeof(void *));
  live_used = 0;
  for (size_t i = 0; i < old_capacity; i++)
    if (old[i]) set_insert(old[i]);
  free(old);
}

static void set_insert(void *p) {
  if ((live_used + 1) * 2 > live_capacity) set_grow();
  size_t i = slot_of(p, live_capacity);
  while (live_blocks[i]) i = (i + 1) & (live_capacity - 1);
  live_blocks[i] = p;
  live_used++;
}

static int set_contains(void *p) {
  if (!live_capacity || !p) return 0;
  for (size_t i = slot_of(p, live_capacity); live_blocks[i]; i = (i + 1) & (live_capacity - 1))
    if (live_blocks[i] == p) return 1;
  return 0;
}

static void set_remove(void *p) {
  size_t mask = live_capacity - 1, i = slot_of(p, live_capacity);
  while (live_blocks[i] != p) i = (i + 1) & mask;
  live_blocks[i] = NULL;
  live_used--;
  /* backward-shift deletion keeps probe chains intact */
  for (size_t j = (i + 1) & mask; live_blocks[j]; j = (j + 1) & mask) {
    void *moved = live_blocks[j];
    live_blocks[j] = NULL;
    live_used--;
    set_insert(moved);
  }
}

static void *tracked_alloc(size_t bytes, uint32_t family, uint32_t kind, uint32_t count) {
  BlockHeader *h = calloc(1, sizeof(BlockHeader) + (bytes ? bytes : 1));
  if (!h) return NULL;
  h->family = family;
  h->kind = kind;
  h->count = count;
  void *payload = h + 1;
  alloc_lock_take();
  set_insert(payload);
  alloc_lock_drop();
  add(family == FAMILY_WTS ? &wts_outstanding : &local_outstanding, 1);
  return payload;
}

static int tracked_free(void *block, uint32_t family) {
  alloc_lock_take();
  if (!set_contains(block) || ((BlockHeader *)block - 1)->family != family) {
    alloc_lock_drop();
    return 0;
  }
  set_remove(block);
  alloc_lock_drop();
  free((BlockHeader *)block - 1);
  add(family == FAMILY_WTS ? &wts_outstanding : &local_outstanding, -1);
  return 1;
}

void *dbl_wts_alloc(size_t bytes) { return tracked_alloc(bytes, FAMILY_WTS, 0, 0); }
void *dbl_wts_alloc_kind(size_t bytes, uint32_t kind, uint32_t count) {
  return tracked_alloc(bytes, FAMILY_WTS, kind, count);
}
int dbl_wts_free(void *block) { return tracked_free(block, FAMILY_WTS); }
void *dbl_local_alloc(size_t bytes) { return tracked_alloc(bytes, FAMILY_LOCAL, 0, 0); }
int dbl_local_free(void *block) { return tracked_free(block, FAMILY_LOCAL); }

int dbl_wts_block(void *block, uint32_t *kind, uint32_t *count) {
  int ours = 0;
  alloc_lock_take();
  if (set_contains(block) && ((BlockHeader *)block - 1)->family == FAMILY_WTS) {
    ours = 1;
    if (kind) *kind = ((BlockHeader *)block - 1)->kind;
    if (count) *count = ((BlockHeader *)block - 1)->count;
  }
  alloc_lock_drop();
  return ours;
}

/* ---- call counts and failure injection ----------------------------------------------------- */
typedef struct NamedCounter {
  char name[64];
  int64_t calls;
  int armed;        /* a failure is injected */
  DWORD_ error;
  int32_t times;    /* remaining failures; -1 = always */
} NamedCounter;

static NamedCounter counters[256];
static size_t counters_used;

static NamedCounter *counter_for(const char *function, int create) {
  for (size_t i = 0; i < counters_used; i++)
    if (strcmp(counters[i].name, function) == 0) return &counters[i];
  if (!create || counters_used == sizeof counters / sizeof counters[0]) return NULL;
  NamedCounter *c = &counters[counters_used++];
  memset(c, 0, sizeof *c);
  strncpy(c->name, function, sizeof c->name - 1);
  return c;
}

void dbl_fail_next(const char *function, DWORD_ error, int32_t times) {
  if (!function) return;
  dbl_lock();
  NamedCounter *c = counter_for(function, 1);
  if (c) {
    c->armed = times != 0;
    c->error = error;
    c->times = times;
  }
  dbl_unlock();
}

int64_t dbl_calls(const char *function) {
  if (!function) return 0;
  dbl_lock();
  NamedCounter *c = counter_for(function, 0);
  int64_t calls = c ? c->calls : 0;
  dbl_unlock();
  return calls;
}

int dbl_should_fail(const char *function, DWORD_ *error) {
  int fail = 0;
  dbl_lock();
  NamedCounter *c = counter_for(function, 1);
  if (c) {
    c->calls++;
    if (c->armed) {
      fail = 1;
      if (error) *error = c->error;
      if (c->times > 0 && --c->times == 0) c->armed = 0;
    }
  }
  dbl_unlock();
  return fail;
}

/* ---- identity ------------------------------------------------------------------------------ */
static int current_pid_set;
static DWORD_ current_pid, current_session = 1, console_session = 1;

void dbl_set_current_pid(DWORD_ pid) {
  dbl_lock();
  current_pid = pid;
  current_pid_set = 1;
  dbl_unlock();
}
void dbl_set_current_session(DWORD_ session) { __atomic_store_n(&current_session, session, __ATOMIC_SEQ_CST); }
void dbl_set_console_session(DWORD_ session) { __atomic_store_n(&console_session, session, __ATOMIC_SEQ_CST); }
DWORD_ dbl_current_session(void) { return __atomic_load_n(&current_session, __ATOMIC_SEQ_CST); }
DWORD_ dbl_console_session(void) { return __atomic_load_n(&console_session, __ATOMIC_SEQ_CST); }
DWORD_ dbl_current_pid(void) {
  dbl_lock();
  DWORD_ pid = current_pid_set ? current_pid : 0;
  int set = current_pid_set;
  dbl_unlock();
  if (set) return pid;
#ifdef _WIN32
  return GetCurrentProcessId(); /* the system kernel32, never our double */
#else
  return (DWORD_)getpid();
#endif
}

/* ---- process table ------------------------------------------------------------------------- */
static DblProcess **processes;
static size_t processes_used, processes_capacity;

int dbl_server_equal(const char *a, const char *b) {
  if (!a) a = "";
  if (!b) b = "";
  for (; *a && *b; a++, b++) {
    char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
    char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
    if (x != y) return 0;
  }
  return *a == *b;
}

size_t dbl_process_count(void) { return processes_used; }
DblProcess *dbl_process_at(size_t index) { return index < processes_used ? processes[index] : NULL; }

DblProcess *dbl_process_find_any(const char *server, DWORD_ pid) {
  DblProcess *dead = NULL;
  for (size_t i = 0; i < processes_used; i++) {
    DblProcess *p = processes[i];
    if (p->pid == pid && dbl_server_equal(p->server, server)) {
      if (p->alive) return p;
      dead = p;
    }
  }
  return dead;
}

DblProcess *dbl_process_find(const char *server, DWORD_ pid) {
  DblProcess *p = dbl_process_find_any(server, pid);
  return p && p->alive ? p : NULL;
}

void dbl_process_kill(DblProcess *process, DWORD_ exit_code) {
  process->alive = 0;
  process->exit_code = exit_code;
  process->exit_time = dbl_now_filetime();
}

int32_t dbl_process_add(const char *server, DWORD_ pid, DWORD_ session_id, const char *name,
                        const char *sid) {
  uint8_t sid_bytes[68];
  int sid_len = 0;
  if (sid && *sid) {
    sid_len = dbl_parse_sid(sid, sid_bytes, sizeof sid_bytes);
    if (sid_len < 0) return -1;
  }
  DblProcess proto;
  memset(&proto, 0, sizeof proto);
  strncpy(proto.server, server ? server : "", sizeof proto.server - 1);
  proto.pid = pid;
  proto.session_id = session_id;
  dbl_utf8_to_utf16(name ? name : "", proto.name, sizeof proto.name / sizeof proto.name[0]);
  memcpy(proto.sid, sid_bytes, (size_t)sid_len);
  proto.sid_len = (uint32_t)sid_len;
  proto.threads = 1;
  proto.create_time = dbl_now_filetime();
  proto.alive = 1;
  proto.exit_code = 259; /* STILL_ACTIVE */
  dbl_lock();
  DblProcess *stored = dbl_process_insert_locked(&proto);
  dbl_unlock();
  return stored ? 0 : -1;
}

DblProcess *dbl_process_insert_locked(const DblProcess *proto) {
  DblProcess *p = dbl_process_find_any(proto->server, proto->pid);
  if (!p) {
    if (processes_used == processes_capacity) {
      size_t capacity = processes_capacity ? processes_capacity * 2 : 64;
      DblProcess **grown = realloc(processes, capacity * sizeof *processes);
      if (!grown) return NULL;
      processes = grown;
      processes_capacity = capacity;
    }
    p = malloc(sizeof *p);
    if (!p) return NULL;
    processes[processes_used++] = p;
  }
  *p = *proto;
  return p;
}

int32_t dbl_process_set_str(const char *server, DWORD_ pid, const char *field, const char *value) {
  if (!field || !value) return -1;
  int32_t result = 0;
  dbl_lock();
  DblProcess *p = dbl_process_find_any(server, pid);
  if (!p) result = -1;
  else if (strcmp(field, "image_path") == 0)
    dbl_utf8_to_utf16(value, p->image_path, sizeof p->image_path / 2);
  else if (strcmp(field, "app_name") == 0)
    dbl_utf8_to_utf16(value, p->app_name, sizeof p->app_name / 2);
  else if (strcmp(field, "service") == 0)
    dbl_utf8_to_utf16(value, p->service, sizeof p->service / 2);
  else if (strcmp(field, "name") == 0)
    dbl_utf8_to_utf16(value, p->name, sizeof p->name / 2);
  else result = -1;
  dbl_unlock();
  return result;
}

int32_t dbl_process_set_u64(const char *server, DWORD_ pid, const char *field, uint64_t value) {
  if (!field) return -1;
  int32_t result = 0;
  DWORD_ v32 = (DWORD_)value;
  dbl_lock();
  DblProcess *p = dbl_process_find_any(server, pid);
  if (!p) result = -1;
  else if (strcmp(field, "create_time") == 0) p->create_time = value;
  else if (strcmp(field, "user_time") == 0) p->user_time = value;
  else if (strcmp(field, "kernel_time") == 0) p->kernel_time = value;
  else if (strcmp(field, "exit_time") == 0) p->exit_time = value;
  else if (strcmp(field, "threads") == 0) p->threads = v32;
  else if (strcmp(field, "handles") == 0) p->handles = v32;
  else if (strcmp(field, "pagefile") == 0) p->pagefile = v32;
  else if (strcmp(field, "peak_pagefile") == 0) p->peak_pagefile = v32;
  else if (strcmp(field, "working_set") == 0) p->working_set = v32;
  else if (strcmp(field, "peak_working_set") == 0) p->peak_working_set = v32;
  else if (strcmp(field, "app_type") == 0) p->app_type = v32;
  else if (strcmp(field, "app_status") == 0) p->app_status = v32;
  else if (strcmp(field, "restartable") == 0) p->restartable = value != 0;
  else if (strcmp(field, "refuse_shutdown") == 0) p->refuse_shutdown = value != 0;
  else if (strcmp(field, "access_denied") == 0) p->access_denied = value != 0;
  else if (strcmp(field, "token_denied") == 0) p->token_denied = value != 0;
  else if (strcmp(field, "session_id") == 0) p->session_id = v32;
  else result = -1;
  dbl_unlock();
  return result;
}

int32_t dbl_process_alive(const char *server, DWORD_ pid) {
  dbl_lock();
  DblProcess *p = dbl_process_find_any(server, pid);
  int32_t alive = p ? p->alive != 0 : -1;
  dbl_unlock();
  return alive;
}

int64_t dbl_process_exit_code(const char *server, DWORD_ pid) {
  dbl_lock();
  DblProcess *p = dbl_process_find_any(server, pid);
  int64_t code = p && !p->alive ? (int64_t)p->exit_code : -1;
  dbl_unlock();
  return code;
}

/* ---- reset --------------------------------------------------------------------------------- */
static void (*reset_hooks[16])(void);
static size_t reset_hooks_used;

void dbl_on_reset(void (*hook)(void)) {
#ifdef _WIN32
  HMODULE pinned; /* a hook must outlive any FreeLibrary of its module */
  GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                     (LPCWSTR)(void *)hook, &pinned);
#endif
  dbl_lock();
  for (size_t i = 0; i < reset_hooks_used; i++)
    if (reset_hooks[i] == hook) {
      dbl_unlock();
      return;
    }
  if (reset_hooks_used < sizeof reset_hooks / sizeof reset_hooks[0])
    reset_hooks[reset_hooks_used++] = hook;
  dbl_unlock();
}

static int (*handle_closers[8])(void *);
static size_t handle_closers_used;

void dbl_on_close_handle(int (*closer)(void *handle)) {
#ifdef _WIN32
  HMODULE pinned; /* the closer must outlive any FreeLibrary of its module */
  GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                     (LPCWSTR)(void *)closer, &pinned);
#endif
  dbl_lock();
  int known = 0;
  for (size_t i = 0; i < handle_closers_used; i++) known |= handle_closers[i] == closer;
  if (!known && handle_closers_used < sizeof handle_closers / sizeof handle_closers[0])
    handle_closers[handle_closers_used++] = closer;
  dbl_unlock();
}

int dbl_close_foreign_handle(void *handle) {
  dbl_lock();
  size_t count = handle_closers_used;
  int (*closers[8])(void *);
  memcpy(closers, handle_closers, count * sizeof closers[0]);
  dbl_unlock();
  for (size_t i = 0; i < count; i++)
    if (closers[i](handle)) return 1;
  return 0;
}

static int (*process_handle_resolver)(void *, DWORD_ *, DWORD_ *);

void dbl_on_resolve_process_handle(int (*resolver)(void *handle, DWORD_ *pid, DWORD_ *access)) {
#ifdef _WIN32
  HMODULE pinned; /* the resolver must outlive any FreeLibrary of its module */
  GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                     (LPCWSTR)(void *)resolver, &pinned);
#endif
  dbl_lock();
  process_handle_resolver = resolver;
  dbl_unlock();
}

int dbl_resolve_process_handle(void *handle, DWORD_ *pid, DWORD_ *access) {
  dbl_lock();
  int (*resolver)(void *, DWORD_ *, DWORD_ *) = process_handle_resolver;
  dbl_unlock();
  return resolver ? resolver(handle, pid, access) : 0;
}

void dbl_reset(void) {
  dbl_lock();
  for (size_t i = 0; i < processes_used; i++) free(processes[i]);
  processes_used = 0;
  counters_used = 0;
  current_pid_set = 0;
  current_session = 1;
  console_session = 1;
  size_t hooks = reset_hooks_used;
  dbl_unlock();
  for (size_t i = 0; i < hooks; i++) reset_hooks[i]();
  dbl_wake_all();
}

/* ---- helpers ------------------------------------------------------------------------------- */
size_t dbl_utf8_to_utf16(const char *in, wchar16 *out, size_t cap) {
  size_t n = 0;
  if (!cap) return 0;
  const unsigned char *s = (const unsigned char *)(in ? in : "");
  while (*s) {
    uint32_t c = *s++;
    int extra = 0;
    if (c >= 0xF0) { c &= 0x07; extra = 3; }
    else if (c >= 0xE0) { c &= 0x0F; extra = 2; }
    else if (c >= 0xC0) { c &= 0x1F; extra = 1; }
    else if (c >= 0x80) { c = 0xFFFD; }
    for (; extra > 0 && (*s & 0xC0) == 0x80; extra--) c = (c << 6) | (*s++ & 0x3F);
    if (extra) c = 0xFFFD;
    if (c >= 0x10000) {
      if (n + 2 >= cap) break;
      c -= 0x10000;
      out[n++] = (wchar16)(0xD800 | (c >> 10));
      out[n++] = (wchar16)(0xDC00 | (c & 0x3FF));
    } else {
      if (n + 1 >= cap) break;
      out[n++] = (wchar16)c;
    }
  }
  out[n] = 0;
  return n;
}

size_t dbl_utf16_to_utf8(const wchar16 *in, char *out, size_t cap) {
  size_t n = 0;
  if (!cap) return 0;
  for (; in && *in; in++) {
    uint32_t c = *in;
    if (c >= 0xD800 && c < 0xDC00 && in[1] >= 0xDC00 && in[1] < 0xE000) {
      c = 0x10000 + ((c - 0xD800) << 10) + (in[1] - 0xDC00);
      in++;
    } else if (c >= 0xD800 && c < 0xE000) {
      c = 0xFFFD;
    }
    char buf[4];
    size_t len;
    if (c < 0x80) { buf[0] = (char)c; len = 1; }
    else if (c < 0x800) { buf[0] = (char)(0xC0 | (c >> 6)); buf[1] = (char)(0x80 | (c & 0x3F)); len = 2; }
    else if (c < 0x10000) {
      buf[0] = (char)(0xE0 | (c >> 12)); buf[1] = (char)(0x80 | ((c >> 6) & 0x3F));
      buf[2] = (char)(0x80 | (c & 0x3F)); len = 3;
    } else {
      buf[0] = (char)(0xF0 | (c >> 18)); buf[1] = (char)(0x80 | ((c >> 12) & 0x3F));
      buf[2] = (char)(0x80 | ((c >> 6) & 0x3F)); buf[3] = (char)(0x80 | (c & 0x3F)); len = 4;
    }
    if (n + len >= cap) break;
    memcpy(out + n, buf, len);
    n += len;
  }
  out[n] = 0;
  return n;
}

size_t dbl_wcslen(const wchar16 *s) {
  size_t n = 0;
  if (s)
    while (s[n]) n++;
  return n;
}

int dbl_wcsicmp(const wchar16 *a, const wchar16 *b) {
  for (;; a++, b++) {
    wchar16 x = *a >= 'A' && *a <= 'Z' ? (wchar16)(*a + 32) : *a;
    wchar16 y = *b >= 'A' && *b <= 'Z' ? (wchar16)(*b + 32) : *b;
    if (x != y || !x) return (int)x - (int)y;
  }
}

int dbl_parse_sid(const char *text, uint8_t *out, uint32_t cap) {
  if (!text || (text[0] != 'S' && text[0] != 's') || text[1] != '-') return -1;
  const char *s = text + 2;
  uint64_t parts[17];
  int count = 0;
  while (*s) {
    if (count == 17 || *s < '0' || *s > '9') return -1;
    uint64_t v = 0;
    while (*s >= '0' && *s <= '9') {
      v = v * 10 + (uint64_t)(*s++ - '0');
      if (v > 0xFFFFFFFFFFFFull) return -1;
    }
    parts[count++] = v;
    if (*s == '-') {
      s++;
      if (!*s) return -1;
    } else if (*s) {
      return -1;
    }
  }
  /* parts: revision, authority, sub-authorities (0..15) */
  if (count < 2 || parts[0] != 1) return -1;
  int subs = count - 2;
  uint32_t len = 8 + 4 * (uint32_t)subs;
  if (subs > 15 || len > cap) return -1;
  out[0] = 1;
  out[1] = (uint8_t)subs;
  for (int i = 0; i < 6; i++) out[2 + i] = (uint8_t)(parts[1] >> (8 * (5 - i))); /* big-endian */
  for (int i = 0; i < subs; i++) {
    if (parts[2 + i] > 0xFFFFFFFFull) return -1;
    uint32_t v = (uint32_t)parts[2 + i];
    memcpy(out + 8 + 4 * i, &v, 4); /* little-endian on x86_64 */
  }
  return (int)len;
}

uint64_t dbl_now_filetime(void) {
#ifdef _WIN32
  FILETIME ft;
  GetSystemTimeAsFileTime(&ft);
  return ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
#else
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 10000000ull + (uint64_t)ts.tv_nsec / 100 + 116444736000000000ull;
#endif
}
