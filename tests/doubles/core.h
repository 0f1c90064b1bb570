/*
 * Shared core of the winsession test doubles (libwsdouble.so on Linux, wsdouble.dll as PE).
 *
 * wtsapi32.so, rstrtmgr.so and kernel32.so all link against this core so that they share one
 * thread-local last error, one process table and the leak counters, as the real DLLs share the
 * Win32 thread state. Everything named dbl_* is a control export: only the doubles have it,
 * and only tests call it (through tests/doubles.ts).
 *
 * Strings crossing the control API are UTF-8 and NUL-terminated; the doubles convert them to
 * UTF-16 (surrogate pairs included) for the Win32-shaped functions.
 */
#ifndef WINSESSION_DOUBLE_CORE_H
#define WINSESSION_DOUBLE_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef _WIN32
#define DBL_EXPORT __declspec(dllexport)
#define WINAPI_ __stdcall /* a no-op on x64: documents the Win32 convention */
#else
#define DBL_EXPORT __attribute__((visibility("default")))
#define WINAPI_
#endif

typedef uint16_t wchar16;     /* WCHAR: one UTF-16 code unit */
typedef int32_t BOOL_;        /* Win32 BOOL */
typedef uint32_t DWORD_;

/* ---- last error: thread-local, like the TEB's LastErrorValue -------------------------------- */
DBL_EXPORT void dbl_set_last_error(DWORD_ code);
DBL_EXPORT DWORD_ dbl_get_last_error(void);

/* ---- leak counters ------------------------------------------------------------------------ */
/* Outstanding allocations handed out by WTS functions (freed by WTSFreeMemory/WTSFreeMemoryExW). */
DBL_EXPORT int64_t dbl_wts_outstanding(void);
/* Outstanding LocalAlloc'd blocks (FormatMessageW with FORMAT_MESSAGE_ALLOCATE_BUFFER). */
DBL_EXPORT int64_t dbl_local_outstanding(void);
/* Open kernel handles (OpenProcess) and open WTS server handles (WTSOpenServer*). */
DBL_EXPORT int64_t dbl_handles_outstanding(void);
DBL_EXPORT int64_t dbl_servers_outstanding(void);
/* Open Restart Manager sessions (RmStartSession/RmJoinSession minus RmEndSession). */
DBL_EXPORT int64_t dbl_rm_open_sessions(void);

/* Used by the doubles themselves to track allocations they hand to callers. */
void *dbl_wts_alloc(size_t bytes);      /* counted; freed by dbl_wts_free */
int dbl_wts_free(void *block);          /* 1 if block was one of ours, 0 otherwise */
void *dbl_local_alloc(size_t bytes);
int dbl_local_free(void *block);
void dbl_rm_session_opened(void);
void dbl_rm_session_closed(void);

/* ---- process table (shared by WTSEnumerateProcesses*, OpenProcess, RmGetList ...) ---------- */
typedef struct DblProcess {
  char server[64];          /* "" = local server */
  DWORD_ pid;
  DWORD_ session_id;
  wchar16 name[260];        /* image name, e.g. L"notepad.exe" */
  wchar16 image_path[520];  /* full path for QueryFullProcessImageNameW */
  uint8_t sid[68];          /* binary SID (SECURITY_MAX_SID_SIZE); sid_len 0 = none */
  uint32_t sid_len;
  uint64_t create_time;     /* FILETIME as 100 ns since 1601 */
  uint64_t user_time;       /* 100 ns units */
  uint64_t kernel_time;
  DWORD_ threads, handles, pagefile, peak_pagefile, working_set, peak_working_set;
  /* Restart Manager view of the process */
  wchar16 app_name[256];    /* RM_PROCESS_INFO.strAppName; empty = use name */
  wchar16 service[64];      /* RM_PROCESS_INFO.strServiceShortName */
  DWORD_ app_type;          /* RM_APP_TYPE */
  DWORD_ app_status;        /* RM_APP_STATUS flags */
  BOOL_ restartable;
  BOOL_ refuse_shutdown;    /* RmShutdown without force cannot close it */
  BOOL_ access_denied;      /* OpenProcess fails with ERROR_ACCESS_DENIED */
  BOOL_ token_denied;       /* OpenProcess works, OpenProcessToken fails with ERROR_ACCESS_DENIED */
  int alive;
  DWORD_ exit_code;
  uint64_t exit_time;       /* FILETIME when it ended (0 while alive) */
} DblProcess;

