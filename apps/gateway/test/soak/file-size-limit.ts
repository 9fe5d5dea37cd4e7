import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** util-linux's prlimit, which changes the limits of a running process. */
export const prlimitPath = "/usr/bin/prlimit";

/**
 * Sets the soft file-size limit (RLIMIT_FSIZE) of the running process `pid`; `undefined` makes it unlimited.
 * Returns false when prlimit is not installed. Writes at or past the limit then fail with EFBIG (and raise
 * SIGXFSZ), as on a full disk.
 */
export async function setFileSizeLimit(pid: number, bytes: number | undefined): Promise<boolean> {
  try {
    await run(prlimitPath, ["--pid", String(pid), `--fsize=${bytes ?? "unlimited"}:`]);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
