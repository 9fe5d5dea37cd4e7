// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { waitFor } from "@imessage-channel/agents/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AcpCwdMissingError, AcpRuntimeClosedError } from "./acp-errors.ts";
import { type AcpProcessPool, type AcpProcessPoolOptions, createAcpProcessPool } from "./acp-process-pool.ts";
import { type AcpFixture, createAcpFixture } from "./test-support/acp-fixture.ts";

let fixture: AcpFixture;
const pools: AcpProcessPool[] = [];

beforeEach(async () => {
  fixture = await createAcpFixture();
});

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
  await fixture.cleanup();
});

function pool(options: Partial<AcpProcessPoolOptions> = {}): AcpProcessPool {
  const created = createAcpProcessPool({
    agent: "fixture",
    command: fixture.command(),
    stateDir: fixture.directory,
    startTimeoutMs: 30_000,
    onUpdate: () => {},
    onPermission: () => ({ outcome: { outcome: "cancelled" } }),
    ...options,
  });
  pools.push(created);
  return created;
}

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("ACP process pool", () => {
  it("starts one process for concurrent callers and reuses it while it runs", async () => {
    const agents = pool();
    expect(agents.live()).toBeUndefined();
    const [first, second] = await Promise.all([agents.running(), agents.running()]);
    expect(second).toBe(first);
    expect(await agents.running()).toBe(first);
    expect(agents.live()).toBe(first);
    expect(fixture.events("initialize")).toHaveLength(1);
  });

  it("starts a new process, once, for the callers after the last one died", async () => {
    const agents = pool();
    const first = await agents.running();
    process.kill(first.pid as number, "SIGKILL");
    await first.exited;
    expect(agents.live()).toBeUndefined();
    const [second, third] = await Promise.all([agents.running(), agents.running()]);
    expect(second).toBe(third);
    expect(second.pid).not.toBe(first.pid);
    expect(new Set(fixture.events("initialize").map((event) => event.pid))).toEqual(new Set([first.pid, second.pid]));
  });

  it("tries again after a failed start", async () => {
    const agents = pool({ cwd: join(fixture.directory, "later") });
    const error = await agents.running().catch((failure: unknown) => failure);
    expect(AcpCwdMissingError.isInstance(error) && error.cwd).toBe(join(fixture.directory, "later"));
    expect(String(error)).toContain("is not a directory; create it or fix runtime.acp.cwd");
    await mkdir(join(fixture.directory, "later"));
    expect((await agents.running()).alive).toBe(true);
  });

  it("stops the process on close, a start in progress included, and starts none after", async () => {
    const agents = pool();
    const starting = agents.running();
    await agents.close();
    const agentProcess = await starting;
    expect(agentProcess.alive).toBe(false);
    await waitFor("the agent to be gone", () => !isRunning(agentProcess.pid as number));
    expect(agents.closed).toBe(true);
    expect(agents.live()).toBeUndefined();
    const error = await agents.running().catch((failure: unknown) => failure);
    expect(AcpRuntimeClosedError.isInstance(error)).toBe(true);
    expect(String(error)).toContain("ACP agent fixture is closed");
  });
});
