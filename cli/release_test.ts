import assert from "node:assert/strict";
import { join } from "node:path";

import { ExitCode } from "./common.ts";
import { main } from "./main.ts";
import { doubles, useDoubles } from "../tests/doubles.ts";
import { rmDoubles } from "../tests/doubles_rm.ts";
import { recordingIO } from "./_testing.ts";
import { addProcess, cliTest } from "../rm/_testing.ts";

useDoubles();

cliTest("release --dry-run: lists, closes nothing, exit 10 (0 when free)", async (dir) => {
  addProcess(401);
  rmDoubles.lock(join(dir, "a.txt"), 401);
  let io = recordingIO();
  assert.equal(await main(["release", "--dry-run", join(dir, "a.txt")], io), ExitCode.Locked);
  assert.match(io.stdout, /401\s+App 401/);
  assert.equal(doubles.processAlive(401), true);
  assert.equal(doubles.calls("RmShutdown"), 0);
  io = recordingIO();
  assert.equal(await main(["release", "--dry-run", join(dir, "b.txt")], io), ExitCode.Ok);
});

cliTest("release without --yes and without a terminal refuses (exit 5)", async (dir) => {
  addProcess(501);
  rmDoubles.lock(join(dir, "a.txt"), 501);
  const io = recordingIO({ interactive: false });
  assert.equal(await main(["release", join(dir, "a.txt")], io), ExitCode.NotConfirmed);
  assert.match(io.stderr, /pass --yes/);
  assert.equal(doubles.processAlive(501), true);
});

cliTest("release: a declined prompt does nothing; yes closes with percent lines", async (dir) => {
  addProcess(601);
  addProcess(602);
  rmDoubles.lock(join(dir, "a.txt"), 601);
  rmDoubles.lock(join(dir, "a.txt"), 602);
  let io = recordingIO({ interactive: true, answers: ["n"] });
  assert.equal(await main(["release", join(dir, "a.txt")], io), ExitCode.NotConfirmed);
  assert.match(io.questions[0]!, /Close these 2 processes\?/);
  assert.equal(doubles.processAlive(601), true);
  io = recordingIO({ interactive: true, answers: ["y"] });
  assert.equal(await main(["release", join(dir, "a.txt")], io), ExitCode.Ok);
  assert.equal(doubles.processAlive(601), false);
  assert.equal(doubles.processAlive(602), false);
  assert.match(io.stderr, /Closing: 50%\nClosing: 100%\n/);
  assert.match(io.stdout, /Closed 2 processes\./);
});

