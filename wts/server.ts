/**
 * A remote Remote Desktop Session Host as an object (the Cassia model): {@linkcode openServer}
 * opens one handle that every method reuses, and `using` closes it.
 *
 * @example
 * ```ts ignore
 * import { openServer } from "../mod.ts";
 *
 * using server = openServer("rdsh01");
 * for (const session of await server.listSessions()) {
 *   if (session.state === "Disconnected") await server.logoffSession(session.id);
 * }
 * ```
 *
 * @module
 */

import { callBool, decodeThenFree, OutBlock } from "../ffi/call.ts";
import { wtsapi32 } from "../ffi/load.ts";
import { encodeWide } from "../ffi/utf16.ts";
import { decodeServerInfoW } from "../ffi/wts_structs.ts";
import {
  type CallContext,
  callContext,
  closeServerHandle,
  contextOptions,
  openServerHandle,
} from "./_context.ts";
import {
  disconnectSession,
  getSession,
  listSessions,
  type ListSessionsOptions,
  logoffSession,
  type Session,
  type SessionActionOptions,
} from "./sessions.ts";
import { type MessageOptions, type MessageResponse, sendMessage } from "./messages.ts";
import {
  listProcesses,
  type ListProcessesOptions,
  type ProcessInfo,
  terminateProcess,
  type TerminateProcessOptions,
} from "./processes.ts";

/**
 * An open handle to a Remote Desktop Session Host, with the session and process functions as
 * methods. Calls run on Deno's FFI thread pool. Closing twice is harmless; a method called
 * after {@linkcode Server.close} throws a TypeError.
 *
 * @example
 * ```ts ignore
 * import { openServer } from "../mod.ts";
 *
 * using server = openServer("rdsh01");
 * console.log(server.name, (await server.listProcesses()).length);
 * ```
 */
export class Server implements Disposable {
  /** The name the server was opened with. */
  readonly name: string;
  /**
   * Whether the handle shows a virtualization host's virtual-machine sessions
   * (`openServer(name, { virtualMachines: true })`). Their ids are not the host's, so
   * disconnect, logoff, message and process calls are refused on such a handle.
   */
  readonly virtualMachines: boolean;
  #context: CallContext | undefined;
  #handle: Deno.PointerObject | undefined;
  /** Calls in flight: the handle is closed only once they have all settled. */
  #pending = 0;

  /**
   * Use {@linkcode openServer}.
   *
   * @param name The server's name.
   * @param handle Its open handle, now owned by this object.
   * @param virtualMachines Whether the handle came from WTSOpenServerExW.
   */
  constructor(name: string, handle: Deno.PointerObject, virtualMachines = false) {
    this.name = name;
    this.virtualMachines = virtualMachines;
    this.#handle = handle;
    this.#context = callContext(handle, name, true);
  }

  /** Whether {@linkcode Server.close} has run. */
  get closed(): boolean {
    return this.#context === undefined;
  }

