import assert from "node:assert/strict";
import { messageResponse, messageStyle, sendMessage } from "./messages.ts";
import {
  ERROR_ACCESS_DENIED,
  ERROR_CTX_WINSTATION_NOT_FOUND,
  RPC_S_SERVER_UNAVAILABLE,
  WindowsError,
} from "../ffi/errors.ts";
import { assertNoLeaks, ConnectState, doubles, useDoubles } from "../tests/doubles.ts";
import { NonblockingCallError } from "./_context.ts";

function setUp(): void {
  useDoubles();
  doubles.addSession({ id: 2, winStation: "RDP-Tcp#0", state: ConnectState.Active, user: "al" });
}

function expectWindowsError(code: number): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof WindowsError, `expected a WindowsError, got ${error}`);
    assert.equal(error.code, code);
    return true;
  };
}

Deno.test("messageStyle combines buttons and icon", () => {
  assert.equal(messageStyle(), 0);
  assert.equal(messageStyle("okCancel", "error"), 0x11);
  assert.equal(messageStyle("retryCancel", "information"), 0x45);
  assert.equal(messageStyle("abortRetryIgnore", "warning"), 0x32);
  assert.throws(() => messageStyle("maybe" as never), RangeError);
});

Deno.test("messageResponse maps every documented ID", () => {
  const expected = {
    1: "ok",
    2: "cancel",
    3: "abort",
    4: "retry",
    5: "ignore",
    6: "yes",
    7: "no",
    10: "tryAgain",
    11: "continue",
    32000: "timeout",
    32001: "async",
  } as const;
  for (const [id, name] of Object.entries(expected)) assert.equal(messageResponse(+id), name);
  assert.throws(() => messageResponse(99), RangeError);
});

Deno.test("sendMessage without wait returns async and passes byte lengths", async () => {
  setUp();
  const answer = await sendMessage(2, {
    title: "Maintenance ✓",
    text: "Reboot at 22:00 😀",
    buttons: "yesNo",
    icon: "question",
    timeoutSeconds: 30,
  });
  assert.equal(answer, "async");
  const last = doubles.lastMessage();
  assert.deepEqual(last, {
    count: 1,
    title: "Maintenance ✓",
    text: "Reboot at 22:00 😀",
    style: 0x24,
    timeout: 30,
    wait: false,
  });
  assertNoLeaks();
});

Deno.test("sendMessage with wait returns the user's answer off the main thread", async () => {
  setUp();
  doubles.setMessageResponse(7, 300); // IDNO after 300 ms
  let settled = false;
  const answer = sendMessage(2, { title: "T", text: "Log off?", buttons: "yesNo", wait: true })
    .finally(() => settled = true);
  // Were the call blocking, sendMessage itself would have returned only after the answer.
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(settled, false, "the event loop runs while the box waits");
  assert.equal(await answer, "no");
  assert.equal(doubles.lastMessage().wait, true);
  assertNoLeaks();
});

Deno.test("sendMessage with wait reports a timeout", async () => {
  setUp();
  doubles.setMessageResponse(1, 5000);
  assert.equal(
    await sendMessage(2, { title: "T", text: "x", wait: true, timeoutSeconds: 1 }),
    "timeout",
  );
  assertNoLeaks();
});

Deno.test("sendMessage reports unknown sessions and servers with their real code", async () => {
  setUp();
  await assert.rejects(
    sendMessage(9, { title: "T", text: "x" }),
    expectWindowsError(ERROR_CTX_WINSTATION_NOT_FOUND),
  );
  await assert.rejects(
    sendMessage(9, { title: "T", text: "x", wait: true }),
    expectWindowsError(ERROR_CTX_WINSTATION_NOT_FOUND),
  );
  await assert.rejects(
    sendMessage(2, { server: "nowhere", title: "T", text: "x", wait: true }),
    expectWindowsError(RPC_S_SERVER_UNAVAILABLE),
  );
  doubles.failNext("WTSSendMessageW", ERROR_ACCESS_DENIED);
  await assert.rejects(
    sendMessage(2, { title: "T", text: "x" }),
    expectWindowsError(ERROR_ACCESS_DENIED),
  );
  assert.equal(doubles.lastMessage().count, 0);
  assertNoLeaks();
});

Deno.test("sendMessage with wait never invents a code for a failure on the pool", async () => {
  setUp();
  doubles.failNext("WTSSendMessageW", ERROR_ACCESS_DENIED);
  await assert.rejects(
    sendMessage(2, { title: "T", text: "x", wait: true }),
    (error) => {
      assert.ok(error instanceof NonblockingCallError);
      assert.equal(error.functionName, "WTSSendMessageW");
      assert.match(error.message, /error code is unknown/);
      return true;
    },
  );
  assert.equal(doubles.calls("WTSSendMessageW"), 1, "a message box is never sent twice");
  assertNoLeaks();
});

Deno.test("sendMessage rejects bad input before calling Windows", async () => {
  setUp();
  await assert.rejects(sendMessage(2, { title: "a\0b", text: "x" }), TypeError);
  await assert.rejects(sendMessage(2, { title: "T", text: "x", timeoutSeconds: -1 }), RangeError);
  await assert.rejects(sendMessage(2 ** 32, { title: "T", text: "x" }), RangeError);
  assert.equal(doubles.calls("WTSSendMessageW"), 0);
  assertNoLeaks();
});

Deno.test("sendMessage maps a waited box's answer 0 to timeout (Cassia: some Server builds)", async () => {
  setUp();
  doubles.setMessageResponse(0); // the box "answers" 0 at once
  assert.equal(
    await sendMessage(2, { title: "T", text: "x", wait: true, timeoutSeconds: 1 }),
    "timeout",
  );
  // Without a timeout, 0 cannot be a timeout: it stays an unknown answer.
  await assert.rejects(
    sendMessage(2, { title: "T", text: "x", wait: true }),
    RangeError,
  );
  // The double's timeout path itself answering 0, as those builds do.
  doubles.setMessageResponse(1, 1500);
  doubles.setMessageTimeoutResponse(0);
  assert.equal(
    await sendMessage(2, { title: "T", text: "x", wait: true, timeoutSeconds: 1 }),
    "timeout",
  );
  assertNoLeaks();
});

Deno.test("a waited message that fails says the query before it cannot prove permission", async () => {
  setUp();
  doubles.failNext("WTSSendMessageW", ERROR_ACCESS_DENIED); // WINSTATION_MSG denied
  const error = await sendMessage(2, { title: "T", text: "x", wait: true }).catch((e) => e);
  assert.ok(error instanceof NonblockingCallError, `got ${error}`);
  assert.match(error.message, /Message permission \(WINSTATION_MSG\)/);
  assert.doesNotMatch(error.message, /allowed/);
  assertNoLeaks();
});
