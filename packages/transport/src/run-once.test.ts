// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { join } from "node:path";
import { simBinPath } from "@imessage-channel/imsg-sim";
import { errorMessage } from "@imessage-channel/kit";
import { startTestSshd, type TestSshd } from "@imessage-channel/test-sshd";
import { waitFor } from "@imessage-channel/vitest-config/wait-for";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunTimeoutError, runOnce } from "./run-once.ts";

const hangChild = join(import.meta.dirname, "test-support", "hang-child.mjs");
let sshd: TestSshd;

beforeAll(async () => {
  sshd = await startTestSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

function sshTarget() {
  return {
    transport: "ssh" as const,
    remoteHost: `${sshd.user}@${sshd.host}`,
    port: sshd.port,
    identityFile: sshd.clientKeyPath,
    knownHostsFile: sshd.knownHostsPath,
    agentSocket: null,
    remoteCliPath: process.execPath,
  };
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("runOnce", () => {
  it("runs --version, rpc --help and status --json locally", async () => {
    const local = { transport: "local" as const, cliPath: process.execPath };
    expect(await runOnce({ ...local, args: [simBinPath, "--version", "--imsg-version", "0.9.0"] })).toEqual({
      code: 0,
      signal: null,
      stdout: "0.9.0\n",
      stderr: "",
    });
    const help = await runOnce({ ...local, args: [simBinPath, "rpc", "--help", "--imsg-version", "0.9.0"] });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("imsg rpc");
    const status = await runOnce({ ...local, args: [simBinPath, "status", "--json", "--imsg-version", "0.9.0"] });
    expect(JSON.parse(status.stdout)).toMatchObject({
      version: "0.9.0",
      rpc_methods: expect.arrayContaining(["watch.subscribe"]),
    });
  });

  it("runs status --json over SSH", async () => {
    const status = await runOnce({
      ...sshTarget(),
      args: [simBinPath, "status", "--json", "--imsg-version", "0.15.10"],
    });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ version: "0.15.10" });
  });

  it("reports a non-zero exit code with stderr", async () => {
    const result = await runOnce({
      transport: "local",
      cliPath: process.execPath,
      args: ["-e", "console.error('no rpc'); process.exit(64)"],
    });
    expect(result).toEqual({ code: 64, signal: null, stdout: "", stderr: "no rpc\n" });
  });

  it("kills a local command that outlives the timeout and keeps its partial output", async () => {
    const failure = await runOnce({
      transport: "local",
      cliPath: process.execPath,
      args: [hangChild],
      timeoutMs: 300,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RunTimeoutError);
    expect(failure).toMatchObject({ code: "RUN_TIMEOUT", stdout: "partial\n" });
    expect(errorMessage(failure)).toContain("did not finish within 300 ms and was killed");
  });

  it("ends a remote command that outlives the timeout", async () => {
    const failure = await runOnce({
      ...sshTarget(),
      args: [
        "-e",
        `console.log("pid:" + process.pid); await import(${JSON.stringify(hangChild)})`,
        "--input-type=module",
      ],
      timeoutMs: 2500,
    }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: "RUN_TIMEOUT" });
    const remotePid = Number(/pid:(\d+)/.exec((failure as RunTimeoutError).stdout)?.[1]);
    expect(remotePid).toBeGreaterThan(0);
    await waitFor(() => !processExists(remotePid), "the remote process to be gone");
  });

  it("rejects with the start error when imsg is missing", async () => {
    await expect(
      runOnce({ transport: "local", cliPath: "/nonexistent/imsg", args: ["--version"] }),
    ).rejects.toMatchObject({ code: "CLI_NOT_FOUND" });
  });
});
