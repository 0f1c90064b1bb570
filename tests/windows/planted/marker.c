/*
 * The "planted" DLL of tests/windows/planted_dll_test.ts: copied next to a deno.exe under the
 * names wtsapi32.dll and rstrtmgr.dll, it records every load, so the test can prove that a
 * bare-name load picks it up (the DLL search order puts the executable's folder before System32)
 * and that winsession never does.
 *
 * On DLL_PROCESS_ATTACH it appends its own path to the file named by WINSESSION_PLANTED_MARKER
 * (nothing when the variable is unset), and it exports winsession_planted_marker(), which the
 * control uses to show which module answered. Nothing else: a real attacker's DllMain would run
 * at exactly the same moment, which is the point.
 */
#include <windows.h>

#define PLANTED_MAGIC 0x504C4E54u /* "PLNT" */

__declspec(dllexport) DWORD winsession_planted_marker(void) { return PLANTED_MAGIC; }

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved) {
  (void)reserved;
  if (reason != DLL_PROCESS_ATTACH) return TRUE;
  WCHAR marker[1024];
  DWORD length = GetEnvironmentVariableW(L"WINSESSION_PLANTED_MARKER", marker, 1024);
  if (length == 0 || length >= 1024) return TRUE;
  WCHAR self[1024];
  DWORD self_length = GetModuleFileNameW(instance, self, 1023);
  HANDLE file = CreateFileW(marker, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                            OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
  if (file == INVALID_HANDLE_VALUE) return TRUE;
  char line[2048];
  int bytes = WideCharToMultiByte(CP_UTF8, 0, self, (int)self_length, line, sizeof line - 1, NULL,
                                  NULL);
  if (bytes < 0) bytes = 0;
  line[bytes++] = '\n';
  DWORD written;
  WriteFile(file, line, (DWORD)bytes, &written, NULL);
  CloseHandle(file);
  return TRUE;
}
