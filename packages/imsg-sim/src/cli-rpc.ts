import { parseArgs } from "node:util";
import { ChatStore } from "./chat-store.ts";
import { resolveSimOptions, simOptionSpec } from "./cli-options.ts";
import type { Output } from "./cli-output.ts";
import { runRpcServer } from "./rpc-server.ts";
import { simulatedPermissionError, startupErrorText } from "./startup-error.ts";

/** `imsg rpc --help` (docs/imsg-protocol.md#rpc-help): options and help text are tab-separated. */
export const rpcHelpText = `imsg rpc
Run JSON-RPC over stdin/stdout

Usage:
  imsg rpc [options]

Options:
  --db <value>\tPath to chat.db (defaults to ~/Library/Messages/chat.db)
  --log-level, --logLevel <value>\tSet log level (trace|verbose|debug|info|warning|error|critical)
  -v, --verbose\tEnable verbose logging
  --json, -j, --json-output, --jsonOutput\tEmit machine-readable JSON output

Examples:
  imsg rpc
  imsg rpc --db ~/Library/Messages/chat.db
`;

/** `imsg-sim rpc`: the JSON-RPC server on stdin/stdout, or the pre-0.8.2 plain-text startup failure. */
export async function runRpc(args: string[], environment: NodeJS.ProcessEnv, output: Output): Promise<number> {
  const { values } = parseArgs({ args, options: simOptionSpec, strict: true });
  if (values.help) {
    output.stdout(rpcHelpText);
    return 0;
  }
  const options = resolveSimOptions(values, environment);
  if (options.pre082) {
    try {
      if (options.faults.fullDiskAccess) throw simulatedPermissionError();
      new ChatStore(options.settings.dbPath).close();
    } catch (error) {
      output.stdout(`${startupErrorText(error, options.settings.dbPath)}\n`);
      return 1;
    }
  }
  return runRpcServer({
    ...options.settings,
    faults: options.faults,
    input: process.stdin,
    output: process.stdout,
    exit: (code) => process.exit(code),
  });
}