cliTest(
  "release --yes --restart on a colour terminal: progress bars, then restarted",
  async (dir) => {
    addProcess(701);
    rmDoubles.lock(join(dir, "a.txt"), 701);
    // The bar is drawn on stderr, so stderr is the colour terminal; stdout is piped.
    const io = recordingIO({ errColor: true });
    assert.equal(
      await main(["release", "--yes", "--restart", join(dir, "a.txt")], io),
      ExitCode.Ok,
    );
    assert.match(io.stderr, /\rClosing \[#{30}\] 100%\n/);
    assert.match(io.stderr, /\rRestarting \[#{30}\] 100%\n/);
    assert.match(io.stdout, /Closed 1 process\.\nRestarted 1 process\.\n/);
  },
);

cliTest(
  "release: stdout a colour terminal but stderr piped: percent lines on stderr, no bar",
  async (dir) => {
    addProcess(702);
    rmDoubles.lock(join(dir, "a.txt"), 702);
    const io = recordingIO({ color: true, errColor: false });
    assert.equal(await main(["release", "--yes", join(dir, "a.txt")], io), ExitCode.Ok);
    assert.match(io.stderr, /Closing: 100%\n/);
    assert.doesNotMatch(io.stderr, /\r|\[#/);
    assert.match(io.stdout, /Closed 1 process\./);
  },
);

cliTest(
  "release: a process that will not close → ERROR_FAIL_SHUTDOWN, named; --force closes it",
  async (dir) => {
    addProcess(801, { refuseShutdown: true });
    rmDoubles.lock(join(dir, "a.txt"), 801);
    let io = recordingIO();
    assert.equal(await main(["release", "--yes", join(dir, "a.txt")], io), ExitCode.WindowsError);
    assert.match(io.stderr, /did not close \(try --force\)/);
    assert.match(io.stderr, /801\s+App 801.*ErrorOnStop/);
    assert.match(io.stderr, /winsession: RmShutdown failed: ERROR_FAIL_SHUTDOWN \(351\)/);
    io = recordingIO();
    assert.equal(await main(["release", "--yes", "--force", join(dir, "a.txt")], io), ExitCode.Ok);
    assert.equal(doubles.processAlive(801), false);
  },
);

cliTest(
  "release: a reboot is needed → exit 12, the reasons printed once, nothing closed",
  async (dir) => {
    addProcess(901);
    addProcess(902);
    rmDoubles.lock(join(dir, "a.txt"), 901);
    rmDoubles.lock(join(dir, "a.txt"), 902);
    rmDoubles.setRebootReasons(0x4 | 0x8);
    let io = recordingIO();
    assert.equal(await main(["release", "--yes", join(dir, "a.txt")], io), ExitCode.RebootRequired);
    // Once for the files, not once per process.
    assert.equal(io.stderr.match(/A reboot is needed/g)?.length, 1);
    assert.equal(io.stderr.match(/CriticalProcess/g)?.length, 1);
    assert.match(io.stderr, /\n\s+CriticalService: /);
    assert.match(
      io.stderr,
      /winsession: a reboot is needed to replace the files: the Restart Manager closed nothing \(RmShutdown: ERROR_FAIL_NOACTION_REBOOT \(350\)\)/,
    );
    assert.equal(doubles.processAlive(901), true);
    assert.equal(doubles.processAlive(902), true);
    io = recordingIO();
    assert.equal(await main(["release", "--yes", "--json", join(dir, "a.txt")], io), 12);
    const document = JSON.parse(io.stdout);
    assert.equal(document.rebootRequired, true);
    assert.deepEqual(document.plan.rebootReasons, ["CriticalProcess", "CriticalService"]);
    assert.equal(document.outcome.rebootRequired, true);
    assert.deepEqual(document.outcome.closed, []);
    assert.equal(document.leftClosed, false);
  },
);

cliTest("release: Ctrl+C mid-shutdown names what it left closed, exit 11", async (dir) => {
  for (const pid of [1001, 1002, 1003, 1004, 1005]) {
    addProcess(pid);
    rmDoubles.lock(join(dir, "a.txt"), pid);
  }
  // Aborting from the progress line after the first process; 1002 does not close until the
  // cancel (issued on the FFI pool) arrives, so the shutdown stops there: no delay, no timing.
  rmDoubles.hangOn(1002);
  const controller = new AbortController();
  const io = recordingIO();
  const originalErr = io.err;
  io.err = (text) => {
    originalErr(text);
    if (/Closing: 20%/.test(text)) controller.abort();
  };
  const code = await main(["release", "--yes", join(dir, "a.txt")], io, {
    signal: controller.signal,
  });
  assert.equal(code, ExitCode.ProgramsLeftClosed);
  assert.equal(doubles.processAlive(1001), false);
  for (const pid of [1002, 1003, 1004, 1005]) assert.equal(doubles.processAlive(pid), true);
  assert.match(io.stderr, /After the shutdown attempt:\n/);
  assert.match(io.stderr, /1001\s+App 1001.*Stopped\s+closed\n/);
  assert.match(io.stderr, /1005\s+App 1005.*Running\s+running\n/);
  assert.match(
    io.stderr,
    /winsession: interrupted; 1 process left closed: 1001 App 1001 \(start them again yourself, or use --restart next time\)\n$/,
  );
  assert.equal(doubles.calls("RmRestart"), 0);
});

cliTest("release --dry-run: the plan; the counters prove nothing was closed", async (dir) => {
  addProcess(1101);
  rmDoubles.lock(join(dir, "sub", "c.txt"), 1101);
  const io = recordingIO();
  assert.equal(await main(["release", "-n", "-r", dir], io), ExitCode.Locked);
  assert.match(io.stdout, /1101\s+App 1101/);
  assert.match(io.stdout, /Dry run: nothing was closed \(3 files checked\)/);
  assert.equal(doubles.calls("RmShutdown"), 0);
  assert.equal(doubles.calls("RmRestart"), 0);
  assert.equal(doubles.calls("RmAddFilter"), 0);
  assert.equal(doubles.processAlive(1101), true);
  assert.deepEqual(io.questions, []);
});

cliTest('locks "" and release "" -r --yes: rejected (exit 2), nothing opened', async (dir) => {
  addProcess(1201);
  rmDoubles.lock(join(dir, "a.txt"), 1201);
  for (const args of [["locks", ""], ["release", "", "--recursive", "--yes"], ["locks", "  "]]) {
    const io = recordingIO({ cwd: dir });
    assert.equal(await main(args, io), ExitCode.Usage, args.join(" "));
    assert.match(io.stderr, /^winsession: an empty path names no file or folder .*"\."/);
    assert.equal(io.stderr.split("\n").length, 2);
  }
  assert.equal(doubles.calls("RmStartSession"), 0);
  assert.equal(doubles.processAlive(1201), true);
});

cliTest("a 40,000-character path: exit 2 and a shortened echo", async (dir) => {
  const long = join(dir, "x".repeat(40_000));
  for (const command of ["locks", "release"]) {
    const io = recordingIO();
    assert.equal(
      await main([command, long, "--yes"].slice(0, command === "locks" ? 2 : 3), io),
      ExitCode.Usage,
    );
    assert.match(
      io.stderr,
      /longer than Windows allows \(\d+ > 32767 characters\): .*…x{30} \(\d+ characters\)\n$/,
    );
    assert.ok(io.stderr.length < 300, `echo of ${io.stderr.length} characters`);
  }
  assert.equal(doubles.calls("RmStartSession"), 0);
});

cliTest("release of the root folder needs --allow-protected-folder besides --yes", async () => {
  const io = recordingIO();
  assert.equal(await main(["release", "-r", "--yes", "/"], io), ExitCode.NotConfirmed);
  assert.match(
    io.stderr,
    /^winsession: refusing to release (\/ is the root folder|[A-Z]:\\ is a drive root): .*pass --allow-protected-folder as well as --yes/,
  );
  assert.equal(doubles.calls("RmStartSession"), 0);
});

cliTest("release's question says how many files a folder expanded to", async (dir) => {
  addProcess(1301);
  rmDoubles.lock(join(dir, "b.txt"), 1301);
  const io = recordingIO({ interactive: true, answers: ["n"], cwd: dir });
  assert.equal(await main(["release", "-r", "."], io), ExitCode.NotConfirmed);
  assert.match(io.questions[0]!, /^Close this process — \. is a folder of 3 files\? \[y\/N\]$/);
  assert.equal(doubles.processAlive(1301), true);
});

cliTest("release --restart: Ctrl+C mid-shutdown restarts what closed, exit 130", async (dir) => {
  for (const pid of [1401, 1402, 1403]) {
    addProcess(pid);
    rmDoubles.lock(join(dir, "a.txt"), pid);
  }
  rmDoubles.hangOn(1402); // the cancel, issued on the FFI pool, lands while 1402 will not close
  const controller = new AbortController();
  const io = recordingIO();
  const originalErr = io.err;
  io.err = (text) => {
    originalErr(text);
    if (/Closing: 33%/.test(text)) controller.abort();
  };
  const code = await main(["release", "--yes", "--restart", join(dir, "a.txt")], io, {
    signal: controller.signal,
  });
  assert.equal(code, ExitCode.Interrupted);
  for (const pid of [1401, 1402, 1403]) assert.equal(doubles.processAlive(pid), true);
  assert.equal(doubles.calls("RmRestart"), 1);
  assert.match(io.stderr, /1401\s+App 1401.*Restarted\s+restarted\n/);
  assert.match(
    io.stderr,
    /winsession: interrupted: the shutdown was cancelled; 1 process closed and restarted, none left closed\n$/,
  );
});

cliTest("release: a 351 partial shutdown names what it closed (exit 11)", async (dir) => {
  addProcess(1501);
  addProcess(1502, { refuseShutdown: true });
  rmDoubles.lock(join(dir, "a.txt"), 1501);
  rmDoubles.lock(join(dir, "a.txt"), 1502);
  const io = recordingIO();
  assert.equal(
    await main(["release", "--yes", join(dir, "a.txt")], io),
    ExitCode.ProgramsLeftClosed,
  );
  assert.equal(doubles.processAlive(1501), false);
  assert.equal(doubles.processAlive(1502), true);
  assert.match(io.stderr, /did not close \(try --force\):\n.*\n\s*1502\s+App 1502.*ErrorOnStop/);
  assert.match(io.stderr, /1501\s+App 1501.*closed\n/);
  assert.match(
    io.stderr,
    /winsession: RmShutdown failed: ERROR_FAIL_SHUTDOWN \(351\).*; 1 process left closed: 1501 App 1501/,
  );
});

cliTest(
  "release --restart after a 351: restarts what closed, exit 1 naming the error",
  async (dir) => {
    addProcess(1601);
    addProcess(1602, { refuseShutdown: true });
    rmDoubles.lock(join(dir, "a.txt"), 1601);
    rmDoubles.lock(join(dir, "a.txt"), 1602);
    const io = recordingIO();
    assert.equal(
      await main(["release", "--yes", "--restart", join(dir, "a.txt")], io),
      ExitCode.WindowsError,
    );
    assert.equal(doubles.processAlive(1601), true);
    assert.match(
      io.stderr,
      /ERROR_FAIL_SHUTDOWN \(351\).*; 1 process closed and restarted, none left closed\n$/,
    );
  },
);

cliTest(
  "release --restart --no-restart-on-failure after a 351 leaves them closed (exit 11)",
  async (dir) => {
    addProcess(1701);
    addProcess(1702, { refuseShutdown: true });
    rmDoubles.lock(join(dir, "a.txt"), 1701);
    rmDoubles.lock(join(dir, "a.txt"), 1702);
    const io = recordingIO();
    assert.equal(
      await main(
        ["release", "--yes", "--restart", "--no-restart-on-failure", join(dir, "a.txt")],
        io,
      ),
      ExitCode.ProgramsLeftClosed,
    );
    assert.equal(doubles.calls("RmRestart"), 0);
    assert.equal(doubles.processAlive(1701), false);
    assert.match(
      io.stderr,
      /1 process left closed: 1701 App 1701 \(start them again yourself\)\n$/,
    );
  },
);

cliTest("release --restart: a program that cannot be restarted is named, exit 11", async (dir) => {
  addProcess(1801);
  addProcess(1802, { restartable: false });
  rmDoubles.lock(join(dir, "a.txt"), 1801);
  rmDoubles.lock(join(dir, "a.txt"), 1802);
  const io = recordingIO();
  assert.equal(
    await main(["release", "--yes", "--restart", join(dir, "a.txt")], io),
    ExitCode.ProgramsLeftClosed,
  );
  assert.equal(doubles.processAlive(1801), true);
  assert.equal(doubles.processAlive(1802), false);
  assert.match(io.stdout, /Closed 2 processes\.\nRestarted 1 process\.\n/);
  assert.match(io.stderr, /1 process could not be restarted and remain closed: 1802 App 1802\n$/);
});

cliTest(
  "release: a program that starts holding the files after the question is kept",
  async (dir) => {
    addProcess(1901);
    rmDoubles.lock(join(dir, "a.txt"), 1901);
    const io = recordingIO({ interactive: true, answers: ["y"] });
    const ask = io.ask;
    io.ask = (question) => {
      addProcess(1902);
      rmDoubles.lock(join(dir, "a.txt"), 1902);
      return ask(question);
    };
    assert.equal(await main(["release", join(dir, "a.txt")], io), ExitCode.Ok);
    assert.match(io.questions[0]!, /Close this process\?/);
    assert.equal(doubles.processAlive(1901), false);
    assert.equal(doubles.processAlive(1902), true);
    assert.match(io.stderr, /kept running .*after the confirmation\): 1902 App 1902\n/);
  },
);

cliTest("release --json: the plan, then the outcome, as one document", async (dir) => {
  addProcess(2001);
  addProcess(2002, { restartable: false });
  rmDoubles.lock(join(dir, "a.txt"), 2001);
  rmDoubles.lock(join(dir, "sub", "c.txt"), 2002);
  let io = recordingIO();
  assert.equal(
    await main(["release", "--json", "--yes", "--restart", "-r", dir], io),
    ExitCode.ProgramsLeftClosed,
  );
  const doc = JSON.parse(io.stdout);
  assert.deepEqual(Object.keys(doc), [
    "dryRun",
    "fileCount",
    "targets",
    "plan",
    "outcome",
    "leftClosed",
    "asks",
    "excluded",
    "rebootRequired",
  ]);
  assert.equal(doc.asks, null); // no --ask
  assert.equal(doc.dryRun, false);
  assert.equal(doc.fileCount, 3);
  assert.deepEqual(doc.targets, [{
    path: dir,
    fullPath: dir,
    directory: true,
    fileCount: 3,
    protected: null,
  }]);
  assert.deepEqual(doc.plan.processes.map((p: { pid: number }) => p.pid), [2001, 2002]);
  assert.deepEqual(Object.keys(doc.outcome), [
    "closed",
    "restarted",
    "stillRunning",
    "notInPlan",
    "restartAttempted",
    "interrupted",
    "rebootReasons",
    "error",
    "kept",
    "rebootRequired",
    "timedOut",
  ]);
  assert.deepEqual(doc.outcome.closed.map((p: { pid: number }) => p.pid), [2002]);
  assert.deepEqual(doc.outcome.restarted.map((p: { pid: number }) => p.pid), [2001]);
  assert.equal(doc.outcome.restartAttempted, true);
  assert.equal(doc.outcome.error, null);
  assert.equal(doc.leftClosed, true);
  assert.match(io.stderr, /could not be restarted and remain closed: 2002 App 2002\n$/);

  // A failure still prints the document, with the error.
  doubles.reset();
  addProcess(2101, { refuseShutdown: true });
  rmDoubles.lock(join(dir, "a.txt"), 2101);
  io = recordingIO();
  assert.equal(
    await main(["release", "--json", "--yes", join(dir, "a.txt")], io),
    ExitCode.WindowsError,
  );
  const failed = JSON.parse(io.stdout);
  assert.equal(failed.outcome.error.errorName, "ERROR_FAIL_SHUTDOWN");
  assert.deepEqual(failed.outcome.stillRunning.map((p: { pid: number }) => p.pid), [2101]);
  assert.equal(failed.leftClosed, false);
  assert.equal(failed.outcome.restartAttempted, false);
  assert.equal(failed.outcome.interrupted, false);

  // Without --yes (and not a dry run), --json refuses: a question would corrupt the JSON.
  io = recordingIO({ interactive: true });
  assert.equal(await main(["release", "--json", join(dir, "a.txt")], io), ExitCode.Usage);
  assert.deepEqual(io.questions, []);
  // A dry run prints the plan with a null outcome.
  io = recordingIO();
  assert.equal(await main(["release", "--json", "-n", join(dir, "a.txt")], io), ExitCode.Locked);
  assert.equal(JSON.parse(io.stdout).outcome, null);
});

Deno.test("locks without --allow-read fails with the flag to add (exit 4), never prompts", async () => {
  const deno = Deno.execPath();
  const output = await new Deno.Command(deno, {
    args: [
      "run",
      // --quiet: on a fresh machine Deno first prints "Download …" for commander on stderr.
      "--quiet",
      "--no-lock",
      "--allow-ffi",
      "--allow-env",
      new URL("./main.ts", import.meta.url).pathname,
      "locks",
      "some.txt",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, ExitCode.Permission, stderr);
  assert.match(
    stderr,
    /^winsession: reading some\.txt needs read permission: run with --allow-read/,
  );
});
