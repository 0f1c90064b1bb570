/**
 * Control binding of the advapi32 test double (`advapi32.so` / `winsession_advapi32.dll`, built
 * by `tests/doubles/build.sh`): which SID is which account on which server, which remote
 * servers `LookupAccountSidW` can reach, how often it was called per server, and whether this
 * process's token is elevated.
 *
 * Token handles count as kernel handles in the core's counters, so `assertNoLeaks()` from
 * `tests/doubles.ts` reports an unclosed token; the core's reset also resets this double.
 *
 * @example
 * ```ts ignore
 * import { accountDoubles, SidNameUse } from "./doubles_accounts.ts";
 *
 * accountDoubles.add({ sid: "S-1-5-21-1-2-3-1001", domain: "CONTOSO", name: "alice" });
 * accountDoubles.setElevated(true);
 * ```
 *
 * @module
 */

import { coreSymbols, cString, doublePath } from "./doubles.ts";

const ACCOUNT_CONTROL_SYMBOLS = {
  dbl_acct_add: { parameters: ["buffer", "buffer", "buffer", "buffer", "u32"], result: "i32" },
  dbl_acct_server_add: { parameters: ["buffer"], result: "i32" },
  dbl_acct_calls: { parameters: ["buffer"], result: "i64" },
  dbl_token_set_elevated: { parameters: ["u32"], result: "void" },
  dbl_acct_set_delay_ms: { parameters: ["u32"], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

/** `SID_NAME_USE` values (winnt.h), for readability in tests. */
export const SidNameUse = {
  User: 1,
  Group: 2,
  Domain: 3,
  Alias: 4,
  WellKnownGroup: 5,
  DeletedAccount: 6,
  Invalid: 7,
  Unknown: 8,
  Computer: 9,
  Label: 10,
  LogonSession: 11,
} as const;

/** One account as {@linkcode accountDoubles.add} seeds it. */
export interface AccountSetup {
  /** Server name; "" or absent = the local computer (lpSystemName NULL). */
  server?: string;
  /** "S-1-5-21-…". */
  sid: string;
  domain: string;
  name: string;
  /** `SID_NAME_USE`; default {@linkcode SidNameUse.User}. */
  use?: number;
}

/**
 * The file ffi/load.ts opens for the advapi32 double: on Windows `winsession_advapi32.dll`
 * (advapi32 is a KnownDLL, so the plain name would resolve to the system's), else the plain one.
 * The controls must open that same module, or they would drive a second copy of its tables.
 */
function advapi32DoublePath(): string {
  if (Deno.build.os === "windows") {
    const prefixed = doublePath("winsession_advapi32");
    try {
      Deno.statSync(prefixed);
      return prefixed;
    } catch {
      // fall through to the plain name
    }
  }
  return doublePath("advapi32");
}

let library: Deno.DynamicLibrary<typeof ACCOUNT_CONTROL_SYMBOLS> | undefined;

function controls(): Deno.DynamicLibrary<typeof ACCOUNT_CONTROL_SYMBOLS>["symbols"] {
  if (!library) {
    coreSymbols(); // the double imports the core: load it first (see useDoubles)
    library = Deno.dlopen(advapi32DoublePath(), ACCOUNT_CONTROL_SYMBOLS);
  }
  return library.symbols;
}

/**
 * Typed controls of the advapi32 double. The library opens on first use.
 *
 * @example
 * ```ts ignore
 * import { accountDoubles } from "./doubles_accounts.ts";
 *
 * accountDoubles.add({ server: "rdsh01", sid: "S-1-5-18", domain: "NT AUTHORITY", name: "SYSTEM" });
 * // ... list rdsh01's processes ...
 * console.log(accountDoubles.calls("rdsh01")); // LookupAccountSidW calls naming rdsh01
 * ```
 */
export const accountDoubles = {
  /** Opens the double so its reset hook is registered (call before `doubles.reset()`). */
  open(): void {
    controls();
  },
  /** Seeds one account; its server becomes reachable. */
  add(setup: AccountSetup): void {
    const result = controls().dbl_acct_add(
      cString(setup.server ?? ""),
      cString(setup.sid),
      cString(setup.domain),
      cString(setup.name),
      setup.use ?? SidNameUse.User,
    );
    if (result !== 0) throw new Error(`advapi32 double rejected account ${setup.sid}`);
  },
  /** Makes `server` reachable with no accounts (every SID there is ERROR_NONE_MAPPED). */
  addServer(server: string): void {
    if (controls().dbl_acct_server_add(cString(server)) !== 0) {
      throw new Error(`advapi32 double rejected server ${server}`);
    }
  },
  /** LookupAccountSidW calls whose lpSystemName named `server` ("" = local) since reset. */
  calls(server = ""): number {
    return Number(controls().dbl_acct_calls(cString(server)));
  },
  /** TOKEN_ELEVATION.TokenIsElevated of this process's token (false after reset). */
  setElevated(elevated: boolean): void {
    controls().dbl_token_set_elevated(elevated ? 1 : 0);
  },
  /** Every LookupAccountSidW first sleeps `ms` (0 after reset), like an RPC timing out. */
  setDelay(ms: number): void {
    controls().dbl_acct_set_delay_ms(ms);
  },
  /** Closes the control library (it reopens on next use). */
  close(): void {
    library?.close();
    library = undefined;
  },
};
