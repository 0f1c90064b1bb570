/*
 * kernel32 test double: the few kernel32 functions winsession calls, over the core's last error,
 * process table and leak counters. Behaviour follows Microsoft's documentation, error paths
 * included. It imports nothing from itself on Windows: the core is wsdouble.dll.
 */
#include "core.h"

#include <stdlib.h>
#include <string.h>

typedef void *HANDLE_;
typedef uint32_t UINT_;

/* On Windows the import library of the real kernel32 (which the CRT links) defines the same
 * names, so the functions are compiled as dbl_k32_<name> and exported as <name> through the
 * .def file build.sh generates from the K32(...) markers below. */
#ifdef _WIN32
#define K32(name) dbl_k32_##name
#else
#define K32(name) name
#endif

enum {
  ERROR_SUCCESS_ = 0,
  ERROR_ACCESS_DENIED_ = 5,
  ERROR_INVALID_HANDLE_ = 6,
  ERROR_NOT_ENOUGH_MEMORY_ = 8,
  ERROR_INVALID_PARAMETER_ = 87,
  ERROR_INSUFFICIENT_BUFFER_ = 122,
  ERROR_MR_MID_NOT_FOUND_ = 317,
  ERROR_NOACCESS_ = 998,
};

#define FORMAT_MESSAGE_ALLOCATE_BUFFER_ 0x100u
#define FORMAT_MESSAGE_IGNORE_INSERTS_ 0x200u
#define FORMAT_MESSAGE_FROM_STRING_ 0x400u
#define FORMAT_MESSAGE_FROM_HMODULE_ 0x800u
#define FORMAT_MESSAGE_FROM_SYSTEM_ 0x1000u
#define PROCESS_NAME_NATIVE_ 1u

/* Windows' English (en-US) system message texts; FormatMessageW appends the "\r\n" that the
 * message tables carry. Texts from the Windows SDK's winerror.h MessageText entries. */
static const struct {
  DWORD_ code;
  const char *text;
} messages[] = {
    {0, "The operation completed successfully."},
    {1, "Incorrect function."},
    {2, "The system cannot find the file specified."},
    {3, "The system cannot find the path specified."},
    {5, "Access is denied."},
    {6, "The handle is invalid."},
    {8, "Not enough memory resources are available to process this command."},
    {13, "The data is invalid."},
    {32, "The process cannot access the file because it is being used by another process."},
    {50, "The request is not supported."},
    {87, "The parameter is incorrect."},
    {120, "This function is not supported on this system."},
    {122, "The data area passed to a system call is too small."},
    {160, "One or more arguments are not correct."},
    {183, "Cannot create a file when that file already exists."},
    {234, "More data is available."},
    {258, "The wait operation timed out."},
    {259, "No more data is available."},
    {317, "The system cannot find message text for message number 0x%1 in the message file for %2."},
    {350, "No action was taken as a system reboot is required."},
    {351, "The shutdown operation failed."},
    {352, "The restart operation failed."},
    {353, "The maximum number of sessions has been reached."},
    {995, "The I/O operation has been aborted because of either a thread exit or an application request."},
    {998, "Invalid access to memory location."},
    {1168, "Element not found."},
    {1223, "The operation was canceled by the user."},
    {1355, "The specified domain either does not exist or could not be contacted."},
    {1722, "The RPC server is unavailable."},
    {1726, "The remote procedure call failed."},
    {3010, "The requested operation is successful. Changes will not be effective until the system is rebooted."},
    {3011, "The requested operation is successful. Changes will not be effective until the service is restarted."},
    {7007, "A close operation is pending on the session."},
    {7022, "The specified session cannot be found."},
    {7038, "The requested operation can be performed only on the system console. This is most often the result of a driver or system DLL requiring direct console access."},
    {7044, "The request to control another session remotely was denied."},
    {7045, "The requested session access is denied."},
    {7054, "The number of connections to this computer is limited and all connections are in use right now. Try connecting later or contact your system administrator."},
};

static int should_fail(const char *name) {
  DWORD_ error;
  if (!dbl_should_fail(name, &error)) return 0;
  dbl_set_last_error(error);
  return 1;
}

