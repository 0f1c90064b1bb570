/**
 * `winsession session <id>`: one session in detail (client display, build, directory,
 * protocol counters, lock state), as labelled lines or JSON.
 *
 * @module
 */

import type { Command } from "./commander.ts";
import {
  type CliContext,
  humanBytes,
  humanDuration,
  humanTime,
  parseDword,
  printJson,
} from "./common.ts";
import { currentSessionId, getSessionDetail, type SessionDetail } from "../mod.ts";
import {
  account,
  onServer,
  serverName,
  type SessionJson,
  toSessionJson,
} from "./_session_format.ts";

/** `session <id> --json`: the `sessions --json` fields plus the detail. */
export interface SessionDetailJson extends SessionJson {
  clientDisplay: {
    width: number;
    height: number;
    colorDepthBits: number | null;
    colorDepthCode: number;
  } | null;
  clientBuild: number | null;
  clientDirectory: string;
  counters: {
    incomingBytes: number;
    outgoingBytes: number;
    incomingFrames: number;
    outgoingFrames: number;
    incomingCompressedBytes: number;
    outgoingCompressedBytes: number;
  } | null;
}

/** The `--json` form of a session's detail (fields copied by name). */
export function toSessionDetailJson(
  detail: SessionDetail,
  currentId: number | null,
): SessionDetailJson {
  const display = detail.clientDisplay;
  const counters = detail.counters;
  return {
    ...toSessionJson(detail, currentId),
    clientDisplay: display && {
      width: display.width,
      height: display.height,
      colorDepthBits: display.colorDepthBits,
      colorDepthCode: display.colorDepthCode,
    },
    clientBuild: detail.clientBuild,
    clientDirectory: detail.clientDirectory,
    counters: counters && {
      incomingBytes: counters.incomingBytes,
      outgoingBytes: counters.outgoingBytes,
      incomingFrames: counters.incomingFrames,
      outgoingFrames: counters.outgoingFrames,
      incomingCompressedBytes: counters.incomingCompressedBytes,
      outgoingCompressedBytes: counters.outgoingCompressedBytes,
    },
  };
}

/** "yes", "no", or "unknown (why)". */
function lockedText(detail: SessionDetail): string {
  if (detail.locked === null) return `unknown (${detail.lockedReason ?? "not read"})`;
  return detail.locked ? "yes" : "no";
}

/** "2560x1440, 24-bit", or "" when the session has no client display. */
function displayText(detail: SessionDetail): string {
  const display = detail.clientDisplay;
  if (display === null) return "";
  const depth = display.colorDepthBits === null
    ? `colour code ${display.colorDepthCode}`
    : `${display.colorDepthBits}-bit`;
  return `${display.width}x${display.height}, ${depth}`;
}

/** "12.3 KB in, 1.5 MB out" style pairs of counters. */
function pair(incoming: string, outgoing: string): string {
  return `${incoming} in, ${outgoing} out`;
}

/** The labelled lines of `session <id>`. */
function detailFields(detail: SessionDetail): [string, string][] {
  const counters = detail.counters;
  const address = detail.clientAddress === null
    ? ""
    : `${detail.clientAddress} (as the client reported it)`;
  return [
    ["Server", detail.server === "" ? "(local)" : detail.server],
    ["Id", String(detail.id)],
    ["Station", detail.stationName],
    ["State", detail.state],
    ["User", account(detail.domain, detail.user)],
    ["Locked", lockedText(detail)],
    ["Client", detail.clientName],
    ["Address", address],
    ["Protocol", detail.protocol],
    ["Display", displayText(detail)],
    ["Client build", detail.clientBuild === null ? "" : String(detail.clientBuild)],
    ["Client dir", detail.clientDirectory],
    [
      "Bytes",
      counters ? pair(humanBytes(counters.incomingBytes), humanBytes(counters.outgoingBytes)) : "",
    ],
    [
      "Frames",
      counters ? pair(String(counters.incomingFrames), String(counters.outgoingFrames)) : "",
    ],
    [
      "Compressed",
      counters
        ? pair(
          humanBytes(counters.incomingCompressedBytes),
          humanBytes(counters.outgoingCompressedBytes),
        )
        : "",
    ],
    ["Logon", humanTime(detail.logonTime)],
    ["Connected", humanTime(detail.connectTime)],
    ["Disconnected", humanTime(detail.disconnectTime)],
    ["Last input", humanTime(detail.lastInputTime)],
    ["Idle", humanDuration(detail.idleMs)],
  ];
}

/** Adds `session` to `program`. */
export function registerSessionCommand(program: Command, context: CliContext): void {
  const { io } = context;
  program.command("session")
    .description("Show one session in detail")
    .argument("<id>", "session id")
    .option("-s, --server <host>", "the server (default: this computer)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Shows the client's display, build and directory, the protocol counters (bytes and frames in and
out; 32-bit counters that wrap at 4 GB) and whether the desktop is locked.
The address is what the RDP client reported about itself: behind NAT it is the client's own
address, over a VPN it may be another, through an RD Gateway it is not available. Never use it
to authenticate a client.

Examples:
  winsession session 2
  winsession session 3 --server RDS01 --json`,
    )
    .action(async (idText, options) => {
      const id = parseDword(idText, "session id");
      const server = serverName(options.server);
      const detail = await onServer(server, () => getSessionDetail(id, { server }));
      if (options.json) {
        printJson(
          io,
          toSessionDetailJson(detail, server === undefined ? currentSessionId() : null),
        );
        return;
      }
      const fields = detailFields(detail);
      const width = Math.max(...fields.map(([label]) => label.length)) + 1;
      io.out(
        fields.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}`.trimEnd())
          .join("\n") + "\n",
      );
    });
}
