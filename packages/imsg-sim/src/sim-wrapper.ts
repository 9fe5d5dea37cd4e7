import { chmod, writeFile } from "node:fs/promises";
import { simBinPath } from "./sim-bin-path.ts";

export interface SimWrapperOptions {
  /**
   * The long-lived `imsg rpc` session (not a probe such as `imsg rpc --help`) writes its pid here before it starts,
   * so a tool can stop the simulated Mac under a running client.
   */
  rpcPidFile?: string;
}

/**
 * Writes an executable `imsg` wrapper script at `path` that runs imsg-sim on `dbPath`, as an operator points
 * `cliPath` at a wrapper. `IMSG_SIM_DB` makes it the simulated Mac's default database, so commands given no `--db`
 * (`imsg status --json`) see the same one; `args` (e.g. fault flags) follow the caller's arguments. The simulator
 * runs under the Node that wrote the wrapper (`process.execPath`), whatever `node` the client's PATH finds.
 */
export async function writeSimWrapper(
  path: string,
  dbPath: string,
  args: readonly string[] = [],
  options: SimWrapperOptions = {},
): Promise<void> {
  const quoted = (value: string) => JSON.stringify(value);
  const extra = args.map(quoted).join(" ");
  const command = `exec ${quoted(process.execPath)} ${quoted(simBinPath)} "$@"${extra ? ` ${extra}` : ""}`;
  const lines = ["#!/bin/sh"];
  if (options.rpcPidFile !== undefined) {
    // exec keeps the shell's pid, so $$ is the simulator's.
    lines.push(`case " $* " in *" --help "*) ;; *" rpc "*) echo $$ > ${quoted(options.rpcPidFile)} ;; esac`);
  }
  lines.push(`IMSG_SIM_DB=${quoted(dbPath)} ${command}`, "");
  await writeFile(path, lines.join("\n"));
  await chmod(path, 0o755);
}
