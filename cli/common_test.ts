import assert from "node:assert/strict";
import {
  CliError,
  collect,
  confirm,
  ExitCode,
  formatTable,
  humanBytes,
  humanDuration,
  humanTime,
  parseDurationOption,
  parseDword,
  parseSeconds,
  parseSecondsOption,
  printJson,
} from "./common.ts";
import { describeFailure } from "./_failure.ts";
import { main, VERSION } from "./main.ts";
import {
  LibraryLoadError,
  NonblockingCallError,
  PathNotFoundError,
  ServerTimeoutError,
  TargetChangedError,
  WindowsError,
} from "../ffi/errors.ts";
import { pathFailure } from "./_rm_common.ts";
import { namingServer } from "./_session_format.ts";
import { recordingIO } from "./_testing.ts";

Deno.test("parseDword accepts 0 and 2^32 - 1, trims spaces", () => {
  assert.equal(parseDword("0", "session id"), 0);
  assert.equal(parseDword(" 42 ", "session id"), 42);
  assert.equal(parseDword("4294967295", "session id"), 0xffffffff);
});

Deno.test("parseDword rejects negative, fractional, hex, empty and too large ids as usage errors", () => {
  for (
    const text of ["-1", "1.5", "0x10", "", " ", "abc", "4294967296", "1e3", "99999999999999999999"]
  ) {
    assert.throws(() => parseDword(text, "session id"), (error: unknown) => {
      assert.ok(error instanceof CliError);
      assert.equal(error.exitCode, ExitCode.Usage);
      assert.match(error.message, /^session id must be a whole number from 0 to 4294967295/);
      return true;
    }, text);
  }
});

Deno.test("parseSeconds accepts non-negative numbers and rejects the rest", () => {
  assert.equal(parseSeconds("0"), 0);
  assert.equal(parseSeconds("2.5"), 2.5);
  for (const text of ["", "-1", "abc", "Infinity", "NaN", "0x10", "1e3", "2147484"]) {
    assert.throws(() => parseSeconds(text, "--timeout"), /--timeout must be a number of seconds/);
  }
});

Deno.test("parseSecondsOption: plain decimals within the timer's range, the option named", () => {
  assert.equal(parseSecondsOption("2.5", "--timeout"), 2.5);
  assert.equal(parseSecondsOption(" 10 ", "--timeout"), 10);
  assert.equal(parseSecondsOption(".5", "--timeout"), 0.5);
  assert.equal(parseSecondsOption("2147483.647", "--timeout") * 1000, 2 ** 31 - 1);
  for (const text of ["0", "-1", "0x10", "1e3", "abc", "", "Infinity", "2147483.648", "1,5"]) {
    assert.throws(
      () => parseSecondsOption(text, "--wait-timeout"),
      (error: unknown) =>
        error instanceof CliError && error.exitCode === ExitCode.Usage &&
        error.message.startsWith("--wait-timeout must be a number of seconds from 0.001"),
      text,
    );
  }
  assert.equal(parseSecondsOption("0", "--timeout", { allowZero: true, integer: true }), 0);
  assert.throws(() => parseSecondsOption("1.5", "--timeout", { integer: true }), /whole number/);
});

Deno.test("describeFailure: a changed target is exit 7 with its own message", () => {
  const error = new TargetChangedError("session 2", [
    { field: "user", expected: "bob", actual: "carol" },
  ]);
  assert.deepEqual(describeFailure(error), {
    message:
      "session 2 changed since it was looked up (user was bob, is now carol): nothing was done",
    exitCode: 7,
  });
});

Deno.test("collect accumulates repeated options", () => {
  assert.deepEqual(collect("a", undefined), ["a"]);
  assert.deepEqual(collect("b", ["a"]), ["a", "b"]);
});

Deno.test("formatTable aligns columns, right-aligns numbers and trims trailing spaces", () => {
  const rows = [{ name: "alice", id: 2 }, { name: "bob", id: 10 }];
  const text = formatTable(rows, [
    { header: "USER", cell: (r) => r.name },
    { header: "ID", cell: (r) => String(r.id), right: true },
    { header: "NOTE", cell: () => "" },
  ]);
  assert.equal(text, "USER   ID  NOTE\nalice   2\nbob    10\n");
});

