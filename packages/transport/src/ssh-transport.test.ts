// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { seed, simBinPath } from "@imessage-channel/imsg-sim";
import { startTestSshd, type TestSshd } from "@imessage-channel/test-sshd";
import { waitFor } from "@imessage-channel/vitest-config/wait-for";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SshTransport, type SshTransportOptions } from "./ssh-transport.ts";
import type { TransportExit } from "./transport.ts";
import { TransportError } from "./transport-error.ts";

const execFileAsync = promisify(execFile);
const support = join(import.meta.dirname, "test-support");
let sshd: TestSshd;
const transports: SshTransport[] = [];
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  sshd = await startTestSshd();
});
afterAll(async () => {
  await sshd?.stop();
});
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function remoteNode(
  script: string,
  args: string[] = [],
  options: Partial<SshTransportOptions> = {},
  server: TestSshd = sshd,
) {
  const transport = new SshTransport({
    remoteHost: `${server.user}@${server.host}`,
    port: server.port,
    identityFile: server.clientKeyPath,
    knownHostsFile: server.knownHostsPath,
    agentSocket: null,
    // Remote commands run through the login shell, whose PATH may lack Node 24: use absolute paths.
    remoteCliPath: process.execPath,
    args: [join(support, script), ...args],
    ...options,
  });
  transports.push(transport);
  return transport;
}

function record(transport: SshTransport) {
  const seen = { lines: [] as string[], stderr: "", exits: [] as TransportExit[] };
  transport.on("line", (line) => seen.lines.push(line));
  transport.on("stderr", (text) => {
    seen.stderr += text;
  });
  transport.on("exit", (exit) => seen.exits.push(exit));
  return seen;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function knownHostsFile(content: string): string {
  const directory = mkdtempSync(join(tmpdir(), "ssh-known-"));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  const path = join(directory, "known_hosts");
  writeFileSync(path, content);
  return path;
}

async function startFailure(transport: SshTransport): Promise<TransportError> {
  const failure = await transport.start().then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!TransportError.isInstance(failure))
    throw new Error(`expected a TransportError, got ${String(failure)}\n${sshd.logs()}`);
  return failure;
}