DBL_EXPORT DWORD_ WINAPI_ K32(GetLastError)(void) { return dbl_get_last_error(); }

/* Not used by winsession itself: lets tests (and the doubles' users) seed the last error. */
DBL_EXPORT void WINAPI_ K32(SetLastError)(DWORD_ code) { dbl_set_last_error(code); }

DBL_EXPORT DWORD_ WINAPI_ K32(FormatMessageW)(DWORD_ flags, const void *source, DWORD_ message_id,
                                        DWORD_ language_id, wchar16 *buffer, DWORD_ size,
                                        void *arguments) {
  (void)source;
  (void)language_id;
  (void)arguments;
  if (should_fail("FormatMessageW")) return 0;
  if (!(flags & FORMAT_MESSAGE_FROM_SYSTEM_) ||
      (flags & (FORMAT_MESSAGE_FROM_STRING_ | FORMAT_MESSAGE_FROM_HMODULE_)) || !buffer) {
    dbl_set_last_error(ERROR_INVALID_PARAMETER_); /* the double only knows system messages */
    return 0;
  }
  const char *text = NULL;
  for (size_t i = 0; i < sizeof messages / sizeof messages[0]; i++)
    if (messages[i].code == message_id) text = messages[i].text;
  if (!text) {
    dbl_set_last_error(ERROR_MR_MID_NOT_FOUND_);
    return 0;
  }
  wchar16 wide[512];
  size_t length = dbl_utf8_to_utf16(text, wide, sizeof wide / sizeof wide[0] - 2);
  wide[length++] = '\r';
  wide[length++] = '\n';
  wide[length] = 0;
  if (flags & FORMAT_MESSAGE_ALLOCATE_BUFFER_) {
    /* lpBuffer is really an LPWSTR*; nSize is the minimum number of WCHARs to allocate */
    size_t units = length + 1 > size ? length + 1 : size;
    wchar16 *block = dbl_local_alloc(units * sizeof(wchar16));
    if (!block) {
      dbl_set_last_error(ERROR_NOT_ENOUGH_MEMORY_);
      return 0;
    }
    memcpy(block, wide, (length + 1) * sizeof(wchar16));
    memcpy(buffer, &block, sizeof block);
  } else {
    if (size < length + 1) {
      dbl_set_last_error(ERROR_INSUFFICIENT_BUFFER_);
      return 0;
    }
    memcpy(buffer, wide, (length + 1) * sizeof(wchar16));
  }
  return (DWORD_)length;
}

DBL_EXPORT void *WINAPI_ K32(LocalFree)(void *memory) {
  if (should_fail("LocalFree")) return memory;
  if (!memory) return NULL;
  if (dbl_local_free(memory)) return NULL;
  dbl_set_last_error(ERROR_INVALID_HANDLE_);
  return memory;
}

DBL_EXPORT BOOL_ WINAPI_ K32(ProcessIdToSessionId)(DWORD_ pid, DWORD_ *session_id) {
  if (should_fail("ProcessIdToSessionId")) return 0;
  if (!session_id) {
    dbl_set_last_error(ERROR_INVALID_PARAMETER_);
    return 0;
  }
  DWORD_ current = dbl_current_pid();
  dbl_lock();
  DblProcess *p = dbl_process_find("", pid);
  int found = p != NULL;
  DWORD_ session = p ? p->session_id : dbl_current_session();
  dbl_unlock();
  if (!found && pid != current) {
    dbl_set_last_error(ERROR_INVALID_PARAMETER_);
    return 0;
  }
  *session_id = session;
  return 1;
}

DBL_EXPORT DWORD_ WINAPI_ K32(WTSGetActiveConsoleSessionId)(void) {
  DWORD_ error;
  dbl_should_fail("WTSGetActiveConsoleSessionId", &error); /* counted; it cannot fail */
  return dbl_console_session();
}

DBL_EXPORT DWORD_ WINAPI_ K32(GetCurrentProcessId)(void) {
  DWORD_ error;
  dbl_should_fail("GetCurrentProcessId", &error); /* counted; it cannot fail */
  return dbl_current_pid();
}

