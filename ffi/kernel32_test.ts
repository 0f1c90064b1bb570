// Raw-binding tests of ffi/kernel32.ts against the kernel32 test double: every symbol, the
// documented error paths, and no leaked LocalAlloc block or process handle.
import assert from "node:assert/strict";

import { kernel32 } from "./load.ts";
import { assertNoLeaks, doubles, useDoubles } from "../tests/doubles.ts";

const FORMAT_MESSAGE_ALLOCATE_BUFFER = 0x100;
const FORMAT_MESSAGE_IGNORE_INSERTS = 0x200;
const FORMAT_MESSAGE_FROM_SYSTEM = 0x1000;
const SYSTEM_TEXT = FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS;
const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;

function wide(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array((text.length + 1) * 2);
  for (let i = 0; i < text.length; i++) {
    new DataView(out.buffer).setUint16(i * 2, text.charCodeAt(i), true);
  }
  return out;
}

function readWideBuffer(bytes: Uint8Array, units: number): string {
  return new TextDecoder("utf-16le").decode(bytes.subarray(0, units * 2));
}

/** FormatMessageW with FORMAT_MESSAGE_ALLOCATE_BUFFER, freeing the block with LocalFree. */
function systemMessage(code: number): string {
  const k = kernel32();
  const slot = new BigUint64Array(1);
  const length = k.FormatMessageW(
    SYSTEM_TEXT | FORMAT_MESSAGE_ALLOCATE_BUFFER,
    null,
    code,
    0,
    new Uint8Array(slot.buffer),
    0,
    null,
  );
  assert.ok(length > 0, `FormatMessageW(${code}) failed with ${k.GetLastError()}`);
  const pointer = Deno.UnsafePointer.create(slot[0]!);
  try {
    assert.equal(k.lstrlenW(pointer), length);
    const bytes = new Uint8Array(length * 2);
    Deno.UnsafePointerView.copyInto(pointer!, bytes);
    return readWideBuffer(bytes, length);
  } finally {
    assert.equal(k.LocalFree(pointer), null);
  }
}

Deno.test("GetLastError returns the thread's last error", () => {
  useDoubles();
  doubles.setLastError(1168);
  assert.equal(kernel32().GetLastError(), 1168);
  doubles.setLastError(0);
  assert.equal(kernel32().GetLastError(), 0);
  assertNoLeaks();
});

Deno.test("FormatMessageW with ALLOCATE_BUFFER returns Windows' text, freed by LocalFree", () => {
  useDoubles();
  assert.equal(systemMessage(5), "Access is denied.\r\n");
  assert.equal(systemMessage(0), "The operation completed successfully.\r\n");
  assert.equal(systemMessage(7022), "The specified session cannot be found.\r\n");
  assert.equal(systemMessage(1722), "The RPC server is unavailable.\r\n");
  assert.equal(
    systemMessage(3010),
    "The requested operation is successful. Changes will not be effective until the system is" +
      " rebooted.\r\n",
  );
  for (
    const code of [
      1,
      2,
      6,
      8,
      13,
      50,
      87,
      120,
      122,
      183,
      234,
      258,
      351,
      352,
      353,
      995,
      1168,
      1223,
      1355,
      1726,
      3011,
      7007,
      7038,
      7044,
      7045,
      7054,
    ]
  ) {
    assert.match(systemMessage(code), /^[A-Z].*\.\r\n$/, `text of ${code}`);
  }
  assertNoLeaks();
});

Deno.test("FormatMessageW into the caller's buffer: exact fit works, one short is 122", () => {
  useDoubles();
  const k = kernel32();
  const text = "The parameter is incorrect.\r\n";
  const fits = new Uint8Array((text.length + 1) * 2);
  assert.equal(
    k.FormatMessageW(SYSTEM_TEXT, null, 87, 0, fits, text.length + 1, null),
    text.length,
  );
  assert.equal(readWideBuffer(fits, text.length), text);
  const short = new Uint8Array(text.length * 2);
  assert.equal(k.FormatMessageW(SYSTEM_TEXT, null, 87, 0, short, text.length, null), 0);
  assert.equal(k.GetLastError(), 122); // ERROR_INSUFFICIENT_BUFFER
  assertNoLeaks();
});

