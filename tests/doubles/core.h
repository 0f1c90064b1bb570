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
  int alive;
  DWORD_ exit_code;
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

#endif