/* ---- process handles ---------------------------------------------------------------------- */
typedef struct KernelHandle {
  uint32_t magic;
  DWORD_ pid;
  DWORD_ access;
} KernelHandle;

#define HANDLE_MAGIC 0x50524F43u /* "PROC" */

static KernelHandle **handles;
static size_t handles_used, handles_capacity;

/* Caller holds dbl_lock. */
static size_t handle_index(void *h) {
  for (size_t i = 0; i < handles_used; i++)
    if (handles[i] == h) return i;
  return (size_t)-1;
}

static KernelHandle *handle_resolve(void *h) {
  size_t i = handle_index(h);
  return i == (size_t)-1 ? NULL : handles[i];
}

DBL_EXPORT HANDLE_ WINAPI_ K32(OpenProcess)(DWORD_ access, BOOL_ inherit, DWORD_ pid) {
  (void)inherit;
  if (should_fail("OpenProcess")) return NULL;
  dbl_lock();
  DblProcess *p = dbl_process_find("", pid);
  if (!p) {
    dbl_unlock();
    dbl_set_last_error(ERROR_INVALID_PARAMETER_);
    return NULL;
  }
  if (p->access_denied) {
    dbl_unlock();
    dbl_set_last_error(ERROR_ACCESS_DENIED_);
    return NULL;
  }
  KernelHandle *h = malloc(sizeof *h);
  h->magic = HANDLE_MAGIC;
  h->pid = pid;
  h->access = access;
  if (handles_used == handles_capacity) {
    handles_capacity = handles_capacity ? handles_capacity * 2 : 32;
    handles = realloc(handles, handles_capacity * sizeof *handles);
  }
  handles[handles_used++] = h;
  dbl_unlock();
  dbl_count_handle(1);
  return h;
}

/* For the advapi32 double's OpenProcessToken: the pid and access of one of our handles. */
static int resolve_process_handle(void *handle, DWORD_ *pid, DWORD_ *access) {
  dbl_lock();
  KernelHandle *h = handle_resolve(handle);
  if (h) {
    *pid = h->pid;
    *access = h->access;
  }
  dbl_unlock();
  return h != NULL;
}

__attribute__((constructor)) static void register_process_handles(void) {
  dbl_on_resolve_process_handle(resolve_process_handle);
}

DBL_EXPORT BOOL_ WINAPI_ K32(CloseHandle)(HANDLE_ handle) {
  if (should_fail("CloseHandle")) return 0;
  dbl_lock();
  size_t i = handle_index(handle);
  if (i == (size_t)-1) {
    dbl_unlock();
    if (dbl_close_foreign_handle(handle)) { /* a token from the advapi32 double */
      dbl_count_handle(-1);
      return 1;
    }
    dbl_set_last_error(ERROR_INVALID_HANDLE_);
    return 0;
  }
  free(handles[i]);
  handles[i] = handles[--handles_used];
  dbl_unlock();
  dbl_count_handle(-1);
  return 1;
}

static void put_filetime(void *out, uint64_t ticks) { memcpy(out, &ticks, sizeof ticks); }

DBL_EXPORT BOOL_ WINAPI_ K32(GetProcessTimes)(HANDLE_ handle, void *creation, void *exit_time,
                                         void *kernel, void *user) {
  if (should_fail("GetProcessTimes")) return 0;
  dbl_lock();
  KernelHandle *h = handle_resolve(handle);
  DblProcess *p = h ? dbl_process_find_any("", h->pid) : NULL;
  if (!p) {
    dbl_unlock();
    dbl_set_last_error(ERROR_INVALID_HANDLE_);
    return 0;
  }
  if (!creation || !exit_time || !kernel || !user) {
    dbl_unlock();
    dbl_set_last_error(ERROR_NOACCESS_);
    return 0;
  }
  put_filetime(creation, p->create_time);
  put_filetime(exit_time, p->alive ? 0 : p->exit_time); /* undefined while running: we write 0 */
  put_filetime(kernel, p->kernel_time);
  put_filetime(user, p->user_time);
  dbl_unlock();
  return 1;
}

