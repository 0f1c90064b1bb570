/**
 * A small read-only static file server for tests that import the repository by URL, as users do
 * with `deno run https://…/cli/main.ts`. It listens on 127.0.0.1 at a port the OS picks, answers
 * GET and HEAD only, serves files under one folder with the content types Deno accepts for
 * modules, and refuses anything outside that folder.
 *
 * @example
 * ```ts ignore
 * import { serveDirectory } from "./static_server.ts";
 * await using server = await serveDirectory(new URL("../", import.meta.url));
 * console.log(`${server.origin}/mod.ts`);
 * ```
 *
 * @module
 */

import { fileURLToPath, pathToFileURL } from "node:url";

/** A running server; `await using` (or {@linkcode StaticServer.close}) stops it. */
export interface StaticServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly origin: string;
  /** The port the OS picked. */
  readonly port: number;
  /** `127.0.0.1:<port>`, as `--allow-import` takes it. */
  readonly host: string;
  /** Paths requested so far (for assertions on what was fetched). */
  readonly requested: string[];
  /** Stops the server and waits until it is closed. */
  close(): Promise<void>;
}

/** Content types by extension; Deno decides the media type of a remote module from these. */
const CONTENT_TYPES: Record<string, string> = {
  ".ts": "application/typescript; charset=utf-8",
  ".mts": "application/typescript; charset=utf-8",
  ".tsx": "text/tsx; charset=utf-8",
  ".js": "application/javascript; charset=utf-8",
  ".mjs": "application/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

function contentType(path: string): string {
  const dot = path.lastIndexOf(".");
  return CONTENT_TYPES[dot >= 0 ? path.slice(dot) : ""] ?? "application/octet-stream";
}

/**
 * Serves the folder `root` (a `file:` URL ending in `/`, or a path) on 127.0.0.1.
 *
 * @example
 * ```ts ignore
 * await using server = await serveDirectory("/work/main");
 * ```
 */
export async function serveDirectory(root: URL | string): Promise<StaticServer> {
  const rootUrl = typeof root === "string"
    ? pathToFileURL(/[\\/]$/.test(root) ? root : `${root}/`)
    : root;
  // A path the OS understands ("C:\…\" on Windows), ending in a separator.
  const rootPath = fileURLToPath(rootUrl);
  const requested: string[] = [];
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: (address) => resolve(address as Deno.NetAddr),
  }, async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("read-only\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const urlPath = decodeURIComponent(new URL(request.url).pathname);
    requested.push(urlPath);
    const segments = urlPath.split("/").filter((segment) => segment !== "");
    if (segments.some((segment) => segment === ".." || segment === "." || segment.includes("\0"))) {
      return new Response("bad path\n", { status: 400 });
    }
    const filePath = rootPath + segments.join("/");
    try {
      const info = await Deno.stat(filePath);
      if (!info.isFile) return new Response("not a file\n", { status: 404 });
      const body = request.method === "HEAD" ? null : await Deno.readFile(filePath);
      return new Response(body, {
        headers: { "content-type": contentType(filePath), "cache-control": "no-store" },
      });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        return new Response("not found\n", { status: 404 });
      }
      throw error;
    }
  });
  const address = await listening;
  const origin = `http://127.0.0.1:${address.port}`;
  const close = async () => {
    await server.shutdown();
  };
  return {
    origin,
    port: address.port,
    host: `127.0.0.1:${address.port}`,
    requested,
    close,
    [Symbol.asyncDispose]: close,
  };
}
