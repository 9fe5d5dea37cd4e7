import { type ChildProcess, execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { appendFile, chown, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { findPostgresBinaries, hasPostgresServer, postgresNotFoundMessage } from "./find-postgres-binaries.ts";

const execFileAsync = promisify(execFile);
const watchdogPath = fileURLToPath(new URL("./cluster-watchdog.ts", import.meta.url));

export interface TestPostgresOptions {
  /** The database created for the test (default `test`). */
  database?: string;
  /** The cluster's superuser (default `postgres`). */
  user?: string;
  /**
   * Require this password over TCP (scram-sha-256); the Unix socket stays `trust`. Without it both are `trust`,
   * so any password is accepted.
   */
  password?: string;
  /** Where `initdb`, `pg_ctl` and `postgres` are (default: found by `findPostgresBinaries`). */
  binDir?: string;
  /** How long `pg_ctl start` waits for the server to accept connections (default 30 s). */
  startTimeoutSeconds?: number;
}

export interface TestPostgres {
  /** `postgresql://user[:password]@127.0.0.1:port/database`. */
  url: string;
  host: "127.0.0.1";
  port: number;
  /** The directory holding the Unix socket `.s.PGSQL.<port>` (the cluster's temp dir). */
  socketDir: string;
  database: string;
  user: string;
  /** The temp directory holding the data directory, the socket and the server log (removed by stop). */
  directory: string;
  /** Everything the server logged so far: put it in failure messages. */
  logs(): Promise<string>;
  /** Stops the cluster at once (`pg_ctl stop -m immediate`) and removes its directory. */
  stop(): Promise<void>;
}

interface RunAs {
  uid: number;
  gid: number;
}

interface Cluster {
  binDir: string;
  dataDir: string;
  directory: string;
  runAs: RunAs | undefined;
  /** Stops the cluster if this process dies without doing so (see cluster-watchdog.ts). */
  watchdog?: ChildProcess;
}

/** Clusters still running: the exit hook stops them, so a test process that ends leaves none behind. */
const running = new Set<Cluster>();
let exitHookInstalled = false;

/**
 * Starts a throwaway PostgreSQL cluster: `initdb` into a fresh temp dir, then `pg_ctl start` listening on a free
 * 127.0.0.1 port and on a Unix socket in that dir, with durability off (`fsync`, `synchronous_commit`) since the
 * data is thrown away. As root it runs the server as the `postgres` system user (initdb refuses root).
 * Throws one line when the server binaries are missing: PostgreSQL tests fail, never skip.
 */
export async function startTestPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const binDir = options.binDir ?? findPostgresBinaries();
  if (!hasPostgresServer(binDir)) throw new Error(postgresNotFoundMessage);
  const runAs = process.getuid?.() === 0 ? postgresSystemUser() : undefined;
  const directory = await mkdtemp(join(tmpdir(), "test-postgres-"));
  const cluster: Cluster = { binDir, dataDir: join(directory, "data"), directory, runAs };
  try {
    if (runAs) await chown(directory, runAs.uid, runAs.gid);
    return await startIn(cluster, options);
  } catch (error) {
    stopNow(cluster);
    throw error;
  }
}

async function startIn(cluster: Cluster, options: TestPostgresOptions): Promise<TestPostgres> {
  const user = options.user ?? "postgres";
  const database = options.database ?? "test";
  await initializeCluster(cluster, user, options.password);
  const port = await startServer(cluster, options.startTimeoutSeconds ?? 30);
  if (database !== "postgres") {
    await run(cluster, "createdb", ["-h", cluster.directory, "-p", String(port), "-U", user, database]);
  }
  const credentials = options.password === undefined ? user : `${user}:${encodeURIComponent(options.password)}`;
  let stopped: Promise<void> | undefined;
  return {
    url: `postgresql://${credentials}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    host: "127.0.0.1",
    port,
    socketDir: cluster.directory,
    database,
    user,
    directory: cluster.directory,
    logs: () => readLog(cluster),
    stop() {
      stopped ??= stopCluster(cluster);
      return stopped;
    },
  };
}

async function initializeCluster(cluster: Cluster, user: string, password: string | undefined): Promise<void> {
  const args = ["-D", cluster.dataDir, "-U", user, "-E", "UTF8", "--no-locale", "--no-sync"];
  if (password === undefined) {
    args.push("--auth=trust");
  } else {
    const passwordFile = join(cluster.directory, "password");
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    if (cluster.runAs) await chown(passwordFile, cluster.runAs.uid, cluster.runAs.gid);
    args.push("--auth-local=trust", "--auth-host=scram-sha-256", `--pwfile=${passwordFile}`);
  }
  await run(cluster, "initdb", args);
  // Our settings live in a file of their own, rewritten on each start attempt (a new port after a bind race).
  await appendFile(join(cluster.dataDir, "postgresql.conf"), "\ninclude 'test-postgres.conf'\n");
}

async function startServer(cluster: Cluster, timeoutSeconds: number): Promise<number> {
  let lastFailure = "";
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    await writeFile(join(cluster.dataDir, "test-postgres.conf"), serverSettings(cluster.directory, port));
    try {
      await run(cluster, "pg_ctl", [
        "start",
        "-D",
        cluster.dataDir,
        "-l",
        logPath(cluster),
        "-w",
        "-t",
        String(timeoutSeconds),
        "-s",
      ]);
      running.add(cluster);
      installExitHook();
      cluster.watchdog = startWatchdog(cluster);
      return port;
    } catch (error) {
      lastFailure = `${error instanceof Error ? error.message : String(error)}; server log: ${(await readLog(cluster)).trim()}`;
      if (!/could not bind|address already in use/i.test(lastFailure)) break;
    }
  }
  throw new Error(`test-postgres: the server did not start: ${lastFailure}`);
}

function serverSettings(socketDir: string, port: number): string {
  return [
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${socketDir.replaceAll("'", "''")}'`,
    // A throwaway cluster: nothing needs to survive power loss, and tests should not wait for the disk.
    "fsync = off",
    "synchronous_commit = off",
    "full_page_writes = off",
    "shared_buffers = 16MB",
    "max_connections = 100",
    "ssl = off",
    "",
  ].join("\n");
}

function run(cluster: Cluster, program: string, args: string[]): Promise<unknown> {
  return execFileAsync(join(cluster.binDir, program), args, spawnOptions(cluster)).catch((error: unknown) => {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    const output = `${stderr ?? ""}${stdout ?? ""}`.trim();
    throw new Error(`test-postgres: ${program} failed: ${output || String(error)}`, { cause: error });
  });
}

function spawnOptions(cluster: Cluster) {
  return {
    cwd: cluster.directory,
    // PG* variables of the caller's shell (PGPORT, PGDATA, PGHOST) must not steer the throwaway cluster.
    env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("PG"))),
    encoding: "utf8" as const,
    ...(cluster.runAs ?? {}),
  };
}

