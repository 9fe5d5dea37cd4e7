// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { findPostgresBinaries, postgresNotFoundMessage } from "./find-postgres-binaries.ts";
import { startTestPostgres, type TestPostgres } from "./start-test-postgres.ts";

const started: TestPostgres[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((cluster) => cluster.stop()));
});

async function start(options: Parameters<typeof startTestPostgres>[0] = {}): Promise<TestPostgres> {
  const cluster = await startTestPostgres(options);
  started.push(cluster);
  return cluster;
}

async function query(connection: pg.ClientConfig, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client(connection);
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("startTestPostgres", () => {
  it("starts a cluster that answers select 1 over TCP and over its Unix socket, in the database it created", async () => {
    const cluster = await start({ database: "lease_tests" });
    expect(cluster.url).toBe(`postgresql://postgres@127.0.0.1:${cluster.port}/lease_tests`);
    expect(await query({ connectionString: cluster.url }, "select 1 as one, current_database() as name")).toEqual([
      { one: 1, name: "lease_tests" },
    ]);
    expect(existsSync(join(cluster.socketDir, `.s.PGSQL.${cluster.port}`))).toBe(true);
    const overSocket = await query(
      { host: cluster.socketDir, port: cluster.port, user: cluster.user, database: cluster.database },
      "select 1 as one",
    );
    expect(overSocket).toEqual([{ one: 1 }]);
  });

  it("runs two clusters at once, each with its own port, directory and data", async () => {
    const [first, second] = await Promise.all([start(), start()]);
    expect(first?.port).not.toBe(second?.port);
    expect(first?.directory).not.toBe(second?.directory);
    await query({ connectionString: first?.url }, "create table only_here (id int)");
    const tables = (url: string | undefined) =>
      query({ connectionString: url }, "select count(*)::int as n from pg_tables where tablename = 'only_here'");
    expect(await tables(first?.url)).toEqual([{ n: 1 }]);
    expect(await tables(second?.url)).toEqual([{ n: 0 }]);
  });

  it("runs with durability off, since the data is thrown away", async () => {
    const cluster = await start();
    const rows = await query(
      { connectionString: cluster.url },
      "select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'ssl', 'listen_addresses') order by name",
    );
    expect(rows).toEqual([
      { name: "fsync", setting: "off" },
      { name: "listen_addresses", setting: "127.0.0.1" },
      { name: "ssl", setting: "off" },
      { name: "synchronous_commit", setting: "off" },
    ]);
  });

  it("requires the password over TCP when one is given", async () => {
    const cluster = await start({ password: "fixture-secret" });
    expect(await query({ connectionString: cluster.url }, "select 1 as one")).toEqual([{ one: 1 }]);
    const wrong = cluster.url.replace("fixture-secret", "not-it");
    await expect(query({ connectionString: wrong }, "select 1")).rejects.toThrow(/password authentication failed/);
  });

  it("stop() stops the server and removes its directory", async () => {
    const cluster = await start();
    await cluster.stop();
    expect(existsSync(cluster.directory)).toBe(false);
    await expect(query({ connectionString: cluster.url, connectionTimeoutMillis: 2000 }, "select 1")).rejects.toThrow(
      /ECONNREFUSED/,
    );
    await cluster.stop(); // twice is harmless
  });

  it("a test process that exits without stop() leaves no running cluster and no directory behind", async () => {
    const script = fileURLToPath(new URL("./test-support/start-and-exit.ts", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [script], { encoding: "utf8" });
    const { directory, url } = JSON.parse(stdout) as { directory: string; url: string };
    expect(existsSync(directory)).toBe(false);
    await expect(query({ connectionString: url, connectionTimeoutMillis: 2000 }, "select 1")).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });

  it("a test process killed with SIGKILL leaves no running cluster behind: the watchdog stops it", async () => {
    const script = fileURLToPath(new URL("./test-support/start-and-exit.ts", import.meta.url));
    const child = spawn(process.execPath, [script, "hang"], { stdio: ["ignore", "pipe", "inherit"] });
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding("utf8").once("data", (text: string) => resolve(text));
      child.once("exit", (code) => reject(new Error(`the test process exited (${code}) before starting a cluster`)));
    });
    const { directory, url } = JSON.parse(line) as { directory: string; url: string };
    expect(await query({ connectionString: url }, "select 1 as one")).toEqual([{ one: 1 }]);
    child.kill("SIGKILL");
    await vi.waitFor(
      () => {
        if (existsSync(directory)) throw new Error(`${directory} is still there`);
      },
      { timeout: 15_000, interval: 50 },
    );
    await expect(query({ connectionString: url, connectionTimeoutMillis: 2000 }, "select 1")).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });

  it("throws one line saying how to install PostgreSQL when the server binaries are missing", async () => {
    await expect(startTestPostgres({ binDir: "/nonexistent/postgresql/bin" })).rejects.toThrow(
      new Error("PostgreSQL server not found (initdb): apt-get install postgresql — bash .ci/run installs it"),
    );
    const nowhere = { pgConfig: "/nonexistent/pg_config", debianRoot: "/nonexistent", path: "/nonexistent" };
    expect(() => findPostgresBinaries(nowhere)).toThrow(new Error(postgresNotFoundMessage));
  });

  it("finds the newest Debian server directory when pg_config is missing", () => {
    const found = findPostgresBinaries({ pgConfig: "/nonexistent/pg_config", path: "/nonexistent" });
    expect(found).toMatch(/^\/usr\/lib\/postgresql\/\d+\/bin$/);
  });
});
