import { spawn } from "node:child_process";
import { once } from "node:events";

// Runs in its own process, as another program holding the lock would: the soak's event loop stays free.
const holderScript = `
const { DatabaseSync } = require("node:sqlite");
const [path, holdMs] = process.argv.slice(1);
const database = new DatabaseSync(path, { timeout: 10000 });
database.exec("BEGIN IMMEDIATE");
process.stdout.write("locked\\n");
setTimeout(() => {
  database.exec("ROLLBACK");
  database.close();
}, Number(holdMs));
`;

export interface StateDbLock {
  /** Resolves once the lock is given back and its process has exited. */
  readonly released: Promise<void>;
}

/**
 * Another process takes `path`'s write lock (`BEGIN IMMEDIATE`) and keeps it for `holdMs`, then rolls back.
 * Resolves once the lock is held.
 */
export async function holdWriteLock(path: string, holdMs: number): Promise<StateDbLock> {
  const holder = spawn(process.execPath, ["-e", holderScript, path, String(holdMs)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  holder.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const exited = once(holder, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const locked = new Promise<boolean>((resolve) => {
    holder.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString("utf8").includes("locked")) resolve(true);
    });
    void exited.then(() => resolve(false));
  });
  if (!(await locked)) throw new Error(`the lock holder exited before it held ${path}'s write lock: ${stderr.trim()}`);
  const released = exited.then(([code]) => {
    if (code !== 0) throw new Error(`the lock holder of ${path} exited ${String(code)}: ${stderr.trim()}`);
  });
  return { released };
}
