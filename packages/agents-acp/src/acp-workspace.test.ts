import { statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AcpCwdMissingError } from "./acp-errors.ts";
import { agentProcessCwd, sessionCwd } from "./acp-workspace.ts";

let stateDir: string;

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "acp-workspace-"));
});

afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe("ACP workspace", () => {
  it("runs the agent in the configured cwd, else in <stateDir>/acp (created, private)", async () => {
    expect(await agentProcessCwd({ agent: "codex", cwd: stateDir, stateDir: "/elsewhere" })).toBe(stateDir);
    const own = await agentProcessCwd({ agent: "codex", stateDir });
    expect(own).toBe(join(stateDir, "acp"));
    expect(statSync(own).mode & 0o777).toBe(0o700);
    expect(await agentProcessCwd({ agent: "codex" })).toBe(process.cwd());
  });

  it("refuses a configured cwd that is missing or not a directory, naming it and the fix", async () => {
    const file = join(stateDir, "a-file");
    await writeFile(file, "");
    for (const cwd of [join(stateDir, "missing"), file]) {
      const error = await failure(agentProcessCwd({ agent: "codex", cwd }));
      expect(AcpCwdMissingError.isInstance(error) && error).toMatchObject({
        code: "AGENT_EXIT",
        cwd,
        retryable: false,
      });
      expect(String(error)).toContain(
        `ACP agent codex: cwd "${cwd}" is not a directory; create it or fix runtime.acp.cwd`,
      );
    }
  });

  it("gives a session its own directory, then the configured cwd, then its own workspace", async () => {
    const options = {
      agent: "codex",
      stateDir,
      sessionCwd: (sessionKey: string) => (sessionKey === "bound" ? "/srv/repo" : undefined),
    };
    expect(await sessionCwd(options, "bound")).toBe("/srv/repo");
    expect(await sessionCwd({ ...options, cwd: "/srv/shared" }, "other")).toBe("/srv/shared");
    const workspace = await sessionCwd(options, "agent:main:imessage:group:7");
    expect(dirname(workspace)).toMatch(new RegExp(`^${join(stateDir, "acp", "codex-")}[0-9a-f]{8}$`));
    expect(basename(workspace)).toMatch(/^agent-main-imessage-group-7-[0-9a-f]{8}$/);
    expect(statSync(workspace).isDirectory()).toBe(true);
    expect(await sessionCwd({ agent: "codex" }, "other")).toBe(process.cwd());
  });

  it("keeps session keys that read alike in different workspaces", async () => {
    const options = { agent: "codex", stateDir };
    const upper = await sessionCwd(options, "Agent:Main");
    const lower = await sessionCwd(options, "agent-main");
    expect(upper).not.toBe(lower);
    expect(basename(upper).startsWith("agent-main-")).toBe(true);
    expect(basename(await sessionCwd(options, "¿?"))).toMatch(/^session-[0-9a-f]{8}$/);
  });
});