/* Lookup for the doubles (not exported to tests): NULL if no live process has that pid. */
DblProcess *dbl_process_find(const char *server, DWORD_ pid);
/* Iterate: index 0..dbl_process_count()-1, may return dead entries (check ->alive). */
size_t dbl_process_count(void);
DblProcess *dbl_process_at(size_t index);
/* The core's lock: every double takes it around reads/writes of shared tables. */
void dbl_lock(void);
void dbl_unlock(void);

/* ---- helpers ------------------------------------------------------------------------------ */
/* UTF-8 -> UTF-16 into out (cap code units including NUL); returns units written without NUL. */
size_t dbl_utf8_to_utf16(const char *in, wchar16 *out, size_t cap);
/* UTF-16 -> UTF-8 into out (cap bytes including NUL); returns bytes written without NUL. */
size_t dbl_utf16_to_utf8(const wchar16 *in, char *out, size_t cap);
size_t dbl_wcslen(const wchar16 *s);
int dbl_wcsicmp(const wchar16 *a, const wchar16 *b); /* ASCII case-insensitive, like NTFS names */
void dbl_sleep_ms(uint32_t ms);

/* ==== Additions (tests/doubles/core.c implements all of these) ============================== */

/* ---- failure injection, call counts, reset ------------------------------------------------- */
/* Makes the next `times` calls of `function` (its Win32 name, e.g. "WTSOpenServerW") fail with
 * `error`; times -1 = every call until dbl_reset. Later injections for the same name replace. */
DBL_EXPORT void dbl_fail_next(const char *function, DWORD_ error, int32_t times);
/* Calls of `function` since the last dbl_reset (counted by dbl_should_fail at entry). */
DBL_EXPORT int64_t dbl_calls(const char *function);
/* Clears tables, injected failures, call counts, events, message config and the current
 * pid/session/console settings, then runs every hook given to dbl_on_reset. The leak counters
 * survive on purpose: a test must see what it leaked. */
DBL_EXPORT void dbl_reset(void);
/* Every Win32-shaped function calls this first: counts the call and returns 1 (with *error set)
 * when a failure was injected for it. Win32 functions then set the last error; Rm* return it. */
int dbl_should_fail(const char *function, DWORD_ *error);
/* Registers a hook dbl_reset runs after clearing the core (called WITHOUT the core lock held, so
 * the hook takes dbl_lock itself). Also pins the hook's module so it is never unloaded. */
void dbl_on_reset(void (*hook)(void));
/* Handles another double opens but kernel32's CloseHandle closes (advapi32's process tokens):
 * the double registers a closer that returns 1 when the handle was its own and it freed it;
 * kernel32's CloseHandle asks every closer (without the core lock held) and, when one took the
 * handle, lowers the kernel handle counter the opener raised with dbl_count_handle(1). */
void dbl_on_close_handle(int (*closer)(void *handle));
int dbl_close_foreign_handle(void *handle);
/* Process handles kernel32 opens that another double takes (advapi32's OpenProcessToken): the
 * kernel32 double registers the resolver; dbl_resolve_process_handle returns 1 with the pid and
 * the access the handle was opened with, 0 for a handle that is no open process handle. */
void dbl_on_resolve_process_handle(int (*resolver)(void *handle, DWORD_ *pid, DWORD_ *access));
int dbl_resolve_process_handle(void *handle, DWORD_ *pid, DWORD_ *access);

