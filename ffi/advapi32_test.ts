// Raw-binding tests of ffi/advapi32.ts against the advapi32 test double: LookupAccountSidW's
// documented buffer protocol and error paths (and its …Async twin), the process token's
// elevation, and no leaked token handle.
import assert from "node:assert/strict";

import { advapi32, kernel32 } from "./load.ts";
import { assertNoLeaks, doubles, useDoubles } from "../tests/doubles.ts";
import { accountDoubles, SidNameUse } from "../tests/doubles_accounts.ts";

const ERROR_INVALID_HANDLE = 6;
const ERROR_INSUFFICIENT_BUFFER = 122;
const ERROR_NONE_MAPPED = 1332;
const RPC_S_SERVER_UNAVAILABLE = 1722;
const TOKEN_QUERY = 0x0008;
const TokenElevation = 20;
const CURRENT_PROCESS = Deno.UnsafePointer.create(0xffff_ffff_ffff_ffffn);

/** S-1-5-21-1-2-3-1001 as binary. */
const ALICE = new Uint8Array([
  1,
  5,
  0,
  0,
  0,
  0,
  0,
  5,
  21,
  0,
  0,
  0,
  1,
  0,
  0,
  0,
  2,
  0,
  0,
  0,
  3,
  0,
  0,
  0,
  0xe9,
  3,
  0,
  0,
]);

function wide(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array((text.length + 1) * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < text.length; i++) view.setUint16(i * 2, text.charCodeAt(i), true);
  return out;
}

function unwide(bytes: Uint8Array, units: number): string {
  return String.fromCharCode(...new Uint16Array(bytes.buffer, bytes.byteOffset, units));
}

function setup(): void {
  useDoubles();
  accountDoubles.add({ sid: "S-1-5-21-1-2-3-1001", domain: "CONTOSO", name: "alice" });
}

function lookup(system: Uint8Array<ArrayBuffer> | null, nameUnits: number, domainUnits: number) {
  const name = new Uint8Array(nameUnits * 2);
  const domain = new Uint8Array(domainUnits * 2);
  const counts = new Uint32Array([nameUnits, domainUnits, 0xcafe]);
  const bytes = new Uint8Array(counts.buffer);
  const ok = advapi32().LookupAccountSidW(
    system,
    ALICE,
    nameUnits ? name : null,
    bytes.subarray(0, 4),
    domainUnits ? domain : null,
    bytes.subarray(4, 8),
    bytes.subarray(8, 12),
  );
  return { ok, error: ok ? 0 : kernel32().GetLastError(), name, domain, counts };
}

Deno.test("LookupAccountSidW: success gives the lengths without the NUL and the SID_NAME_USE", () => {
  setup();
  const r = lookup(null, 64, 64);
  assert.equal(r.ok, 1);
  assert.equal(r.counts[0], 5);
  assert.equal(r.counts[1], 7);
  assert.equal(unwide(r.name, 5), "alice");
  assert.equal(unwide(r.domain, 7), "CONTOSO");
  assert.equal(r.counts[2], SidNameUse.User);
  assertNoLeaks();
});

Deno.test("LookupAccountSidW: too-small buffers ask for the sizes including the NUL", () => {
  setup();
  const small = lookup(null, 1, 64);
  assert.equal(small.ok, 0);
  assert.equal(small.error, ERROR_INSUFFICIENT_BUFFER);
  assert.deepEqual([small.counts[0], small.counts[1]], [6, 8]);
  const none = lookup(null, 0, 0);
  assert.equal(none.error, ERROR_INSUFFICIENT_BUFFER);
  assert.deepEqual([none.counts[0], none.counts[1], none.counts[2]], [6, 8, 0xcafe]);
  const exact = lookup(null, 6, 8);
  assert.equal(exact.ok, 1);
  assert.equal(doubles.calls("LookupAccountSidW"), 3);
});

Deno.test("LookupAccountSidW: an unmapped SID is ERROR_NONE_MAPPED, an unknown server RPC_S_SERVER_UNAVAILABLE", () => {
  useDoubles();
  assert.equal(lookup(null, 64, 64).error, ERROR_NONE_MAPPED);
  assert.equal(lookup(wide("nowhere"), 64, 64).error, RPC_S_SERVER_UNAVAILABLE);
  accountDoubles.addServer("rdsh01");
  assert.equal(lookup(wide("\\\\RDSH01"), 64, 64).error, ERROR_NONE_MAPPED);
  assert.equal(accountDoubles.calls("rdsh01"), 1);
  assert.equal(accountDoubles.calls("nowhere"), 1);
  assert.equal(accountDoubles.calls(), 1);
});

Deno.test("LookupAccountSidWAsync: the nonblocking twin gives the same answer", async () => {
  setup();
  const name = new Uint8Array(128);
  const domain = new Uint8Array(128);
  const counts = new Uint32Array([64, 64, 0]);
  const bytes = new Uint8Array(counts.buffer);
  const ok = await advapi32().LookupAccountSidWAsync(
    null,
    ALICE,
    name,
    bytes.subarray(0, 4),
    domain,
    bytes.subarray(4, 8),
    bytes.subarray(8, 12),
  );
  assert.equal(ok, 1);
  assert.equal(unwide(name, counts[0]!), "alice");
});

