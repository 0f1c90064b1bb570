/*
 * advapi32 test double: LookupAccountSidW over a per-server account table the tests seed, and a
 * process token whose elevation the tests set (OpenProcessToken / GetTokenInformation). Token
 * handles are closed by the kernel32 double's CloseHandle (through dbl_on_close_handle) and
 * counted with the core's kernel handle counter, so assertNoLeaks() catches an unclosed token.
 *
 * Control exports (dbl_acct_*, dbl_token_*) take UTF-8 strings, like the rest of the doubles.
 */
#include "core.h"

#include <stdlib.h>
#include <string.h>

typedef void *HANDLE_;

enum {
  ERROR_ACCESS_DENIED_ = 5,
  ERROR_INVALID_HANDLE_ = 6,
  ERROR_INVALID_PARAMETER_ = 87,
  ERROR_INSUFFICIENT_BUFFER_ = 122,
  ERROR_NONE_MAPPED_ = 1332,
  ERROR_INVALID_SID_ = 1337,
  RPC_S_SERVER_UNAVAILABLE_ = 1722,
};

#define TOKEN_QUERY_ 0x0008u
#define TOKEN_USER_CLASS 1       /* TokenUser in TOKEN_INFORMATION_CLASS (winnt.h) */
#define TOKEN_ELEVATION_CLASS 20 /* TokenElevation in TOKEN_INFORMATION_CLASS (winnt.h) */
#define PROCESS_QUERY_INFORMATION_ 0x0400u
#define PROCESS_QUERY_LIMITED_INFORMATION_ 0x1000u
/* TOKEN_USER on x64: SID_AND_ATTRIBUTES { PSID Sid; DWORD Attributes; } padded to 16 bytes; the
 * SID itself follows in the same buffer, Sid pointing at it. */
#define TOKEN_USER_HEADER 16u

/* ---- the account table -------------------------------------------------------------------- */
typedef struct Account {
  char server[64]; /* "" = local */
  uint8_t sid[68];
  uint32_t sid_len;
  wchar16 domain[256];
  wchar16 name[256];
  DWORD_ use; /* SID_NAME_USE */
} Account;

typedef struct ServerCalls {
  char server[64];
  int64_t calls;
} ServerCalls;

static Account *accounts;
static size_t accounts_used, accounts_capacity;
static char known_servers[32][64]; /* remote names LookupAccountSidW can reach */
static size_t known_used;
static ServerCalls server_calls[64];
static size_t server_calls_used;
static DWORD_ token_elevated;
static uint32_t lookup_delay_ms; /* every LookupAccountSidW first sleeps this long */

/* lpSystemName as the table keys it: NULL and "" are the local computer; leading backslashes
 * ("\\\\rdsh01") are dropped, as callers pass either form. Caller provides 64 bytes. */
static void system_name_key(const wchar16 *system, char *out) {
  out[0] = 0;
  if (!system) return;
  while (*system == '\\') system++;
  dbl_utf16_to_utf8(system, out, 64);
}

/* Caller holds dbl_lock. */
static int server_known(const char *server) {
  if (!server[0]) return 1;
  for (size_t i = 0; i < known_used; i++)
    if (dbl_server_equal(known_servers[i], server)) return 1;
  return 0;
}

/* Caller holds dbl_lock. */
static void count_call(const char *server) {
  for (size_t i = 0; i < server_calls_used; i++)
    if (dbl_server_equal(server_calls[i].server, server)) {
      server_calls[i].calls++;
      return;
    }
  if (server_calls_used == sizeof server_calls / sizeof server_calls[0]) return;
  memcpy(server_calls[server_calls_used].server, server, 64); /* both 64 bytes, NUL-ended */
  server_calls[server_calls_used++].calls = 1;
}

/* A SID as RtlValidSid checks it: revision 1, at most 15 sub-authorities. */
static uint32_t sid_size(const uint8_t *sid) {
  if (sid[0] != 1 || sid[1] > 15) return 0;
  return 8u + 4u * sid[1];
}