/* ---- identity of "this" process (GetCurrentProcessId, WTS_CURRENT_SESSION, console) -------- */
DBL_EXPORT void dbl_set_current_pid(DWORD_ pid);          /* default: the real process id */
DBL_EXPORT void dbl_set_current_session(DWORD_ session);  /* default 1 */
DBL_EXPORT void dbl_set_console_session(DWORD_ session);  /* default 1; 0xFFFFFFFF = none */
DWORD_ dbl_current_pid(void);
DWORD_ dbl_current_session(void);
DWORD_ dbl_console_session(void);

/* ---- process table control (UTF-8; server "" or NULL = local) ------------------------------ */
/* Adds (or replaces) a live process. sid is "S-1-5-21-..." or ""/NULL for none. 0 ok, -1 bad SID. */
DBL_EXPORT int32_t dbl_process_add(const char *server, DWORD_ pid, DWORD_ session_id,
                                   const char *name, const char *sid);
/* field: image_path, app_name, service. 0 ok, -1 unknown field or process. */
DBL_EXPORT int32_t dbl_process_set_str(const char *server, DWORD_ pid, const char *field,
                                       const char *value);
/* field: create_time, user_time, kernel_time, exit_time, threads, handles, pagefile,
 * peak_pagefile, working_set, peak_working_set, app_type, app_status, restartable,
 * refuse_shutdown, access_denied, token_denied, session_id. 0 ok, -1 unknown field or process. */
DBL_EXPORT int32_t dbl_process_set_u64(const char *server, DWORD_ pid, const char *field,
                                       uint64_t value);
DBL_EXPORT int32_t dbl_process_alive(const char *server, DWORD_ pid);     /* 1, 0, -1 unknown */
DBL_EXPORT int64_t dbl_process_exit_code(const char *server, DWORD_ pid); /* -1 unknown/alive */
/* For the doubles, with dbl_lock HELD: copies *proto into the table (replacing any entry with the
 * same server and pid) and returns the stored entry. (dbl_process_add is the control export
 * above, which takes the lock itself.) */
DblProcess *dbl_process_insert_locked(const DblProcess *proto);
/* Ends a process as TerminateProcess would (alive = 0, exit code and exit time recorded). */
void dbl_process_kill(DblProcess *process, DWORD_ exit_code);
/* Any entry (alive or dead) with that pid on that server, or NULL. */
DblProcess *dbl_process_find_any(const char *server, DWORD_ pid);

/* ---- allocations with a kind (WTSFreeMemory vs WTSFreeMemoryExW classes) ------------------- */
/* kind 0 = freed by WTSFreeMemory; otherwise the doubles' own tag (wtsapi32: 1 + WTS_TYPE_CLASS). */
void *dbl_wts_alloc_kind(size_t bytes, uint32_t kind, uint32_t count);
/* 1 and kind/count when block is a live WTS allocation of ours, else 0. */
int dbl_wts_block(void *block, uint32_t *kind, uint32_t *count);

/* ---- handle counters (the doubles keep their own handle tables) ---------------------------- */
void dbl_count_handle(int delta);  /* kernel handles (OpenProcess / CloseHandle) */
void dbl_count_server(int delta);  /* WTS server handles (WTSOpenServer* / WTSCloseServer) */

/* ---- waiting: a condition variable tied to the core lock ----------------------------------- */
void dbl_wait_locked(void);  /* caller holds dbl_lock; waits for dbl_wake_all; lock re-held */
void dbl_wake_all(void);     /* callable with or without the lock */

/* ---- more helpers -------------------------------------------------------------------------- */
/* "S-1-5-21-1-2-3-500" -> binary SID; returns its length or -1 when malformed or too long. */
int dbl_parse_sid(const char *text, uint8_t *out, uint32_t cap);
uint64_t dbl_now_filetime(void);  /* wall clock as FILETIME ticks */
int dbl_server_equal(const char *a, const char *b); /* ASCII case-insensitive, NULL == "" */

#endif