DBL_EXPORT BOOL_ WINAPI_ K32(QueryFullProcessImageNameW)(HANDLE_ handle, DWORD_ flags, wchar16 *name,
                                                    DWORD_ *size) {
  if (should_fail("QueryFullProcessImageNameW")) return 0;
  if (!size || !name || (flags & ~PROCESS_NAME_NATIVE_)) {
    dbl_set_last_error(ERROR_INVALID_PARAMETER_);
    return 0;
  }
  wchar16 path[600];
  dbl_lock();
  KernelHandle *h = handle_resolve(handle);
  DblProcess *p = h ? dbl_process_find_any("", h->pid) : NULL;
  if (!p) {
    dbl_unlock();
    dbl_set_last_error(ERROR_INVALID_HANDLE_);
    return 0;
  }
  const wchar16 *win32 = p->image_path[0] ? p->image_path : p->name;
  size_t length = 0;
  if ((flags & PROCESS_NAME_NATIVE_) && win32[0] && win32[1] == ':' && win32[2] == '\\') {
    /* "C:\x" -> "\Device\HarddiskVolume3\x", the native form the documentation describes */
    length = dbl_utf8_to_utf16("\\Device\\HarddiskVolume3", path, 64);
    for (const wchar16 *s = win32 + 2; *s && length < 599; s++) path[length++] = *s;
  } else {
    for (const wchar16 *s = win32; *s && length < 599; s++) path[length++] = *s;
  }
  path[length] = 0;
  dbl_unlock();
  if (*size < length + 1) {
    dbl_set_last_error(ERROR_INSUFFICIENT_BUFFER_);
    return 0;
  }
  memcpy(name, path, (length + 1) * sizeof(wchar16));
  *size = (DWORD_)length;
  return 1;
}

/* ---- system directory ---------------------------------------------------------------------- */
/* GetSystemDirectoryW's buffer-size protocol, as Microsoft documents it
 * (https://learn.microsoft.com/en-us/windows/win32/api/sysinfoapi/nf-sysinfoapi-getsystemdirectoryw):
 * success returns the length WITHOUT the NUL; a buffer too small returns the size needed
 * INCLUDING the NUL (and leaves the buffer alone); failure returns 0 with the last error set.
 * The path has no trailing backslash unless it is a root. The default's mixed case
 * ("C:\WINDOWS\system32") is the spelling commonly seen from Windows 10/11 (no primary source
 * found for the exact case); Wine 10 answers "C:\windows\system32" (tests/windows/). Neither
 * this double nor ffi/load.ts relies on the case: the loader compares folders case-insensitively. */
#define SYSTEM_DIRECTORY_DEFAULT "C:\\WINDOWS\\system32"
static wchar16 system_directory[1024];

static void reset_system_directory(void) {
  dbl_lock();
  dbl_utf8_to_utf16(SYSTEM_DIRECTORY_DEFAULT, system_directory,
                    sizeof system_directory / sizeof system_directory[0] - 1);
  dbl_unlock();
}

__attribute__((constructor)) static void register_reset(void) {
  reset_system_directory();
  dbl_on_reset(reset_system_directory);
}

/* Control: what GetSystemDirectoryW answers until the next dbl_reset (UTF-8, up to 1023 units),
 * so tests can exercise the too-small-buffer path with a directory longer than MAX_PATH. */
DBL_EXPORT int dbl_set_system_directory(const char *utf8) {
  if (!utf8) return -1;
  dbl_lock();
  dbl_utf8_to_utf16(utf8, system_directory, sizeof system_directory / sizeof system_directory[0] - 1);
  dbl_unlock();
  return 0;
}

DBL_EXPORT UINT_ WINAPI_ K32(GetSystemDirectoryW)(wchar16 *buffer, UINT_ size) {
  if (should_fail("GetSystemDirectoryW")) return 0;
  dbl_lock();
  size_t length = dbl_wcslen(system_directory);
  if (!buffer || size < length + 1) {
    dbl_unlock();
    return (UINT_)(length + 1);
  }
  memcpy(buffer, system_directory, (length + 1) * sizeof(wchar16));
  dbl_unlock();
  return (UINT_)length;
}

