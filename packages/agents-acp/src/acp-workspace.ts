import { createHash } from "node:crypto";
import { mkdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { AcpCwdMissingError } from "./acp-errors.ts";

/** Where an ACP runtime runs its agent and sessions: the `cwd`-related options of `createAcpAgent`. */
export interface AcpWorkspaceOptions {
  agent: string;
  cwd?: string;
  sessionCwd?: (sessionKey: string) => string | undefined;
  stateDir?: string;
}

/**
 * The agent process's working directory: the configured `cwd` (it must exist), else `<stateDir>/acp`
 * (created), else the gateway's own.
 */
export async function agentProcessCwd(options: AcpWorkspaceOptions): Promise<string> {
  if (options.cwd) {
    const cwd = resolve(options.cwd);
    // spawn reports a missing cwd as a missing program: say what is really wrong.
    const isDirectory = await stat(cwd).then(
      (found) => found.isDirectory(),
      () => false,
    );
    if (!isDirectory) throw new AcpCwdMissingError(options.agent, cwd);
    return cwd;
  }
  if (!options.stateDir) return process.cwd();
  const cwd = join(resolve(options.stateDir), "acp");
  await mkdir(cwd, { recursive: true, mode: 0o700 });
  return cwd;
}

/**
 * A session's working directory: its own (`sessionCwd`), else the configured `cwd`, else a directory of its
 * own under `<stateDir>/acp/<agent>/` (created), so sessions do not share files; else the gateway's.
 */
export async function sessionCwd(options: AcpWorkspaceOptions, sessionKey: string): Promise<string> {
  const own = options.sessionCwd?.(sessionKey);
  if (own) return resolve(own);
  if (options.cwd) return resolve(options.cwd);
  if (!options.stateDir) return process.cwd();
  const directory = join(resolve(options.stateDir), "acp", slug(options.agent), slug(sessionKey));
  await mkdir(directory, { recursive: true, mode: 0o700 });
  return directory;
}

/** A directory name for a session key: readable, and unique through a short hash. */
function slug(value: string): string {
  const readable = value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 48);
  const hash = createHash("sha256").update(value).digest("hex").slice(0, 8);
  return `${readable || "session"}-${hash}`;
}
