import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seed, simBinPath } from "@imessage-channel/imsg-sim";
import { LocalTransport, type LocalTransportOptions } from "@imessage-channel/transport";

/** A seeded real-schema chat.db in a temp dir, and transports that run `imsg-sim rpc` on it. */
export class SimHarness {
  readonly directory: string;
  readonly dbPath: string;
  readonly home: string;
  readonly transports: LocalTransport[] = [];

  constructor() {
    this.directory = mkdtempSync(join(tmpdir(), "rpc-client-test-"));
    this.dbPath = join(this.directory, "chat.db");
    this.home = join(this.directory, "home");
    mkdirSync(this.home);
    seed(this.dbPath);
  }

  /** A fresh transport to `imsg-sim rpc --db <db> <flags>` (fast 100 ms fallback poll unless overridden). */
  transport(flags: string[] = [], options: Partial<LocalTransportOptions> = {}): LocalTransport {
    const transport = new LocalTransport({
      cliPath: process.execPath,
      args: [simBinPath, "rpc", "--db", this.dbPath, "--poll-interval-ms", "100", ...flags],
      env: { ...process.env, HOME: this.home },
      closeGraceMs: 1000,
      terminateGraceMs: 1000,
      ...options,
    });
    this.transports.push(transport);
    return transport;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.transports.map((transport) => transport.close()));
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** The pid in a LocalTransport description (`… (pid 4242)`), to kill the child like a crash would. */
export function pidOf(transport: LocalTransport): number {
  const match = /\(pid (\d+)\)/.exec(transport.description);
  if (match?.[1] === undefined) throw new Error(`no pid in "${transport.description}"`);
  return Number(match[1]);
}
