/**
 * `winsession servers` against the wtsapi32 double: names, JSON and an unknown domain.
 */
import assert from "node:assert/strict";
import { ExitCode } from "./common.ts";
import { doubles } from "../tests/doubles.ts";
import { run, test } from "./_session_testing.ts";

test("servers: names one per line, --json as objects", async () => {
  doubles.addDomainServer("CONTOSO", "RDS01");
  doubles.addDomainServer("CONTOSO", "RDS02");
  let { code, io } = await run(["servers", "CONTOSO"]);
  assert.equal(code, ExitCode.Ok);
  assert.equal(io.stdout, "RDS01\nRDS02\n");
  ({ code, io } = await run(["servers", "CONTOSO", "--json"]));
  assert.deepEqual(JSON.parse(io.stdout), [{ name: "RDS01" }, { name: "RDS02" }]);
  ({ code, io } = await run(["servers", "FABRIKAM"]));
  assert.equal(code, ExitCode.WindowsError);
  assert.match(io.stderr, /ERROR_NO_SUCH_DOMAIN/);
});