/*
 * BOOL LookupAccountSidW(LPCWSTR lpSystemName, PSID Sid, LPWSTR Name, LPDWORD cchName,
 *                        LPWSTR ReferencedDomainName, LPDWORD cchReferencedDomainName,
 *                        PSID_NAME_USE peUse)
 *
 * Buffer protocol from Microsoft's page
 * (https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-lookupaccountsidw):
 * "If the function fails because the buffer is too small or if cchName is zero, cchName
 * receives the required buffer size, including the terminating null character" (the same for
 * cchReferencedDomainName). Wine's conformance tests, which pass on native Windows
 * (wine dlls/advapi32/tests/security.c, test_LookupAccountSid), pin the rest down:
 * - a 1-unit name or domain buffer fails with ERROR_INSUFFICIENT_BUFFER, and the size
 *   returned for a 0-sized buffer is the success length + 1, so on success the counts hold
 *   the lengths WITHOUT the NUL;
 * - Name and ReferencedDomainName both NULL with both counts 0 fail with
 *   ERROR_INSUFFICIENT_BUFFER, set both counts non-zero and leave *peUse untouched;
 * - an unknown lpSystemName ("deepthought") fails with RPC_S_SERVER_UNAVAILABLE (1722)
 *   (RPC_S_INVALID_NET_ADDR 1707 on Vista): the double answers 1722;
 * - a SID no account maps to fails with ERROR_NONE_MAPPED (1332) (test_sid_str accepts it
 *   for the account domain's well-known RIDs that a machine may not have).
 * Not evidenced, chosen here: when either buffer is too small BOTH counts receive their needed
 * sizes (a caller retrying with both then succeeds in one more call).
 */
DBL_EXPORT BOOL_ WINAPI_ LookupAccountSidW(const wchar16 *system, const uint8_t *sid,
                                           wchar16 *name, DWORD_ *cch_name, wchar16 *domain,
                                           DWORD_ *cch_domain, DWORD_ *use) {
  DWORD_ error;
  char server[64];
  system_name_key(system, server);
  dbl_lock();
  count_call(server);
  uint32_t delay = lookup_delay_ms;
  dbl_unlock();
  if (delay) dbl_sleep_ms(delay); /* an RPC to a slow or unreachable LSA */
  if (dbl_should_fail("LookupAccountSidW", &error)) {
    dbl_set_last_error(error);
    return 0;
  }
  if (!sid || !cch_name || !cch_domain || !use) {
    dbl_set_last_error(ERROR_INVALID_PARAMETER_); /* native crashes on some of these */
    return 0;
  }
  uint32_t length = sid_size(sid);
  if (!length) {
    dbl_set_last_error(ERROR_INVALID_SID_);
    return 0;
  }
  dbl_lock();
  if (!server_known(server)) {
    dbl_unlock();
    dbl_set_last_error(RPC_S_SERVER_UNAVAILABLE_);
    return 0;
  }
  const Account *found = NULL;
  for (size_t i = 0; i < accounts_used && !found; i++)
    if (dbl_server_equal(accounts[i].server, server) && accounts[i].sid_len == length &&
        memcmp(accounts[i].sid, sid, length) == 0)
      found = &accounts[i];
  if (!found) {
    dbl_unlock();
    dbl_set_last_error(ERROR_NONE_MAPPED_);
    return 0;
  }
  DWORD_ name_length = (DWORD_)dbl_wcslen(found->name);
  DWORD_ domain_length = (DWORD_)dbl_wcslen(found->domain);
  if (!name || !domain || *cch_name < name_length + 1 || *cch_domain < domain_length + 1) {
    *cch_name = name_length + 1;
    *cch_domain = domain_length + 1;
    dbl_unlock();
    dbl_set_last_error(ERROR_INSUFFICIENT_BUFFER_);
    return 0;
  }
  memcpy(name, found->name, (name_length + 1) * sizeof(wchar16));
  memcpy(domain, found->domain, (domain_length + 1) * sizeof(wchar16));
  *cch_name = name_length;
  *cch_domain = domain_length;
  *use = found->use;
  dbl_unlock();
  return 1;
}

