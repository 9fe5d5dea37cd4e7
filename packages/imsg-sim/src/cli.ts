import { errorMessage } from "@imessage-channel/kit";
import { runBridgeCommand } from "./cli-bridge-commands.ts";
import { runInjectCommand, runSeedCommand } from "./cli-inject.ts";
import { preparsedFlag, resolvePersonality } from "./cli-options.ts";
import { cliOutput, type Output } from "./cli-output.ts";
import { runQuery } from "./cli-query.ts";
import { runRpc } from "./cli-rpc.ts";
import { ImsgSimError } from "./errors.ts";
import { expandImsgHome } from "./home-path.ts";
import { newestImsgVersion, rootHelpText, unknownCommandText } from "./personality.ts";
import { recordRequest } from "./request-log.ts";
import { simVersion } from "./rpc-methods-list.ts";

const usageText = `imsg ${simVersion(process.env, newestImsgVersion)}
imsg-sim: a simulated Mac speaking the imsg CLI and JSON-RPC protocol (0.9.0 to ${newestImsgVersion}) over a real-schema chat.db

Usage:
  imsg-sim rpc [--db PATH] [--platform mac|linux] [sim and fault flags]
  imsg-sim status --json [--db PATH]
  imsg-sim launch [--db PATH]
  imsg-sim chats [--db PATH] [--limit N] [--json]
  imsg-sim history --chat-id N [--limit N] [--attachments] [--json]
  imsg-sim send (--to HANDLE | --chat-id N | --chat-guid G | --chat-identifier I) [--text T] [--file F] [--json]
  imsg-sim inject --db PATH --from HANDLE [--text T] [--group ID] ... (see README)
  imsg-sim seed --db PATH
  imsg-sim --version

Every command takes --imsg-version X.Y.Z (the imsg release to play, default ${newestImsgVersion}; env IMSG_SIM_VERSION)
and --request-log FILE (one JSON line per request).
`;

/** Entry point of the `imsg-sim` executable; returns the process exit code. */
export async function main(
  args: string[],
  environment: NodeJS.ProcessEnv = process.env,
  output: Output = cliOutput,
): Promise<number> {
  const requestLog = preparsedFlag(args, "request-log", environment);
  const code = await runCommand(args, environment, output);
  // Once the command answered (the rpc server: once its input ended; its requests are logged one by one).
  if (requestLog) recordRequest(expandImsgHome(requestLog), { kind: "cli", args, code });
  return code;
}

async function runCommand(args: string[], environment: NodeJS.ProcessEnv, output: Output): Promise<number> {
  const [command, ...rest] = args;
  try {
    const build = resolvePersonality(preparsedFlag(args, "imsg-version", {}), environment);
    if (args.includes("--version") || args.includes("-V")) {
      output.stdout(`${simVersion(environment, build.version)}\n`);
      return 0;
    }
    // A build without the command: `--help` prints the root help (exit 0), anything else imsg's router error.
    if ((command === "rpc" && !build.hasRpc) || (command === "status" && !build.hasStatus)) {
      if (args.includes("--help") || args.includes("-h")) {
        output.stdout(rootHelpText({ ...build, version: simVersion(environment, build.version) }));
        return 0;
      }
      output.stdout(unknownCommandText(command));
      return 1;
    }
    switch (command) {
      case "rpc":
        return await runRpc(rest, environment, output);
      case "status":
      case "launch":
        return await runBridgeCommand(command, rest, environment, output);
      case "chats":
      case "history":
      case "send":
        return runQuery(command, rest, environment, output);
      case "inject":
        return await runInjectCommand(rest, environment, output.stdout);
      case "seed":
        return runSeedCommand(rest, environment);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        output.stdout(usageText);
        return 0;
      default:
        output.stderr(`imsg-sim: unknown command "${command}"\n${usageText}`);
        return 1;
    }
  } catch (error) {
    if (ImsgSimError.isInstance(error) || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      output.stderr(`${errorMessage(error)}\n`);
      return 1;
    }
    throw error;
  }
}