describe("SshTransport against a real sshd", () => {
  it("runs the remote command and exchanges lines, stderr included, then closes with exit code 0", async () => {
    const transport = remoteNode("echo-child.mjs");
    const seen = record(transport);
    await transport.start();
    expect(transport.running).toBe(true);
    expect(transport.description).toBe(`ssh ${sshd.user}@127.0.0.1:${sshd.port}: ${transport.remoteCommand}`);
    await transport.writeLine('{"jsonrpc":"2.0","id":1,"method":"chats.list"}');
    await transport.writeLine("héllo 👋");
    await waitFor(() => seen.lines.length === 2, "two echoed lines");
    expect(seen.lines).toEqual(['echo:{"jsonrpc":"2.0","id":1,"method":"chats.list"}', "echo:héllo 👋"]);
    await waitFor(() => seen.stderr.includes("echo-child ready"), "remote stderr");
    const exit = await transport.close();
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(seen.exits).toEqual([exit]);
  });

  it("speaks JSON-RPC with imsg-sim rpc running on the remote side", async () => {
    const directory = mkdtempSync(join(tmpdir(), "ssh-sim-"));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const dbPath = join(directory, "chat.db");
    seed(dbPath);
    const transport = new SshTransport({
      remoteHost: `${sshd.user}@${sshd.host}`,
      port: sshd.port,
      identityFile: sshd.clientKeyPath,
      knownHostsFile: sshd.knownHostsPath,
      agentSocket: null,
      remoteCliPath: process.execPath,
      args: [simBinPath, "rpc", "--db", dbPath],
    });
    transports.push(transport);
    const seen = record(transport);
    await transport.start();
    await transport.writeLine(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "chats.list", params: { limit: 5 } }));
    const response = await waitFor(
      () => seen.lines.map((line) => JSON.parse(line)).find((message) => message.id === 7),
      "the chats.list response",
    );
    expect(response.result.chats.length).toBeGreaterThan(0);
    expect(await transport.close()).toMatchObject({ code: 0 });
  });

  it("passes configured arguments verbatim through the remote shell", async () => {
    const args = [
      "rpc",
      "--db",
      "/Users/bot/Library/Messages/chat db.sqlite",
      "it's",
      "$(touch /tmp/pwned)",
      "*",
      ";id",
    ];
    const transport = remoteNode("print-argv-child.mjs", args);
    const seen = record(transport);
    await transport.start();
    await waitFor(() => seen.exits.length === 1, "the remote command to exit");
    expect(seen.lines.map((line) => JSON.parse(line))).toEqual([args]);
    expect(seen.exits[0]).toMatchObject({ code: 0 });
  });

  it("refuses an unknown host key with the command to run to trust it", async () => {
    const path = knownHostsFile("# empty\n");
    const transport = remoteNode("echo-child.mjs", [], { knownHostsFile: path });
    const seen = record(transport);
    const failure = await startFailure(transport);
    expect(failure.code).toBe("HOST_KEY_UNKNOWN");
    expect(failure.message).toContain(`is not in ${path}`);
    expect(failure.message).toContain(
      `run "ssh -p ${sshd.port} -o UserKnownHostsFile=${path} ${sshd.user}@127.0.0.1" once`,
    );
    expect(failure.message).toContain(`"ssh-keyscan -p ${sshd.port} -t ed25519 127.0.0.1 >> ${path}"`);
    expect(seen.exits).toHaveLength(1);
    expect(seen.exits[0]?.reason).toBe(failure.message);
    expect(transport.running).toBe(false);
  });

  it("refuses a changed host key loudly", async () => {
    const path = knownHostsFile(`[127.0.0.1]:${sshd.port} ${await sshd.otherHostPublicKey()}\n`);
    const failure = await startFailure(remoteNode("echo-child.mjs", [], { knownHostsFile: path }));
    expect(failure.code).toBe("HOST_KEY_MISMATCH");
    expect(failure.message).toContain("man-in-the-middle");
    expect(failure.message).toContain(`ssh-keygen -R '[127.0.0.1]:${sshd.port}' -f ${path}`);
  });

  it("does not trust the key when known_hosts lists it for port 22 instead of the real port", async () => {
    const path = knownHostsFile(`127.0.0.1 ${sshd.hostPublicKey}\n`);
    const failure = await startFailure(remoteNode("echo-child.mjs", [], { knownHostsFile: path }));
    expect(failure.code).toBe("HOST_KEY_UNKNOWN");
  });

  it("refuses without connecting when known_hosts is missing", async () => {
    const missing = join(tmpdir(), `missing-${process.pid}`, "known_hosts");
    const failure = await startFailure(remoteNode("echo-child.mjs", [], { knownHostsFile: missing }));
    expect(failure.code).toBe("KNOWN_HOSTS_UNREADABLE");
  });

  it("accepts a hashed known_hosts entry", async () => {
    const hashed = await startTestSshd({ hashKnownHosts: true });
    try {
      const transport = remoteNode("print-argv-child.mjs", ["hashed"], {}, hashed);
      const seen = record(transport);
      await transport.start();
      await waitFor(() => seen.exits.length === 1, "the remote command to exit");
      expect(seen.lines).toEqual(['["hashed"]']);
    } finally {
      await hashed.stop();
    }
  });

  it("reports a rejected client key as SSH_AUTH_FAILED", async () => {
    const directory = mkdtempSync(join(tmpdir(), "ssh-wrong-key-"));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const wrongKey = join(directory, "id_ed25519");
    await execFileAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", wrongKey]);
    const failure = await startFailure(remoteNode("echo-child.mjs", [], { identityFile: wrongKey }));
    expect(failure.code).toBe("SSH_AUTH_FAILED");
    expect(failure.message).toContain(`tried ${wrongKey}`);
  });

  it("authenticates through ssh-agent", async () => {
    const directory = mkdtempSync(join(tmpdir(), "ssh-agent-"));
    const socket = join(directory, "agent.sock");
    const agent: ChildProcess = spawn("ssh-agent", ["-D", "-a", socket], { stdio: "ignore" });
    cleanups.push(() => {
      agent.kill();
      rmSync(directory, { recursive: true, force: true });
    });
    await waitFor(async () => {
      try {
        await execFileAsync("ssh-add", [sshd.clientKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
        return true;
      } catch {
        return false;
      }
    }, "ssh-add to reach the agent").catch(() => undefined);
    await execFileAsync("ssh-add", [sshd.clientKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
    const transport = remoteNode("print-argv-child.mjs", ["agent"], { identityFile: undefined, agentSocket: socket });
    const seen = record(transport);
    await transport.start();
    await waitFor(() => seen.exits.length === 1, "the remote command to exit");
    expect(seen.lines).toEqual(['["agent"]']);
  });

  it("emits exit once when the server cuts the connection", async () => {
    const transport = remoteNode("echo-child.mjs", [], { keepaliveSec: 1 });
    const seen = record(transport);
    await transport.start();
    await transport.writeLine("before");
    await waitFor(() => seen.lines.includes("echo:before"), "the first echo");
    expect(await sshd.dropConnections()).toBeGreaterThan(0);
    await waitFor(() => seen.exits.length === 1, "the exit event after the cut");
    expect(seen.exits[0]).toMatchObject({ code: null, signal: null });
    expect(seen.exits[0]?.reason).toContain("SSH connection dropped");
    expect(transport.running).toBe(false);
    await expect(transport.writeLine("after")).rejects.toMatchObject({ code: "NOT_RUNNING" });
  });

  it("emits exit when keepalives go unanswered on a silent connection", async () => {
    const transport = remoteNode("echo-child.mjs", [], { keepaliveSec: 1 });
    const seen = record(transport);
    await transport.start();
    await transport.writeLine("before");
    await waitFor(() => seen.lines.includes("echo:before"), "the first echo");
    cleanups.push(() => void sshd.resumeConnections());
    expect(await sshd.pauseConnections()).toBeGreaterThan(0);
    await waitFor(() => seen.exits.length === 1, "the exit event after missed keepalives", 15_000);
    expect(seen.exits[0]).toMatchObject({ code: null, signal: null });
    expect(seen.exits[0]?.reason).toMatch(/SSH connection dropped \(Keepalive timeout\)/);
  });

  it("close() ends a remote command that ignores EOF and TERM, emitting exit once", async () => {
    const transport = remoteNode("stubborn-child.mjs", ["ignore-term"], { closeGraceMs: 100, terminateGraceMs: 300 });
    const seen = record(transport);
    await transport.start();
    await waitFor(() => seen.lines.includes("stubborn ready"), "the remote child to be ready");
    const remotePid = Number(seen.lines.find((line) => line.startsWith("pid:"))?.slice(4));
    const exit = await transport.close();
    // sshd delivers TERM/KILL only for non-root logins (privilege separation); as root close() drops the connection.
    expect(exit.code).toBeNull();
    expect(exit.signal === "SIGKILL" || exit.reason.includes("closed by close()")).toBe(true);
    expect(seen.exits).toEqual([exit]);
    await waitFor(() => !processExists(remotePid), "the remote process to be gone");
  });

  it("explains exit code 127 as imsg missing on the remote host", async () => {
    const transport = remoteNode("echo-child.mjs", [], { remoteCliPath: "/nonexistent/imsg", args: ["rpc"] });
    const seen = record(transport);
    await transport.start();
    await waitFor(() => seen.exits.length === 1, "the exit event");
    expect(seen.exits[0]?.code).toBe(127);
    expect(seen.exits[0]?.reason).toContain("set channels.imessage.remoteCliPath to the absolute path of imsg there");
    expect(seen.stderr).toContain("/nonexistent/imsg");
  });

  it("rejects an invalid remoteHost before connecting", () => {
    expect(() => new SshTransport({ remoteHost: "-oProxyCommand=id" })).toThrow(
      expect.objectContaining({ code: "REMOTE_HOST_INVALID" }),
    );
  });
});