async function stopCluster(cluster: Cluster): Promise<void> {
  cluster.watchdog?.kill();
  if (running.delete(cluster)) {
    await run(cluster, "pg_ctl", ["stop", "-D", cluster.dataDir, "-m", "immediate", "-w", "-s"]).catch(() => {
      // Already gone (the exit hook, or killed from outside): removing the directory is what is left.
    });
  }
  await rm(cluster.directory, { recursive: true, force: true });
}

/** The synchronous stop of the exit hook (an `exit` listener cannot await). */
function stopNow(cluster: Cluster): void {
  cluster.watchdog?.kill();
  if (running.delete(cluster)) {
    spawnSync(join(cluster.binDir, "pg_ctl"), ["stop", "-D", cluster.dataDir, "-m", "immediate", "-w", "-s"], {
      ...spawnOptions(cluster),
      stdio: "ignore",
    });
  }
  rmSync(cluster.directory, { recursive: true, force: true });
}

/**
 * A test runner may end its worker with a signal, and then no `exit` hook runs: a detached watchdog process holds
 * the other end of a pipe and stops the cluster when the pipe closes, which happens however this process ends.
 */
function startWatchdog(cluster: Cluster): ChildProcess {
  const ids = cluster.runAs ? [String(cluster.runAs.uid), String(cluster.runAs.gid)] : [];
  const watchdog = spawn(
    process.execPath,
    [watchdogPath, join(cluster.binDir, "pg_ctl"), cluster.dataDir, cluster.directory, ...ids],
    // Its own process group: a Ctrl-C to the test run's group must not kill it before it cleaned up.
    { detached: true, stdio: ["pipe", "ignore", "ignore"] },
  );
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return watchdog;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const cluster of [...running]) stopNow(cluster);
  });
}

function postgresSystemUser(): RunAs {
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
    return { uid: id("-u"), gid: id("-g") };
  } catch (error) {
    throw new Error(
      "test-postgres: initdb refuses to run as root and there is no postgres system user: apt-get install postgresql creates it",
      { cause: error },
    );
  }
}

function logPath(cluster: Cluster): string {
  return join(cluster.directory, "server.log");
}

async function readLog(cluster: Cluster): Promise<string> {
  return readFile(logPath(cluster), "utf8").catch(() => "");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}