DBL_EXPORT int WINAPI_ K32(lstrlenW)(const wchar16 *s) { return s ? (int)dbl_wcslen(s) : 0; }

/* RtlMoveMemory: memmove (overlap allowed), as ntdll's. The library passes Length in a
 * pointer-typed parameter (see ffi/kernel32.ts): the same 64-bit register. */
DBL_EXPORT void WINAPI_ K32(RtlMoveMemory)(void *destination, const void *source, size_t length) {
  memmove(destination, source, length);
}

/* Handles survive dbl_reset on purpose: they are the caller's to close, and an unclosed one must
 * keep showing in dbl_handles_outstanding. */

/* ---- folder listing: FindFirstFileExW / FindNextFileW / FindClose ------------------------------
 * The folder walk of rm/_walk.ts. What it relies on, from the FindFirstFileExW and
 * WIN32_FIND_DATAW pages (learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-findfirstfileexw,
 * .../api/minwinbase/ns-minwinbase-win32_find_dataw) and from Rust's std (library/std/src/sys/
 * pal/windows/fs.rs, which Deno.readDir runs: FindFirstFileW on "<dir>\*", then FindNextFileW):
 *   - the first entry comes back with the handle, INVALID_HANDLE_VALUE (-1) and the last error on
 *     failure; FindNextFileW returns FALSE with ERROR_NO_MORE_FILES (18) after the last one;
 *   - "." and ".." are listed like any entry (on NTFS, for every folder but a drive root);
 *   - dwFileAttributes carries FILE_ATTRIBUTE_DIRECTORY, and FILE_ATTRIBUTE_REPARSE_POINT with the
 *     reparse tag in dwReserved0 (a symbolic link: IO_REPARSE_TAG_SYMLINK; one to a folder has
 *     the directory bit as well, as CreateSymbolicLinkW's SYMBOLIC_LINK_FLAG_DIRECTORY makes it);
 *   - FindExInfoBasic leaves cAlternateFileName empty; a find handle is closed by FindClose.
 * Where this double is simpler than Windows, on purpose: only the match-all pattern: a folder, a
 * separator (either slash) and a star (what the walk passes; any other pattern is ERROR_INVALID_PARAMETER here, while
 * Windows matches wildcards); entries in the host's order (NTFS gives name order; the walk sorts
 * either way); sizes and times left 0 (the walk reads only attributes, tag and name); entries a
 * Windows folder cannot hold (FIFOs, sockets, devices) are skipped. The error for a folder that
 * does not exist is ERROR_PATH_NOT_FOUND and for a path that is a file ERROR_DIRECTORY: the pages
 * do not list them, these are what Win32 maps ENOENT/ENOTDIR-like NTSTATUS codes to (not verified
 * on a real host). On Windows (the Wine lane) the calls go to the real kernel32, and only the
 * handle count and the last error are kept here. */
#define WFD_SIZE 592
#define WFD_RESERVED0 36
#define WFD_FILE_NAME 44
#define WFD_FILE_NAME_UNITS 260
#define ERROR_NO_MORE_FILES_ 18u
#define FILE_ATTRIBUTE_DIRECTORY_ 0x10u
#define FILE_ATTRIBUTE_ARCHIVE_ 0x20u
#define FILE_ATTRIBUTE_REPARSE_POINT_ 0x400u
#define IO_REPARSE_TAG_SYMLINK_ 0xA000000Cu
#define INVALID_HANDLE_VALUE_ ((HANDLE_)(intptr_t)-1)

#ifdef _WIN32
/* The real kernel32 (our own exports are dbl_k32_*, so these names are the import library's). */
__declspec(dllimport) HANDLE_ __stdcall FindFirstFileExW(const wchar16 *, int, void *, int, void *,
                                                         DWORD_);
__declspec(dllimport) BOOL_ __stdcall FindNextFileW(HANDLE_, void *);
__declspec(dllimport) BOOL_ __stdcall FindClose(HANDLE_);
__declspec(dllimport) DWORD_ __stdcall GetLastError(void);

