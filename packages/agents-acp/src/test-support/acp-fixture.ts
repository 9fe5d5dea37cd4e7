import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const fixtureScript = join(import.meta.dirname, "acp-fixture-agent.ts");

export interface AcpFixtureEvent {
  pid: number;
  method: string;
  sessionId?: string;
  text?: string;
  kind?: string;
  outcome?: string;
  cwd?: string;
  clientCapabilities?: unknown;
}

/** A temp dir for the fixture agent's event log and session file, shared by the processes a test starts. */
export interface AcpFixture {
  directory: string;
  /** argv that starts the fixture agent; `load` makes it advertise `session/load`, `banner` print a non-JSON line first. */
  command(options?: { load?: boolean; banner?: boolean; requireAuth?: boolean }): string[];
  /** What the fixture agents were told so far, oldest first. */
  events(method?: string): AcpFixtureEvent[];
  cleanup(): Promise<void>;
}

export async function createAcpFixture(): Promise<AcpFixture> {
  const directory = await mkdtemp(join(tmpdir(), "acp-fixture-"));
  const logPath = join(directory, "events.jsonl");
  const sessionsPath = join(directory, "sessions.json");
  return {
    directory,
    command: (options = {}) => [
      process.execPath,
      fixtureScript,
      "--log",
      logPath,
      "--sessions",
      sessionsPath,
      ...(options.load ? ["--load"] : []),
      ...(options.banner ? ["--banner"] : []),
      ...(options.requireAuth ? ["--require-auth"] : []),
    ],
    events(method) {
      if (!existsSync(logPath)) return [];
      const events = readFileSync(logPath, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as AcpFixtureEvent);
      return method ? events.filter((event) => event.method === method) : events;
    },
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
}
