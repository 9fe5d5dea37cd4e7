import { spawn } from "node:child_process";

/**
 * Runs `node bin …args` on a real pseudo-terminal (`script`), so stdout and stderr are a TTY as in an operator's
 * shell, and resolves with everything the terminal showed (`\r\n` line ends, escape codes kept).
 */
export function onTerminal(node: string, bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  // The command line is fixed; the paths travel in the environment, never inside the shell string.
  const command = '"$TERMINAL_NODE" "$TERMINAL_BIN" $TERMINAL_ARGS';
  // util-linux takes the command with -c; the BSD script of macOS takes it after the typescript file.
  const scriptArgs =
    process.platform === "darwin" ? ["-q", "/dev/null", "sh", "-c", command] : ["-q", "-e", "-c", command, "/dev/null"];
  const child = spawn("script", scriptArgs, {
    env: { ...env, TERMINAL_NODE: node, TERMINAL_BIN: bin, TERMINAL_ARGS: args.join(" ") },
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  return new Promise((resolve) => child.on("close", () => resolve(output)));
}