DBL_EXPORT HANDLE_ WINAPI_ K32(FindFirstFileExW)(const wchar16 *pattern, int level, void *data,
                                                 int search_op, void *filter, DWORD_ flags) {
  if (should_fail("FindFirstFileExW")) return INVALID_HANDLE_VALUE_;
  HANDLE_ h = FindFirstFileExW(pattern, level, data, search_op, filter, flags);
  if (h == INVALID_HANDLE_VALUE_) {
    dbl_set_last_error(GetLastError());
    return h;
  }
  dbl_count_handle(1);
  return h;
}

DBL_EXPORT BOOL_ WINAPI_ K32(FindNextFileW)(HANDLE_ handle, void *data) {
  if (should_fail("FindNextFileW")) return 0;
  BOOL_ ok = FindNextFileW(handle, data);
  if (!ok) dbl_set_last_error(GetLastError());
  return ok;
}

DBL_EXPORT BOOL_ WINAPI_ K32(FindClose)(HANDLE_ handle) {
  if (should_fail("FindClose")) return 0;
  if (!FindClose(handle)) {
    dbl_set_last_error(GetLastError());
    return 0;
  }
  dbl_count_handle(-1);
  return 1;
}
#else
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <sys/stat.h>

#define ERROR_FILE_NOT_FOUND_ 2u
#define ERROR_PATH_NOT_FOUND_ 3u
#define ERROR_DIRECTORY_ 267u
#define FIND_FIRST_EX_CASE_SENSITIVE_ 1u
#define FIND_FIRST_EX_LARGE_FETCH_ 2u

typedef struct FindHandle {
  DIR *dir;
  struct FindHandle *next;
} FindHandle;

/* The open find handles (under dbl_lock): a handle is looked up before it is used, so a closed
 * or made-up one is ERROR_INVALID_HANDLE, never a read of freed memory. */
static FindHandle *find_handles;

static FindHandle **find_slot(HANDLE_ handle) {
  FindHandle **slot = &find_handles;
  while (*slot && *slot != handle) slot = &(*slot)->next;
  return *slot ? slot : NULL;
}

static void put_u32_le(uint8_t *out, uint32_t value) { memcpy(out, &value, sizeof value); }

