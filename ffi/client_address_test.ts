import assert from "node:assert/strict";
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  decodeClientAddress,
  decodeWtsClientAddress,
  formatIpv6,
} from "./client_address.ts";
import { WTS_CLIENT_ADDRESS } from "./layouts.ts";

Deno.test("decodeClientAddress() reads IPv4 at Address[2..5] as Microsoft documents", () => {
  assert.equal(
    decodeClientAddress(AF_INET, new Uint8Array([0, 0, 0xc0, 0xa8, 0, 1, 0, 0])),
    "192.168.0.1",
  );
  assert.equal(decodeClientAddress(AF_INET, new Uint8Array(4)), null);
  assert.equal(decodeClientAddress(AF_UNSPEC, new Uint8Array(20)), null);
  assert.equal(decodeClientAddress(6, /* AF_IPX */ new Uint8Array(20)), null);
});

Deno.test("decodeClientAddress() formats IPv6 canonically (RFC 5952)", () => {
  // As Windows lays it out: Address[0..1] zero, the 16 bytes at Address[2..17] (KB951422).
  const v6 = (...groups: number[]) => {
    const bytes = new Uint8Array(20);
    groups.forEach((group, i) => {
      bytes[2 + 2 * i] = group >> 8;
      bytes[2 + 2 * i + 1] = group & 0xff;
    });
    return bytes;
  };
  assert.equal(decodeClientAddress(AF_INET6, v6(0xffff, 0, 0, 0, 0, 0, 0, 1)), "ffff::1");
  assert.equal(decodeClientAddress(AF_INET6, v6(0, 0, 0, 0, 0, 0, 0, 1)), "::1");
  assert.equal(decodeClientAddress(AF_INET6, v6(0, 0, 0, 0, 0, 0, 0, 0)), "::");
  assert.equal(decodeClientAddress(AF_INET6, v6(0xfe80, 0, 0, 0, 0, 0, 0, 0)), "fe80::");
  assert.equal(
    decodeClientAddress(AF_INET6, v6(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1)),
    "2001:db8:0:1:1:1:1:1",
  );
  assert.equal(
    decodeClientAddress(AF_INET6, v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1)),
    "2001:db8::1:0:0:1",
  );
  assert.equal(
    decodeClientAddress(AF_INET6, v6(0x2001, 0, 0, 1, 0, 0, 0, 1)),
    "2001:0:0:1::1",
  );
  assert.equal(
    decodeClientAddress(AF_INET6, v6(0, 0, 0, 0, 0, 0xffff, 0xc0a8, 0x0001)),
    "::ffff:192.168.0.1",
  );
  assert.equal(
    decodeClientAddress(AF_INET6, v6(0x2001, 0xdb8, 0xabcd, 0x12, 0xffff, 0xa, 0xb, 0xc)),
    "2001:db8:abcd:12:ffff:a:b:c",
  );
});

Deno.test("decodeWtsClientAddress() decodes the WTSClientAddress class", () => {
  const { size, offsets } = WTS_CLIENT_ADDRESS;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(offsets.AddressFamily, AF_INET, true);
  bytes.set([0, 0, 10, 1, 2, 3], offsets.Address);
  assert.deepEqual(decodeWtsClientAddress(bytes), { addressFamily: AF_INET, address: "10.1.2.3" });
  view.setUint32(offsets.AddressFamily, AF_UNSPEC, true);
  assert.deepEqual(decodeWtsClientAddress(bytes), { addressFamily: AF_UNSPEC, address: null });
  assert.throws(() => decodeWtsClientAddress(new Uint8Array(8)), RangeError);
});

Deno.test("decodeClientAddress() reads IPv6 at Address[2..17], as KB951422 and pywin32 #664 show", () => {
  // KB951422's dump of a Server 2008 answer: 17 00 00 00 | 00 00 FE 80 00 00 38 5F E8 4B AC 02 ...
  const kb = new Uint8Array([
    0x00,
    0x00,
    0xfe,
    0x80,
    0,
    0,
    0,
    0,
    0,
    0,
    0x38,
    0x5f,
    0xe8,
    0x4b,
    0xac,
    0x02,
    0xf6,
    0x9c,
    0,
    0,
  ]);
  assert.equal(decodeClientAddress(AF_INET6, kb), "fe80::385f:e84b:ac02:f69c");
  // The doc page's offset 0 would have shown 2001:db8::1 as "0:2001:db8::".
  const v6 = new Uint8Array(20);
  v6.set([0x20, 0x01, 0x0d, 0xb8], 2);
  v6[17] = 1;
  assert.equal(decodeClientAddress(AF_INET6, v6), "2001:db8::1");
  assert.equal(decodeClientAddress(AF_INET6, new Uint8Array(17)), null); // too short for [2..17]
  assert.equal(formatIpv6(v6.subarray(2, 18)), "2001:db8::1");
});