/* ---- tokens ------------------------------------------------------------------------------- */
typedef struct Token {
  uint32_t magic;
  DWORD_ access;
  uint8_t user_sid[68]; /* TokenUser, captured when the token is opened; user_sid_len 0 = none */
  uint32_t user_sid_len;
} Token;

#define TOKEN_MAGIC 0x544F4B4Eu /* "TOKN" */

static Token **tokens;
static size_t tokens_used, tokens_capacity;

/* Caller holds dbl_lock. */
static size_t token_index(const void *handle) {
  for (size_t i = 0; i < tokens_used; i++)
    if (tokens[i] == handle) return i;
  return (size_t)-1;
}

/* The kernel32 double's CloseHandle asks this for handles it did not open. */
static int close_token(void *handle) {
  dbl_lock();
  size_t i = token_index(handle);
  if (i == (size_t)-1) {
    dbl_unlock();
    return 0;
  }
  free(tokens[i]);
  tokens[i] = tokens[--tokens_used];
  dbl_unlock();
  return 1;
}

/*
 * BOOL OpenProcessToken(HANDLE ProcessHandle, DWORD DesiredAccess, PHANDLE TokenHandle)
 * ProcessHandle is the current-process pseudo-handle ((HANDLE)-1, what GetCurrentProcess
 * returns: https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-getcurrentprocess)
 * or a process handle from the kernel32 double's OpenProcess; anything else fails with
 * ERROR_INVALID_HANDLE. The process handle needs PROCESS_QUERY_LIMITED_INFORMATION (or
 * PROCESS_QUERY_INFORMATION, which implies it): the page said PROCESS_QUERY_INFORMATION until
 * MicrosoftDocs/sdk-api PR #1268 corrected it to the limited right, which is all it checks.
 * A process marked token_denied opens (the limited right is granted even for protected
 * processes: psutil issue #1372, "OpenProcess : change logic when requesting
 * PROCESS_QUERY_INFORMATION which fails for protected processes (win 8+)") but its token does not:
 * ERROR_ACCESS_DENIED, as for a protected process or another user's process whose token DACL
 * does not grant TOKEN_QUERY. Exactly which processes behave so on a given host is not
 * documented; the double models the two outcomes, not a rule for choosing them.
 */
DBL_EXPORT BOOL_ WINAPI_ OpenProcessToken(HANDLE_ process, DWORD_ access, HANDLE_ *token) {
  DWORD_ error;
  if (dbl_should_fail("OpenProcessToken", &error)) {
    dbl_set_last_error(error);
    return 0;
  }
  if (!token) {
    dbl_set_last_error(ERROR_INVALID_PARAMETER_);
    return 0;
  }
  DWORD_ pid = 0, process_access = 0;
  if (process == (HANDLE_)(intptr_t)-1) {
    pid = dbl_current_pid();
  } else if (!dbl_resolve_process_handle(process, &pid, &process_access)) {
    dbl_set_last_error(ERROR_INVALID_HANDLE_);
    return 0;
  } else if (!(process_access &
               (PROCESS_QUERY_LIMITED_INFORMATION_ | PROCESS_QUERY_INFORMATION_))) {
    dbl_set_last_error(ERROR_ACCESS_DENIED_);
    return 0;
  }
  Token *t = calloc(1, sizeof *t);
  t->magic = TOKEN_MAGIC;
  t->access = access;
  dbl_lock();
  const DblProcess *p = dbl_process_find_any("", pid);
  if (p && p->token_denied && process != (HANDLE_)(intptr_t)-1) {
    dbl_unlock();
    free(t);
    dbl_set_last_error(ERROR_ACCESS_DENIED_);
    return 0;
  }
  if (p && p->sid_len) {
    memcpy(t->user_sid, p->sid, p->sid_len);
    t->user_sid_len = p->sid_len;
  }
  if (tokens_used == tokens_capacity) {
    tokens_capacity = tokens_capacity ? tokens_capacity * 2 : 16;
    tokens = realloc(tokens, tokens_capacity * sizeof *tokens);
  }
  tokens[tokens_used++] = t;
  dbl_unlock();
  dbl_count_handle(1);
  *token = t;
  return 1;
}