function elevation(): { ok: number; error: number; elevated: number } {
  const slot = new BigUint64Array(1);
  assert.equal(
    advapi32().OpenProcessToken(CURRENT_PROCESS, TOKEN_QUERY, new Uint8Array(slot.buffer)),
    1,
  );
  const token = Deno.UnsafePointer.create(slot[0]!);
  try {
    const info = new Uint32Array([0xffff]);
    const returned = new Uint32Array(1);
    const ok = advapi32().GetTokenInformation(
      token,
      TokenElevation,
      new Uint8Array(info.buffer),
      4,
      new Uint8Array(returned.buffer),
    );
    assert.equal(returned[0], 4);
    return { ok, error: ok ? 0 : kernel32().GetLastError(), elevated: info[0]! };
  } finally {
    assert.equal(kernel32().CloseHandle(token), 1);
  }
}

Deno.test("OpenProcessToken + GetTokenInformation(TokenElevation): the seeded flag; the token closes", () => {
  useDoubles();
  assert.deepEqual(elevation(), { ok: 1, error: 0, elevated: 0 });
  accountDoubles.setElevated(true);
  assert.deepEqual(elevation(), { ok: 1, error: 0, elevated: 1 });
  assertNoLeaks();
});

Deno.test("OpenProcessToken: an unclosed token shows as a kernel handle; a closed one cannot close again", () => {
  useDoubles();
  const slot = new BigUint64Array(1);
  assert.equal(
    advapi32().OpenProcessToken(CURRENT_PROCESS, TOKEN_QUERY, new Uint8Array(slot.buffer)),
    1,
  );
  assert.equal(doubles.counters().kernelHandles, 1);
  const token = Deno.UnsafePointer.create(slot[0]!);
  assert.equal(kernel32().CloseHandle(token), 1);
  assert.equal(kernel32().CloseHandle(token), 0);
  assert.equal(kernel32().GetLastError(), ERROR_INVALID_HANDLE);
  assert.equal(advapi32().OpenProcessToken(null, TOKEN_QUERY, new Uint8Array(slot.buffer)), 0);
  assert.equal(kernel32().GetLastError(), ERROR_INVALID_HANDLE);
  assertNoLeaks();
});

Deno.test("OpenProcessToken on an OpenProcess handle + TokenUser: the process's SID after TOKEN_USER", () => {
  useDoubles();
  doubles.addProcess({ pid: 900, sessionId: 2, name: "x.exe", sid: "S-1-5-21-1-2-3-1001" });
  doubles.addProcess({ pid: 901, sessionId: 2, name: "p.exe", sid: "S-1-5-18", tokenDenied: true });
  const process = kernel32().OpenProcess(0x1000, 0, 900); // PROCESS_QUERY_LIMITED_INFORMATION
  const slot = new BigUint64Array(1);
  try {
    assert.equal(advapi32().OpenProcessToken(process, TOKEN_QUERY, new Uint8Array(slot.buffer)), 1);
    const token = Deno.UnsafePointer.create(slot[0]!);
    try {
      const returned = new Uint32Array(1);
      const short = new BigUint64Array(2);
      assert.equal(
        advapi32().GetTokenInformation(token, 1, new Uint8Array(short.buffer), 16, returned),
        0,
      );
      assert.equal(kernel32().GetLastError(), ERROR_INSUFFICIENT_BUFFER);
      assert.equal(returned[0], 16 + ALICE.length);
      const info = new BigUint64Array(11);
      const bytes = new Uint8Array(info.buffer);
      assert.equal(advapi32().GetTokenInformation(token, 1, bytes, bytes.length, returned), 1);
      // User.Sid points at the SID stored right after the 16-byte TOKEN_USER.
      assert.equal(info[0], BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes))) + 16n);
      assert.deepEqual([...bytes.subarray(16, 16 + ALICE.length)], [...ALICE]);
    } finally {
      assert.equal(kernel32().CloseHandle(Deno.UnsafePointer.create(slot[0]!)), 1);
    }
  } finally {
    kernel32().CloseHandle(process);
  }
  const denied = kernel32().OpenProcess(0x1000, 0, 901);
  try {
    assert.notEqual(denied, null);
    assert.equal(advapi32().OpenProcessToken(denied, TOKEN_QUERY, new Uint8Array(slot.buffer)), 0);
    assert.equal(kernel32().GetLastError(), 5); // ERROR_ACCESS_DENIED
  } finally {
    kernel32().CloseHandle(denied);
  }
  const noQuery = kernel32().OpenProcess(0x0001, 0, 900); // PROCESS_TERMINATE only
  try {
    assert.equal(advapi32().OpenProcessToken(noQuery, TOKEN_QUERY, new Uint8Array(slot.buffer)), 0);
    assert.equal(kernel32().GetLastError(), 5);
  } finally {
    kernel32().CloseHandle(noQuery);
  }
  assertNoLeaks();
});