Deno.test("formatTable with no rows prints the header only", () => {
  assert.equal(formatTable([], [{ header: "A", cell: () => "" }]), "A\n");
});

Deno.test("printJson writes indented JSON with ISO dates and bigint strings", () => {
  const io = recordingIO();
  printJson(io, { at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), big: 1n << 64n });
  assert.deepEqual(JSON.parse(io.stdout), {
    at: "2026-01-02T03:04:05.000Z",
    big: "18446744073709551616",
  });
  assert.ok(io.stdout.endsWith("}\n"));
});

Deno.test("humanDuration shows at most two units", () => {
  assert.equal(humanDuration(0), "0s");
  assert.equal(humanDuration(45_000), "45s");
  assert.equal(humanDuration(3 * 3600_000 + 12 * 60_000 + 5_000), "3h 12m");
  assert.equal(humanDuration(2 * 86400_000 + 4 * 3600_000), "2d 4h");
  assert.equal(humanDuration(60_000), "1m");
  assert.equal(humanDuration(null), "");
  assert.equal(humanDuration(undefined), "");
  assert.equal(humanDuration(-5), "");
  assert.equal(humanDuration(Number.NaN), "");
});

Deno.test("humanBytes uses binary units", () => {
  assert.equal(humanBytes(0), "0 B");
  assert.equal(humanBytes(512), "512 B");
  assert.equal(humanBytes(1536), "1.5 KB");
  assert.equal(humanBytes(200 * 1024 * 1024), "200 MB");
  assert.equal(humanBytes(null), "");
});

Deno.test("humanTime is local minutes, empty for null", () => {
  assert.equal(humanTime(new Date(2026, 10, 22, 14, 5, 59)), "2026-11-22 14:05");
  assert.equal(humanTime(null), "");
});

Deno.test("confirm: --yes skips the question", async () => {
  const io = recordingIO();
  await confirm(io, "Log off session 2?", true);
  assert.deepEqual(io.questions, []);
});

Deno.test("confirm: without a terminal it refuses, naming the action and --yes", async () => {
  const io = recordingIO({ interactive: false });
  await assert.rejects(confirm(io, "Log off session 2?", undefined), (error: unknown) => {
    assert.ok(error instanceof CliError);
    assert.equal(error.exitCode, ExitCode.NotConfirmed);
    assert.match(error.message, /Log off session 2\?/);
    assert.match(error.message, /--yes/);
    return true;
  });
  assert.deepEqual(io.questions, []);
});

Deno.test("confirm: on a terminal y/yes proceeds, anything else or EOF cancels", async () => {
  for (const answer of ["y", "Y", "yes", " YES "]) {
    const io = recordingIO({ interactive: true, answers: [answer] });
    await confirm(io, "Kill it?", false);
    assert.deepEqual(io.questions, ["Kill it? [y/N]"]);
  }
  for (const answer of ["n", "", "yep", null]) {
    const io = recordingIO({ interactive: true, answers: [answer] });
    await assert.rejects(confirm(io, "Kill it?", false), (error: unknown) => {
      assert.ok(error instanceof CliError);
      assert.equal(error.exitCode, ExitCode.NotConfirmed);
      return true;
    });
  }
});

Deno.test("describeFailure maps errors to one line and the documented exit code", () => {
  const windows = new WindowsError("WTSLogoffSession", 5, "Access is denied.");
  assert.deepEqual(describeFailure(windows), {
    message: "WTSLogoffSession failed: ERROR_ACCESS_DENIED (5): Access is denied.",
    exitCode: ExitCode.WindowsError,
  });
  assert.equal(describeFailure(new CliError("bad", ExitCode.Usage)).exitCode, ExitCode.Usage);
  assert.equal(
    describeFailure(new Deno.errors.NotCapable("needs --allow-ffi")).exitCode,
    ExitCode.Permission,
  );
  assert.equal(
    describeFailure(new Deno.errors.PermissionDenied("denied")).exitCode,
    ExitCode.Permission,
  );
  assert.equal(
    describeFailure(new Deno.errors.NotSupported("needs Windows")).exitCode,
    ExitCode.Unsupported,
  );
  assert.equal(
    describeFailure(new LibraryLoadError("x.dll", "gone")).exitCode,
    ExitCode.Unsupported,
  );
  assert.equal(describeFailure(new TypeError("text contains a NUL")).exitCode, ExitCode.Usage);
  assert.deepEqual(describeFailure("odd"), { message: "odd", exitCode: ExitCode.WindowsError });
});

