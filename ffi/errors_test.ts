import assert from "node:assert/strict";
import { ERROR_TABLE } from "./error_names.ts";
import {
  builtInMessage,
  clearLastError,
  ERROR_ACCESS_DENIED,
  ERROR_CTX_WINSTATION_NOT_FOUND,
  errorName,
  WindowsError,
} from "./errors.ts";
import * as errors from "./errors.ts";
import { assertNoLeaks, doubles, useDoubles } from "../tests/doubles.ts";

Deno.test("errorName() names known codes and reports UNKNOWN_ERROR otherwise", () => {
  assert.equal(errorName(0), "ERROR_SUCCESS");
  assert.equal(errorName(5), "ERROR_ACCESS_DENIED");
  assert.equal(errorName(258), "WAIT_TIMEOUT");
  assert.equal(errorName(1722), "RPC_S_SERVER_UNAVAILABLE");
  assert.equal(errorName(7045), "ERROR_CTX_WINSTATION_ACCESS_DENIED");
  assert.equal(errorName(7070), "ERROR_TS_VIDEO_SUBSYSTEM_ERROR");
  assert.equal(errorName(99_999), "UNKNOWN_ERROR");
  assert.equal(errorName(-1), "UNKNOWN_ERROR");
});

Deno.test("every exported numeric constant matches the name table", () => {
  let checked = 0;
  for (const [key, value] of Object.entries(errors)) {
    if (typeof value !== "number") continue;
    assert.equal(errorName(value), key, `${key} = ${value}`);
    checked++;
  }
  assert.ok(checked >= 40, `only ${checked} constants`);
});

Deno.test("the name table is ascending, unique, and complete for the documented ranges", () => {
  const codes = ERROR_TABLE.map(([code]) => code);
  assert.deepEqual(codes, [...new Set(codes)].sort((a, b) => a - b));
  const names = ERROR_TABLE.map(([, name]) => name);
  assert.equal(new Set(names).size, names.length);
  for (const [code, name, message] of ERROR_TABLE) {
    assert.match(name, /^(ERROR|WAIT|RPC_S)_[A-Z0-9_]+[0-9a-z]*$/, `${code}`);
    assert.ok(message.length > 0, `${name} has a message`);
    assert.equal(message, message.trim(), `${name} message is trimmed`);
  }
  // Restart Manager and WTS documented return codes.
  for (
    const code of [
      0,
      2,
      5,
      6,
      8,
      13,
      14,
      29,
      50,
      87,
      120,
      121,
      122,
      160,
      161,
      234,
      258,
      317,
      350,
      351,
      352,
      353,
      776,
      995,
      1168,
      1219,
      1223,
      1235,
      1355,
      1722,
      1726,
      3010,
      3011,
      7007,
      7022,
      7038,
      7041,
      7042,
      7044,
      7045,
      7050,
      7051,
      7054,
      7060,
    ]
  ) {
    assert.notEqual(errorName(code), "UNKNOWN_ERROR", `${code}`);
  }
});

Deno.test("WindowsError formats the one-line message", () => {
  const error = new WindowsError(
    "WTSDisconnectSession",
    7022,
    "The specified session cannot be found.",
  );
  assert.equal(
    error.message,
    "WTSDisconnectSession failed: ERROR_CTX_WINSTATION_NOT_FOUND (7022): " +
      "The specified session cannot be found.",
  );
  assert.equal(error.name, "WindowsError");
  assert.equal(error.code, ERROR_CTX_WINSTATION_NOT_FOUND);
  assert.equal(error.errorName, "ERROR_CTX_WINSTATION_NOT_FOUND");
  assert.equal(error.functionName, "WTSDisconnectSession");
  assert.equal(error.systemMessage, "The specified session cannot be found.");
  assert.ok(error instanceof Error);
  assert.ok(error instanceof WindowsError);
  assert.equal(String(error), `WindowsError: ${error.message}`);
});

Deno.test("WindowsError keeps the number for unknown codes and omits an empty message", () => {
  const error = new WindowsError("RmGetList", 424_242, "");
  assert.equal(error.message, "RmGetList failed: UNKNOWN_ERROR (424242)");
  assert.equal(error.errorName, "UNKNOWN_ERROR");
});

Deno.test("WindowsError passes a cause through", () => {
  const cause = new Error("inner");
  const error = new WindowsError("WTSOpenServerW", 5, "Access is denied.", { cause });
  assert.equal(error.cause, cause);
});

Deno.test("WindowsError.toJSON() carries every field for --json", () => {
  const error = new WindowsError("RmShutdown", 351, "The shutdown operation failed.");
  assert.deepEqual(JSON.parse(JSON.stringify(error)), {
    name: "WindowsError",
    code: 351,
    errorName: "ERROR_FAIL_SHUTDOWN",
    functionName: "RmShutdown",
    message: "RmShutdown failed: ERROR_FAIL_SHUTDOWN (351): The shutdown operation failed.",
  });
});

