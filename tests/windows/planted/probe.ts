/**
 * Run by tests/windows/planted_dll_test.ts in a deno.exe with a planted wtsapi32.dll and
 * rstrtmgr.dll beside it: exercises all three libraries through winsession (sessions from
 * wtsapi32, a Restart Manager session from rstrtmgr, the current session and error texts from
 * kernel32) and prints what it got as JSON. The test checks the planted DLLs' marker file.
 *
 * @module
 */

import {
  currentSessionId,
  listSessions,
  RestartManagerSession,
  systemMessage,
} from "../../../mod.ts";

const sessions = await listSessions();
{
  using rm = RestartManagerSession.start();
  rm.registerFiles([Deno.execPath()]);
}
console.log(JSON.stringify({
  sessions: sessions.length,
  currentSession: currentSessionId(),
  message: systemMessage(5),
}));