Deno.test("FormatMessageW for an unknown code fails with ERROR_MR_MID_NOT_FOUND", () => {
  useDoubles();
  const k = kernel32();
  const slot = new BigUint64Array(1);
  const flags = SYSTEM_TEXT | FORMAT_MESSAGE_ALLOCATE_BUFFER;
  assert.equal(k.FormatMessageW(flags, null, 0xdead, 0, new Uint8Array(slot.buffer), 0, null), 0);
  assert.equal(k.GetLastError(), 317);
  assert.equal(slot[0], 0n);
  assertNoLeaks();
});

Deno.test("LocalFree of NULL succeeds; of a foreign pointer returns it with 6", () => {
  useDoubles();
  const k = kernel32();
  assert.equal(k.LocalFree(null), null);
  const foreign = Deno.UnsafePointer.of(new Uint8Array(16));
  const back = k.LocalFree(foreign);
  assert.ok(Deno.UnsafePointer.equals(back, foreign));
  assert.equal(k.GetLastError(), 6); // ERROR_INVALID_HANDLE
  assertNoLeaks();
});

Deno.test("ProcessIdToSessionId maps known pids, fails with 87 for unknown ones", () => {
  useDoubles();
  const k = kernel32();
  doubles.addProcess({ pid: 4242, sessionId: 3, name: "notepad.exe" });
  const session = new Uint32Array(1);
  assert.equal(k.ProcessIdToSessionId(4242, new Uint8Array(session.buffer)), 1);
  assert.equal(session[0], 3);
  doubles.setCurrentSession(5);
  assert.equal(k.ProcessIdToSessionId(k.GetCurrentProcessId(), new Uint8Array(session.buffer)), 1);
  assert.equal(session[0], 5);
  assert.equal(k.ProcessIdToSessionId(999_999, new Uint8Array(session.buffer)), 0);
  assert.equal(k.GetLastError(), 87);
  assert.equal(k.ProcessIdToSessionId(4242, null), 0);
  assert.equal(k.GetLastError(), 87);
  assertNoLeaks();
});

Deno.test("WTSGetActiveConsoleSessionId and GetCurrentProcessId follow the settings", () => {
  useDoubles();
  const k = kernel32();
  assert.equal(k.WTSGetActiveConsoleSessionId(), 1);
  doubles.setConsoleSession(0xffffffff);
  assert.equal(k.WTSGetActiveConsoleSessionId(), 0xffffffff);
  assert.equal(k.GetCurrentProcessId(), Deno.pid);
  doubles.setCurrentPid(777);
  assert.equal(k.GetCurrentProcessId(), 777);
  doubles.reset();
  assert.equal(k.WTSGetActiveConsoleSessionId(), 1);
  assert.equal(k.GetCurrentProcessId(), Deno.pid);
  assertNoLeaks();
});

Deno.test("OpenProcess, GetProcessTimes, QueryFullProcessImageNameW, CloseHandle", () => {
  useDoubles();
  const k = kernel32();
  const created = new Date("2024-03-01T08:00:00Z");
  doubles.addProcess({
    pid: 500,
    sessionId: 1,
    name: "app.exe",
    imagePath: "C:\\Program Files\\App\\app.exe",
    createTime: created,
    userTime: 12_000_000n,
    kernelTime: 3_000_000n,
  });
  const handle = k.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, 500);
  assert.notEqual(handle, null);
  assert.equal(doubles.counters().kernelHandles, 1);
  try {
    const times = new BigUint64Array(4);
    const bytes = new Uint8Array(times.buffer);
    assert.equal(
      k.GetProcessTimes(
        handle,
        bytes.subarray(0, 8),
        bytes.subarray(8, 16),
        bytes.subarray(16, 24),
        bytes.subarray(24, 32),
      ),
      1,
    );
    assert.equal(times[0], BigInt(created.getTime()) * 10_000n + 116_444_736_000_000_000n);
    assert.equal(times[1], 0n); // still running
    assert.equal(times[2], 3_000_000n);
    assert.equal(times[3], 12_000_000n);

    const path = "C:\\Program Files\\App\\app.exe";
    const size = new Uint32Array([path.length + 1]);
    const name = new Uint8Array(size[0]! * 2);
    assert.equal(k.QueryFullProcessImageNameW(handle, 0, name, new Uint8Array(size.buffer)), 1);
    assert.equal(size[0], path.length); // written length, without the NUL
    assert.equal(readWideBuffer(name, size[0]!), path);

    size[0] = path.length; // one short: no room for the NUL
    assert.equal(k.QueryFullProcessImageNameW(handle, 0, name, new Uint8Array(size.buffer)), 0);
    assert.equal(k.GetLastError(), 122);

    const native = new Uint8Array(1024);
    size[0] = 512;
    assert.equal(k.QueryFullProcessImageNameW(handle, 1, native, new Uint8Array(size.buffer)), 1);
    assert.match(readWideBuffer(native, size[0]!), /^\\Device\\HarddiskVolume\d+\\Program Files/);
  } finally {
    assert.equal(k.CloseHandle(handle), 1);
  }
  assertNoLeaks();
});