/*
 * BOOL GetTokenInformation(HANDLE TokenHandle, TOKEN_INFORMATION_CLASS TokenInformationClass,
 *                          LPVOID TokenInformation, DWORD TokenInformationLength,
 *                          PDWORD ReturnLength)
 * TokenElevation (20): TOKEN_ELEVATION { DWORD TokenIsElevated }, 4 bytes.
 * TokenUser (1): TOKEN_USER (https://learn.microsoft.com/en-us/windows/win32/api/winnt/ns-winnt-token_user)
 * with the SID after it in the same buffer, 16 + SID bytes; SE_TOKEN_USER (ntifs.h) documents
 * that TOKEN_USER plus SECURITY_MAX_SID_SIZE (68) always suffices. The SID is the process's
 * (the table's sid); a process seeded without one has no modelled user: ERROR_INVALID_PARAMETER.
 * A short buffer fails with ERROR_INSUFFICIENT_BUFFER and *ReturnLength = the size needed; a
 * token opened without TOKEN_QUERY fails with ERROR_ACCESS_DENIED, as the page says querying
 * needs it (https://learn.microsoft.com/en-us/windows/win32/api/securitybaseapi/nf-securitybaseapi-gettokeninformation).
 * Other classes are not modelled: ERROR_INVALID_PARAMETER.
 */
DBL_EXPORT BOOL_ WINAPI_ GetTokenInformation(HANDLE_ handle, DWORD_ information_class,
                                             void *information, DWORD_ length,
                                             DWORD_ *return_length) {
  DWORD_ error;
  if (dbl_should_fail("GetTokenInformation", &error)) {
    dbl_set_last_error(error);
    return 0;
  }
  dbl_lock();
  size_t i = token_index(handle);
  DWORD_ access = i == (size_t)-1 ? 0 : tokens[i]->access;
  DWORD_ elevated = token_elevated;
  uint8_t sid[68];
  uint32_t sid_len = i == (size_t)-1 ? 0 : tokens[i]->user_sid_len;
  if (sid_len) memcpy(sid, tokens[i]->user_sid, sid_len);
  dbl_unlock();
  if (i == (size_t)-1) {
    dbl_set_last_error(ERROR_INVALID_HANDLE_);
    return 0;
  }
  if (!(access & TOKEN_QUERY_)) {
    dbl_set_last_error(ERROR_ACCESS_DENIED_);
    return 0;
  }
  if (!return_length) {
    dbl_set_last_error(ERROR_INVALID_PARAMETER_);
    return 0;
  }
  if (information_class == TOKEN_USER_CLASS) {
    if (!sid_len) {
      dbl_set_last_error(ERROR_INVALID_PARAMETER_);
      return 0;
    }
    *return_length = TOKEN_USER_HEADER + sid_len;
    if (!information || length < TOKEN_USER_HEADER + sid_len) {
      dbl_set_last_error(ERROR_INSUFFICIENT_BUFFER_);
      return 0;
    }
    uint8_t *out = information;
    void *sid_pointer = out + TOKEN_USER_HEADER;
    memset(out, 0, TOKEN_USER_HEADER); /* Attributes: "no attributes defined for user SIDs" */
    memcpy(out, &sid_pointer, sizeof sid_pointer);
    memcpy(out + TOKEN_USER_HEADER, sid, sid_len);
    return 1;
  }
  if (information_class != TOKEN_ELEVATION_CLASS) {
    dbl_set_last_error(ERROR_INVALID_PARAMETER_);
    return 0;
  }
  *return_length = sizeof(DWORD_);
  if (!information || length < sizeof(DWORD_)) {
    dbl_set_last_error(ERROR_INSUFFICIENT_BUFFER_);
    return 0;
  }
  memcpy(information, &elevated, sizeof elevated);
  return 1;
}