/* The next entry Windows would list into data: 1, or 0 at the end (ERROR_NO_MORE_FILES). */
static int next_entry(DIR *dir, uint8_t *data) {
  for (;;) {
    errno = 0;
    struct dirent *entry = readdir(dir);
    if (!entry) return 0;
    uint32_t attributes = 0, tag = 0;
    unsigned char type = entry->d_type;
    struct stat st;
    if (type == DT_UNKNOWN) {
      if (fstatat(dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG
                                          : S_ISLNK(st.st_mode) ? DT_LNK
                                                                : DT_UNKNOWN;
    }
    if (type == DT_DIR) {
      attributes = FILE_ATTRIBUTE_DIRECTORY_;
    } else if (type == DT_REG) {
      attributes = FILE_ATTRIBUTE_ARCHIVE_; /* what NTFS sets on a file written since backup */
    } else if (type == DT_LNK) {
      attributes = FILE_ATTRIBUTE_REPARSE_POINT_;
      tag = IO_REPARSE_TAG_SYMLINK_;
      /* A link to a folder is a directory symbolic link: its target decides (dangling: none). */
      if (fstatat(dirfd(dir), entry->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode))
        attributes |= FILE_ATTRIBUTE_DIRECTORY_;
    } else {
      continue; /* FIFOs, sockets, devices: nothing a Windows folder lists */
    }
    memset(data, 0, WFD_SIZE);
    put_u32_le(data, attributes);
    put_u32_le(data + WFD_RESERVED0, tag);
    wchar16 name[WFD_FILE_NAME_UNITS];
    dbl_utf8_to_utf16(entry->d_name, name, WFD_FILE_NAME_UNITS);
    memcpy(data + WFD_FILE_NAME, name, sizeof name);
    return 1;
  }
}

DBL_EXPORT HANDLE_ WINAPI_ K32(FindFirstFileExW)(const wchar16 *pattern, int level, void *data,
                                                 int search_op, void *filter, DWORD_ flags) {
  if (should_fail("FindFirstFileExW")) return INVALID_HANDLE_VALUE_;
  size_t units = pattern ? dbl_wcslen(pattern) : 0;
  /* FindExInfoStandard (0) or FindExInfoBasic (1); FindExSearchNameMatch (0); no filter. */
  if (!data || units < 2 || (level != 0 && level != 1) || search_op != 0 || filter ||
      (flags & ~(FIND_FIRST_EX_CASE_SENSITIVE_ | FIND_FIRST_EX_LARGE_FETCH_)) ||
      pattern[units - 1] != '*' || (pattern[units - 2] != '/' && pattern[units - 2] != '\\')) {
    dbl_set_last_error(ERROR_INVALID_PARAMETER_);
    return INVALID_HANDLE_VALUE_;
  }
  char *path = malloc(units * 4 + 2);
  if (!path) {
    dbl_set_last_error(ERROR_NOT_ENOUGH_MEMORY_);
    return INVALID_HANDLE_VALUE_;
  }
  wchar16 *folder = malloc(units * sizeof(wchar16));
  if (!folder) {
    free(path);
    dbl_set_last_error(ERROR_NOT_ENOUGH_MEMORY_);
    return INVALID_HANDLE_VALUE_;
  }
  /* The pattern without its star, the separator kept (so the root's pattern lists the root). */
  memcpy(folder, pattern, (units - 1) * sizeof(wchar16));
  folder[units - 1] = 0;
  dbl_utf16_to_utf8(folder, path, units * 4 + 2);
  free(folder);
  DIR *dir = opendir(path);
  free(path);
  if (!dir) {
    dbl_set_last_error(errno == EACCES ? ERROR_ACCESS_DENIED_
                       : errno == ENOTDIR ? ERROR_DIRECTORY_
                                          : ERROR_PATH_NOT_FOUND_);
    return INVALID_HANDLE_VALUE_;
  }
  if (!next_entry(dir, data)) { /* an empty drive root: not even "." */
    closedir(dir);
    dbl_set_last_error(ERROR_FILE_NOT_FOUND_);
    return INVALID_HANDLE_VALUE_;
  }
  FindHandle *h = malloc(sizeof *h);
  if (!h) {
    closedir(dir);
    dbl_set_last_error(ERROR_NOT_ENOUGH_MEMORY_);
    return INVALID_HANDLE_VALUE_;
  }
  h->dir = dir;
  dbl_lock();
  h->next = find_handles;
  find_handles = h;
  dbl_unlock();
  dbl_count_handle(1);
  return h;
}

DBL_EXPORT BOOL_ WINAPI_ K32(FindNextFileW)(HANDLE_ handle, void *data) {
  if (should_fail("FindNextFileW")) return 0;
  dbl_lock();
  FindHandle **slot = find_slot(handle);
  dbl_unlock();
  if (!slot) {
    dbl_set_last_error(ERROR_INVALID_HANDLE_);
    return 0;
  }
  FindHandle *h = handle; /* one thread lists with a handle at a time, as on Windows */
  if (!data) {
    dbl_set_last_error(ERROR_NOACCESS_);
    return 0;
  }
  if (!next_entry(h->dir, data)) {
    dbl_set_last_error(errno == EACCES ? ERROR_ACCESS_DENIED_ : ERROR_NO_MORE_FILES_);
    return 0;
  }
  return 1;
}

DBL_EXPORT BOOL_ WINAPI_ K32(FindClose)(HANDLE_ handle) {
  if (should_fail("FindClose")) return 0;
  dbl_lock();
  FindHandle **slot = find_slot(handle);
  FindHandle *h = slot ? *slot : NULL;
  if (slot) *slot = h->next;
  dbl_unlock();
  if (!h) {
    dbl_set_last_error(ERROR_INVALID_HANDLE_);
    return 0;
  }
  closedir(h->dir);
  free(h);
  dbl_count_handle(-1);
  return 1;
}
#endif