Deno.test("builtInMessage() has English texts for the table and nothing for unknown codes", () => {
  assert.equal(builtInMessage(ERROR_ACCESS_DENIED), "Access is denied.");
  assert.equal(builtInMessage(7022), "The specified session cannot be found.");
  assert.equal(builtInMessage(3010).startsWith("The requested operation is successful."), true);
  assert.equal(builtInMessage(123_456), "");
});

Deno.test("WindowsError.fromCode() takes the message from FormatMessageW and LocalFrees it", () => {
  useDoubles();
  const error = WindowsError.fromCode("RmGetList", 1722);
  assert.equal(
    error.message,
    "RmGetList failed: RPC_S_SERVER_UNAVAILABLE (1722): The RPC server is unavailable.",
  );
  assert.equal(error.systemMessage, "The RPC server is unavailable."); // "\r\n" trimmed
  assert.equal(doubles.calls("FormatMessageW"), 1);
  assert.equal(doubles.calls("LocalFree"), 1);
  assertNoLeaks();
});

Deno.test("WindowsError.fromLastError() reads GetLastError", () => {
  useDoubles();
  doubles.setLastError(7022);
  const error = WindowsError.fromLastError("WTSDisconnectSession");
  assert.equal(
    error.message,
    "WTSDisconnectSession failed: ERROR_CTX_WINSTATION_NOT_FOUND (7022): " +
      "The specified session cannot be found.",
  );
  assertNoLeaks();
});

Deno.test("WindowsError falls back to the built-in text when FormatMessageW fails", () => {
  useDoubles();
  doubles.failNext("FormatMessageW", 8);
  const failed = WindowsError.fromCode("WTSLogoffSession", 5);
  assert.equal(failed.systemMessage, "Access is denied.");
  // The double has no text for 7060: FormatMessageW fails with ERROR_MR_MID_NOT_FOUND.
  const unknownToSystem = WindowsError.fromCode("WTSOpenServerW", 7060);
  assert.equal(unknownToSystem.systemMessage, "Remote logins are currently disabled.");
  assert.equal(doubles.calls("LocalFree"), 0);
  assertNoLeaks();
});

Deno.test("WindowsError for a code nobody knows keeps the number and no text", () => {
  useDoubles();
  const error = WindowsError.fromCode("RmShutdown", 424_242);
  assert.equal(error.message, "RmShutdown failed: UNKNOWN_ERROR (424242)");
  assert.equal(error.systemMessage, "");
  assertNoLeaks();
});

Deno.test("many WindowsErrors leave no LocalAlloc'd buffer behind", () => {
  useDoubles();
  for (const code of [0, 2, 5, 6, 87, 995, 1168, 1223, 3010, 7007, 7038, 7045, 7054]) {
    WindowsError.fromCode("RmGetList", code);
  }
  assertNoLeaks();
});

Deno.test("WindowsError.fromLastError() after clearLastError() names a failure without a code", () => {
  useDoubles();
  clearLastError();
  const error = WindowsError.fromLastError("WTSEnumerateSessionsExW");
  assert.equal(error.code, 0);
  assert.equal(
    error.message,
    "WTSEnumerateSessionsExW failed: ERROR_SUCCESS (0): the call failed without setting an error code",
  );
  assertNoLeaks();
});

Deno.test("error_codes.ts is what scripts/gen_error_codes.ts makes from the name table", async () => {
  const { errorCodesSource } = await import("../scripts/gen_error_codes.ts");
  const onDisk = Deno.readTextFileSync(new URL("./error_codes.ts", import.meta.url));
  assert.equal(
    onDisk,
    errorCodesSource(),
    "run: deno run --allow-read --allow-write scripts/gen_error_codes.ts",
  );
});

Deno.test("every error winsession throws on purpose is a WinsessionError", () => {
  const all: Error[] = [
    new errors.WindowsError("WTSLogoffSession", 5, "Access is denied."),
    new errors.NonblockingCallError("WTSSendMessageW", "rdsh01", 5, "why"),
    new errors.AbandonedError("WTSEnumerateSessionsW"),
    new errors.ServerTimeoutError("rdsh01", 1000),
    new errors.TargetChangedError("session 3", [{ field: "user", expected: "a", actual: "b" }]),
    new errors.ShutdownError("stopped", { closed: [], restarted: [], stillRunning: [] }),
    new errors.ProtectedFolderError("C:\\", "a drive root"),
    new errors.LibraryLoadError("wtsapi32.dll", "not found"),
    new errors.PathNotFoundError("D:\\gone"),
  ];
  for (const error of all) {
    assert.ok(error instanceof errors.WinsessionError, error.name);
    assert.ok(error instanceof Error, error.name);
    assert.equal(error.name, error.constructor.name);
  }
});