/* ---- controls ----------------------------------------------------------------------------- */
/* Seeds SID -> domain\name (SID_NAME_USE use) on server ("" = local); the server becomes
 * reachable. 0 ok, -1 bad SID or string. Replaces an entry with the same server and SID. */
DBL_EXPORT int32_t dbl_acct_add(const char *server, const char *sid_text, const char *domain,
                                const char *name, DWORD_ use) {
  Account a;
  memset(&a, 0, sizeof a);
  if (!server) server = "";
  if (strlen(server) > 63 || !domain || !name) return -1;
  strcpy(a.server, server);
  int length = dbl_parse_sid(sid_text, a.sid, sizeof a.sid);
  if (length <= 0) return -1;
  a.sid_len = (uint32_t)length;
  dbl_utf8_to_utf16(domain, a.domain, 256);
  dbl_utf8_to_utf16(name, a.name, 256);
  a.use = use;
  dbl_lock();
  if (server[0] && !server_known(server) && known_used < sizeof known_servers / 64)
    strcpy(known_servers[known_used++], server);
  for (size_t i = 0; i < accounts_used; i++)
    if (dbl_server_equal(accounts[i].server, server) && accounts[i].sid_len == a.sid_len &&
        memcmp(accounts[i].sid, a.sid, a.sid_len) == 0) {
      accounts[i] = a;
      dbl_unlock();
      return 0;
    }
  if (accounts_used == accounts_capacity) {
    accounts_capacity = accounts_capacity ? accounts_capacity * 2 : 64;
    accounts = realloc(accounts, accounts_capacity * sizeof *accounts);
  }
  accounts[accounts_used++] = a;
  dbl_unlock();
  return 0;
}

/* Makes server reachable without seeding an account (every SID there is ERROR_NONE_MAPPED). */
DBL_EXPORT int32_t dbl_acct_server_add(const char *server) {
  if (!server || !server[0] || strlen(server) > 63) return -1;
  dbl_lock();
  if (!server_known(server) && known_used < sizeof known_servers / 64)
    strcpy(known_servers[known_used++], server);
  dbl_unlock();
  return 0;
}

/* LookupAccountSidW calls naming server ("" = local) since the last reset. */
DBL_EXPORT int64_t dbl_acct_calls(const char *server) {
  int64_t calls = 0;
  if (!server) server = "";
  dbl_lock();
  for (size_t i = 0; i < server_calls_used; i++)
    if (dbl_server_equal(server_calls[i].server, server)) calls = server_calls[i].calls;
  dbl_unlock();
  return calls;
}

/* TOKEN_ELEVATION.TokenIsElevated of this process's token (default 0). */
DBL_EXPORT void dbl_token_set_elevated(DWORD_ elevated) {
  dbl_lock();
  token_elevated = elevated;
  dbl_unlock();
}

/* Every LookupAccountSidW sleeps ms first (0 = answer at once), like an RPC timing out. */
DBL_EXPORT void dbl_acct_set_delay_ms(uint32_t ms) {
  dbl_lock();
  lookup_delay_ms = ms;
  dbl_unlock();
}

/* Accounts, reachable servers, call counts, delay and elevation are cleared; open tokens survive on
 * purpose (they are the caller's to close, and an unclosed one must keep showing as a leak). */
static void reset_advapi32(void) {
  dbl_lock();
  accounts_used = 0;
  known_used = 0;
  server_calls_used = 0;
  token_elevated = 0;
  lookup_delay_ms = 0;
  dbl_unlock();
}

__attribute__((constructor)) static void register_hooks(void) {
  dbl_on_reset(reset_advapi32);
  dbl_on_close_handle(close_token);
}