Deno.test("main: --version prints the version and deno.json agrees", async () => {
  const io = recordingIO();
  assert.equal(await main(["--version"], io), ExitCode.Ok);
  assert.equal(io.stdout.trim(), VERSION);
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.equal(config.version, VERSION);
});

Deno.test("main: --help exits 0 and lists the session commands", async () => {
  const io = recordingIO();
  assert.equal(await main(["--help"], io), ExitCode.Ok);
  for (const name of ["sessions", "session", "disconnect", "logoff", "message", "processes"]) {
    assert.match(io.stdout, new RegExp(`\\b${name}\\b`));
  }
});

Deno.test("main: unknown command and unknown option are usage errors on stderr", async () => {
  let io = recordingIO();
  assert.equal(await main(["sesions"], io), ExitCode.Usage);
  assert.match(io.stderr, /^winsession: unknown command 'sesions'/);
  assert.match(io.stderr, /sessions/); // the suggestion
  assert.equal(io.stdout, "");
  io = recordingIO();
  assert.equal(await main(["sessions", "--bogus"], io), ExitCode.Usage);
  assert.match(io.stderr, /unknown option '--bogus'/);
});

Deno.test("parseDurationOption: whole numbers with s/m/h/d units, combined; others refused naming the option", () => {
  assert.equal(parseDurationOption("90s", "--idle"), 90_000);
  assert.equal(parseDurationOption("30m", "--idle"), 1_800_000);
  assert.equal(parseDurationOption(" 2H ", "--idle"), 7_200_000);
  assert.equal(parseDurationOption("1d", "--idle"), 86_400_000);
  assert.equal(parseDurationOption("1h30m", "--idle"), 5_400_000);
  assert.equal(parseDurationOption("0s", "--idle"), 0);
  for (const bad of ["30", "1.5h", "-1m", "1w", "h", "1h 30m", "0x10s", "36501d"]) {
    assert.throws(() => parseDurationOption(bad, "--idle"), (error: unknown) => {
      assert.ok(error instanceof CliError);
      assert.equal(error.exitCode, ExitCode.Usage);
      assert.match(error.message, /^--idle must be a duration/);
      return true;
    }, bad);
  }
});

Deno.test("errors are recognised by class, not by their text", () => {
  // A load failure is "unsupported" whatever its message says.
  const load = new LibraryLoadError("/nowhere/wtsapi32.so", "cannot open shared object file");
  assert.equal(describeFailure(load).exitCode, ExitCode.Unsupported);
  // A missing path is a usage error; a NotFound of any other origin is not rewritten.
  assert.throws(
    () => pathFailure(new PathNotFoundError("D:\\gone")),
    (error: unknown) => error instanceof CliError && error.exitCode === ExitCode.Usage,
  );
  const other = new Deno.errors.NotFound("something else");
  assert.throws(() => pathFailure(other), (error: unknown) => error === other);
  // Errors that carry their server are not prefixed with it again; others are.
  const late = new ServerTimeoutError("rdsh01", 5000);
  assert.equal(namingServer("rdsh01", late), late);
  const pool = new NonblockingCallError("WTSSendMessageW", "rdsh01", 1500, "why");
  assert.equal(namingServer("rdsh01", pool), pool);
  const named = namingServer("rdsh01", new WindowsError("WTSOpenServerW", 1722, "down"));
  assert.ok(named instanceof CliError);
  assert.equal(
    named.message,
    "rdsh01: WTSOpenServerW failed: RPC_S_SERVER_UNAVAILABLE (1722): down",
  );
  // A message that merely starts with the server's name is no longer taken as naming it.
  const lookalike = namingServer("rdsh01", new Error("rdsh01 is mentioned but not as a server"));
  assert.ok(lookalike instanceof CliError);
});
