import { supportedRpcMethods } from "./rpc-methods-list.ts";

/** The newest imsg release the sim speaks; `--build` picks an older one. */
export const newestBuild = "0.9.0";

/**
 * When each RPC method appeared. `typing.start`/`typing.stop` of 0.5.0 are not simulated. The client keeps its own
 * copy (rpc-client's version-compatibility): the simulator stands for imsg and must not borrow the client's beliefs;
 * rpc-client's `version-compatibility.sim.test.ts` checks that the two agree.
 */
const methodsSince: ReadonlyArray<[string, readonly string[]]> = [
  ["0.3.0", ["chats.list", "messages.history", "watch.subscribe", "watch.unsubscribe", "send"]],
  [
    "0.7.3",
    [
      "chats.create",
      "chats.delete",
      "chats.markUnread",
      "typing",
      "read",
      "group.rename",
      "group.setIcon",
      "group.addParticipant",
      "group.removeParticipant",
      "group.leave",
    ],
  ],
  [
    "0.9.0",
    [
      "send.rich",
      "send.attachment",
      "tapback",
      "message.edit",
      "message.unsend",
      "message.delete",
      "message.notifyAnyways",
    ],
  ],
];

function versionParts(version: string): [number, number, number] {
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(version);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
}

/** True when `version` is `minimum` or newer (both `x.y.z`). */
export function buildAtLeast(version: string, minimum: string): boolean {
  const left = versionParts(version);
  const right = versionParts(minimum);
  for (let index = 0; index < 3; index += 1) {
    if (left[index] !== right[index]) return (left[index] ?? 0) > (right[index] ?? 0);
  }
  return true;
}

/**
 * The CLI surface of one imsg release, as far as docs/imsg-protocol.md records it (CLI, Versions): `imsg rpc` since
 * 0.3.0, `imsg status` since 0.6.0, status `bridge_version`/`v2_ready`/`selectors` since 0.7.0, `rpc_methods` since
 * 0.7.3, `version` since 0.9.0, and the RPC methods of that release (the rest answer -32601).
 */
export interface ImsgBuild {
  version: string;
  hasRpc: boolean;
  hasStatus: boolean;
  statusHasBridgeKeys: boolean;
  statusHasRpcMethods: boolean;
  statusHasVersion: boolean;
  rpcMethods: readonly string[];
}

export function imsgBuild(version: string = newestBuild): ImsgBuild {
  const added = new Set(methodsSince.filter(([since]) => buildAtLeast(version, since)).flatMap(([, names]) => names));
  return {
    version,
    hasRpc: buildAtLeast(version, "0.3.0"),
    hasStatus: buildAtLeast(version, "0.6.0"),
    statusHasBridgeKeys: buildAtLeast(version, "0.7.0"),
    statusHasRpcMethods: buildAtLeast(version, "0.7.3"),
    statusHasVersion: buildAtLeast(version, "0.9.0"),
    rpcMethods: supportedRpcMethods.filter((method) => added.has(method)),
  };
}

/**
 * imsg's root help (`HelpPrinter.renderRoot`): what any `imsg <command> --help` prints when the build has no such
 * command, with exit 0, so `imsg rpc --help` on a build without rpc "succeeds" without describing rpc.
 */
export function rootHelpText(build: ImsgBuild): string {
  const commands: Array<[string, string]> = [
    ["chats", "List recent conversations"],
    ["history", "Show recent messages for a chat"],
    ["watch", "Stream incoming messages"],
    ["send", "Send a message (text and/or attachment)"],
  ];
  if (build.hasStatus) commands.push(["status", "Show basic and advanced feature availability"]);
  if (build.hasRpc) commands.push(["rpc", "Run JSON-RPC over stdin/stdout"]);
  const lines = [
    `imsg ${build.version}`,
    "Send and read iMessage / SMS from the terminal",
    "",
    "Usage:",
    "  imsg <command> [options]",
    "",
    "Commands:",
    ...commands.map(([name, abstract]) => `  ${name}\t${abstract}`),
    "",
    "Run 'imsg <command> --help' for details.",
  ];
  return `${lines.join("\n")}\n`;
}

/** What imsg's command router prints (stdout, exit 1) for a command the build does not have. */
export function unknownCommandText(command: string): string {
  return `Unknown subcommand '${command}' for command 'imsg'\n`;
}
