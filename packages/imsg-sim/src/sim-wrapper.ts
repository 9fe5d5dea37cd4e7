import { chmod, writeFile } from "node:fs/promises";
import { simBinPath } from "./sim-bin-path.ts";

/**
 * Writes an executable `imsg` wrapper script at `path` that runs imsg-sim on `dbPath`, as an operator points
 * `cliPath` at a wrapper. `IMSG_SIM_DB` makes it the simulated Mac's default database, so commands given no `--db`
 * (`imsg status --json`) see the same one; `args` (e.g. fault flags) follow the caller's arguments.
 */
export async function writeSimWrapper(path: string, dbPath: string, args: readonly string[] = []): Promise<void> {
  const quoted = (value: string) => JSON.stringify(value);
  const extra = args.map(quoted).join(" ");
  const command = `exec ${quoted(process.execPath)} ${quoted(simBinPath)} "$@"${extra ? ` ${extra}` : ""}`;
  await writeFile(path, `#!/bin/sh\nIMSG_SIM_DB=${quoted(dbPath)} ${command}\n`);
  await chmod(path, 0o755);
}