Deno.test("OpenProcess fails with 5 when denied and 87 for unknown pids", () => {
  useDoubles();
  const k = kernel32();
  doubles.addProcess({ pid: 4, sessionId: 0, name: "System", accessDenied: true });
  assert.equal(k.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, 4), null);
  assert.equal(k.GetLastError(), 5);
  assert.equal(k.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, 123_456), null);
  assert.equal(k.GetLastError(), 87);
  assertNoLeaks();
});

Deno.test("CloseHandle, GetProcessTimes and QueryFullProcessImageNameW reject foreign handles", () => {
  useDoubles();
  const k = kernel32();
  const foreign = Deno.UnsafePointer.of(new Uint8Array(8));
  assert.equal(k.CloseHandle(foreign), 0);
  assert.equal(k.GetLastError(), 6);
  const t = new Uint8Array(8);
  assert.equal(k.GetProcessTimes(foreign, t, t, t, t), 0);
  assert.equal(k.GetLastError(), 6);
  const size = new Uint32Array([260]);
  const name = new Uint8Array(520);
  assert.equal(k.QueryFullProcessImageNameW(foreign, 0, name, new Uint8Array(size.buffer)), 0);
  assert.equal(k.GetLastError(), 6);
  assertNoLeaks();
});

Deno.test("lstrlenW counts UTF-16 units and treats NULL as empty", () => {
  useDoubles();
  const k = kernel32();
  assert.equal(k.lstrlenW(null), 0);
  const text = wide("h\u00e9llo \u{1F600}");
  assert.equal(k.lstrlenW(Deno.UnsafePointer.of(text)), 8); // 6 + a surrogate pair
  assertNoLeaks();
});

Deno.test("injected failures: OpenProcess fails once with the injected code, calls are counted", () => {
  useDoubles();
  const k = kernel32();
  doubles.addProcess({ pid: 600, sessionId: 1, name: "x.exe" });
  doubles.failNext("OpenProcess", 1450);
  assert.equal(k.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, 600), null);
  assert.equal(k.GetLastError(), 1450);
  const handle = k.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, 600);
  assert.notEqual(handle, null);
  assert.equal(k.CloseHandle(handle), 1);
  assert.equal(doubles.calls("OpenProcess"), 2);
  assert.equal(doubles.calls("CloseHandle"), 1);
  assertNoLeaks();
});

Deno.test("assertNoLeaks names an unclosed process handle", () => {
  useDoubles();
  const k = kernel32();
  doubles.addProcess({ pid: 700, sessionId: 1, name: "y.exe" });
  const handle = k.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, 700);
  assert.throws(() => assertNoLeaks(), /kernelHandles=1/);
  assert.equal(k.CloseHandle(handle), 1);
  assertNoLeaks();
});

Deno.test("GetSystemDirectoryW: length without NUL when it fits, size with NUL when not, 0 fails", () => {
  useDoubles();
  const k = kernel32();
  const path = "C:\\WINDOWS\\system32"; // the double's default, as Windows 10/11 spell it
  const fits = new Uint8Array((path.length + 1) * 2);
  assert.equal(k.GetSystemDirectoryW(fits, path.length + 1), path.length);
  assert.equal(readWideBuffer(fits, path.length), path);
  assert.equal(new DataView(fits.buffer).getUint16(path.length * 2, true), 0); // NUL written
  const short = new Uint8Array(path.length * 2).fill(0xaa);
  assert.equal(k.GetSystemDirectoryW(short, path.length), path.length + 1); // needs the NUL too
  assert.ok(short.every((byte) => byte === 0xaa), "a too-small buffer is left alone");
  assert.equal(k.GetSystemDirectoryW(null, 0), path.length + 1);
  doubles.failNext("GetSystemDirectoryW", 5);
  assert.equal(k.GetSystemDirectoryW(fits, path.length + 1), 0);
  assert.equal(k.GetLastError(), 5);
  assertNoLeaks();
});
