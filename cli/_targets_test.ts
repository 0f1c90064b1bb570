/**
 * The exit code that sums up a run over several targets and servers.
 */
import assert from "node:assert/strict";
import { ExitCode } from "./common.ts";
import { INTERRUPTED, type Outcome, outcomeExitCode } from "./_targets.ts";

const of = (...results: Outcome<number>["result"][]): Outcome<number>[] =>
  results.map((result, i) => ({ target: i, result }));

Deno.test("outcomeExitCode: 0 done or skipped, 7 changed, 6 partial, 1 nothing done, 130 interrupted", () => {
  assert.equal(outcomeExitCode(of("done", "done"), 0), ExitCode.Ok);
  assert.equal(outcomeExitCode(of("done", "skipped"), 0), ExitCode.Ok);
  assert.equal(outcomeExitCode(of(), 0), ExitCode.Ok);
  assert.equal(outcomeExitCode(of("done", "changed"), 0), ExitCode.TargetChanged);
  assert.equal(outcomeExitCode(of("done", "failed", "changed"), 0), ExitCode.Partial);
  assert.equal(outcomeExitCode(of("done"), 1), ExitCode.Partial, "a server failed");
  assert.equal(outcomeExitCode(of("failed", "changed"), 0), ExitCode.WindowsError);
  assert.equal(outcomeExitCode(of("changed"), 1), ExitCode.WindowsError);
  const interrupted: Outcome<number>[] = [
    { target: 0, result: "done" },
    { target: 1, result: "skipped", reason: INTERRUPTED },
  ];
  assert.equal(outcomeExitCode(interrupted, 0), ExitCode.Interrupted);
});