  /** Refuses an action by session or process id on a virtual-machine view (ids are not the host's). */
  #refusal(action: string): Promise<never> | undefined {
    if (!this.virtualMachines) return undefined;
    return Promise.reject(
      new TypeError(
        `${action} is refused on "${this.name}" opened with virtualMachines: true: its session ` +
          "ids are those of the host's virtual machines, not the host's, so the act would hit " +
          "a different session; open the virtual machine itself with openServer()",
      ),
    );
  }

  /** Runs `call` with this server's context, keeping the handle open until it settles. */
  async #run<T extends object, R>(extra: T, call: (options: T) => Promise<R>): Promise<R> {
    if (this.#context === undefined) {
      throw new TypeError(`Server "${this.name}" is closed: open it again with openServer()`);
    }
    this.#pending++;
    try {
      return await call(contextOptions(this.#context, extra));
    } finally {
      this.#pending--;
      this.#closeIfIdle();
    }
  }

  #closeIfIdle(): void {
    if (this.#context === undefined && this.#pending === 0 && this.#handle !== undefined) {
      const handle = this.#handle;
      this.#handle = undefined;
      closeServerHandle(handle);
    }
  }

  /**
   * The server's sessions; see {@linkcode listSessions}.
   *
   * @param options `lockState` to read every session's lock state.
   * @returns The sessions.
   */
  listSessions(options?: { lockState?: boolean }): Promise<Session[]> {
    const extra: ListSessionsOptions = { lockState: options?.lockState };
    return this.#run(extra, (o) => listSessions(o));
  }

  /**
   * One session; see {@linkcode getSession}.
   *
   * @param id The session ID.
   * @returns The session.
   */
  getSession(id: number): Promise<Session> {
    return this.#run({}, (o) => getSession(id, o));
  }

  /**
   * Disconnects a session; see {@linkcode disconnectSession}.
   *
   * @param id The session ID.
   * @param options `wait` for completion.
   * @returns When done.
   */
  disconnectSession(id: number, options?: { wait?: boolean }): Promise<void> {
    const refused = this.#refusal("disconnectSession");
    if (refused) return refused;
    const extra: SessionActionOptions = { wait: options?.wait };
    return this.#run(extra, (o) => disconnectSession(id, o));
  }

  /**
   * Logs a session off; see {@linkcode logoffSession}.
   *
   * @param id The session ID.
   * @param options `wait` for completion.
   * @returns When done.
   */
  logoffSession(id: number, options?: { wait?: boolean }): Promise<void> {
    const refused = this.#refusal("logoffSession");
    if (refused) return refused;
    const extra: SessionActionOptions = { wait: options?.wait };
    return this.#run(extra, (o) => logoffSession(id, o));
  }

  /**
   * Shows a message box in a session; see {@linkcode sendMessage}.
   *
   * @param id The session ID.
   * @param options Title, text, buttons, icon, timeout and wait.
   * @returns The user's answer.
   */
  sendMessage(id: number, options: Omit<MessageOptions, "server">): Promise<MessageResponse> {
    const refused = this.#refusal("sendMessage");
    if (refused) return refused;
    const extra: MessageOptions = { ...options };
    return this.#run(extra, (o) => sendMessage(id, o));
  }

  /**
   * The server's processes; see {@linkcode listProcesses}.
   *
   * @param options An optional session filter.
   * @returns The processes.
   */
  listProcesses(options?: { session?: number }): Promise<ProcessInfo[]> {
    const extra: ListProcessesOptions = { session: options?.session };
    return this.#run(extra, (o) => listProcesses(o));
  }

  /**
   * Ends a process; see {@linkcode terminateProcess}.
   *
   * @param pid The process ID.
   * @param options The exit code.
   * @returns When done.
   */
  terminateProcess(pid: number, options?: { exitCode?: number }): Promise<void> {
    const refused = this.#refusal("terminateProcess");
    if (refused) return refused;
    const extra: TerminateProcessOptions = { exitCode: options?.exitCode };
    return this.#run(extra, (o) => terminateProcess(pid, o));
  }

  /**
   * Closes the handle (WTSCloseServer); calls still in flight finish first, and the handle is
   * closed when the last one settles. Calling it again does nothing.
   */
  close(): void {
    this.#context = undefined;
    this.#closeIfIdle();
  }

  /** Closes the handle, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** Options of {@linkcode openServer}. */
export interface OpenServerOptions {
  /**
   * Open with WTSOpenServerExW to see the sessions of a Remote Desktop Virtualization Host's
   * virtual machines instead of the host's own; default false (WTSOpenServerW). Actions by id
   * are refused on such a handle (see {@linkcode Server.virtualMachines}).
   */
  virtualMachines?: boolean;
}

/**
 * Opens a handle to a Remote Desktop Session Host (WTSOpenServerW; WTSOpenServerExW only with
 * `virtualMachines`). Windows does not contact the server here: an unknown or unreachable
 * server fails at the first call (RPC_S_SERVER_UNAVAILABLE). Close it with `using` or
 * {@linkcode Server.close}.
 *
 * @example
 * ```ts ignore
 * import { openServer } from "../mod.ts";
 *
 * using server = openServer("rdsh01.corp.example");
 * console.log(await server.listSessions());
 * ```
 *
 * @example The sessions of a virtualization host's virtual machines (list only)
 * ```ts ignore
 * import { openServer } from "../mod.ts";
 *
 * using host = openServer("rdvh01", { virtualMachines: true });
 * console.log(await host.listSessions());
 * ```
 *
 * @param name The server's NetBIOS name, DNS name or IP address.
 * @param options `virtualMachines` for the virtualization view.
 * @returns The open server.
 * @throws {WindowsError} When the open call fails (Wine: ERROR_CALL_NOT_IMPLEMENTED).
 */
export function openServer(name: string, options?: OpenServerOptions): Server {
  const virtualMachines = options?.virtualMachines ?? false;
  return new Server(name, openServerHandle(name, virtualMachines), virtualMachines);
}

/**
 * The Remote Desktop Session Hosts of a domain (WTSEnumerateServersW), or of the caller's
 * domain when `domain` is omitted. Runs on Deno's FFI thread pool: browsing can be slow.
 *
 * @example
 * ```ts ignore
 * import { listServers } from "../mod.ts";
 *
 * console.log(await listServers("CORP")); // ["RDSH01", "RDSH02"]
 * ```
 *
 * @param domain The domain's NetBIOS name; omit for the caller's.
 * @returns The servers' names.
 * @throws {WindowsError} ERROR_NO_SUCH_DOMAIN and the like.
 */
export async function listServers(domain?: string): Promise<string[]> {
  const wts = wtsapi32();
  const name = domain === undefined || domain === "" ? null : encodeWide(domain, "domain name");
  const out = new OutBlock();
  await callBool(callContext(null, "", true), wts, "WTSEnumerateServersW", [
    name,
    0,
    1,
    out.cellBytes,
    out.numberBytes,
  ]);
  return decodeThenFree(
    out,
    [],
    (block, count) => decodeServerInfoW(block, count).map((row) => row.serverName),
    wts.WTSFreeMemory,
  );
}
