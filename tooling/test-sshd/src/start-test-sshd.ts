import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export interface TestSshdOptions {
  /** Write the known_hosts entry hashed (`|1|salt|hash`, as `ssh-keygen -H` does) instead of plain. */
  hashKnownHosts?: boolean;
  /** The sshd binary (default `$TEST_SSHD_PATH` or `/usr/sbin/sshd`). */
  sshdPath?: string;
  /** Extra sshd_config lines, appended after the fixture's own. */
  extraConfig?: readonly string[];
  /** How long to wait for sshd to listen (default 10 s). */
  startTimeoutMs?: number;
}

export interface TestSshd {
  host: "127.0.0.1";
  port: number;
  /** The current user: sshd runs as it, so it can only log this user in. */
  user: string;
  /** Private key (OpenSSH format, no passphrase) authorized for `user`. */
  clientKeyPath: string;
  /** A known_hosts file holding exactly this server's `[127.0.0.1]:port` entry (hashed when asked). */
  knownHostsPath: string;
  /** The host key as a known_hosts key field: `ssh-ed25519 AAAA…`. */
  hostPublicKey: string;
  /** The temp directory holding keys, config and pid file (removed by stop/kill). */
  directory: string;
  /** pid of the listening sshd. */
  pid: number;
  /** Everything sshd logged so far (`-e`): include it in assertion messages when a login fails. */
  logs(): string;
  /** A fresh ed25519 key line (`ssh-ed25519 AAAA…`) that is not this server's, for changed-key tests. */
  otherHostPublicKey(): Promise<string>;
  /** Kills every session process (SIGKILL) while the listener stays up: a connection cut from the server side. */
  dropConnections(): Promise<number>;
  /** SIGSTOPs every session process: the TCP connection stays open but nothing answers (a sleeping Mac). */
  pauseConnections(): Promise<number>;
  /** SIGCONTs the session processes paused by pauseConnections(). */
  resumeConnections(): Promise<number>;
  /** SIGTERM sshd and its sessions, wait, remove the temp directory. */
  stop(): Promise<void>;
  /** SIGKILL sshd and its sessions at once, then remove the temp directory. */
  kill(): Promise<void>;
}

/**
 * Starts the real OpenSSH `sshd -D -e` on a free 127.0.0.1 port with throwaway keys, running as the current
 * user (root included). Throws when sshd is missing: SSH tests must fail, never skip silently.
 */
export async function startTestSshd(options: TestSshdOptions = {}): Promise<TestSshd> {
  const sshdPath = options.sshdPath ?? process.env.TEST_SSHD_PATH ?? "/usr/sbin/sshd";
  if (!existsSync(sshdPath)) {
    throw new Error(
      `test-sshd: OpenSSH sshd not found at "${sshdPath}": install it (apt-get install openssh-server; .ci/run does this) or set TEST_SSHD_PATH`,
    );
  }
  const directory = await mkdtemp(join(tmpdir(), "test-sshd-"));
  try {
    return await startIn(directory, sshdPath, options);
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

async function startIn(directory: string, sshdPath: string, options: TestSshdOptions): Promise<TestSshd> {
  const hostKeyPath = join(directory, "ssh_host_ed25519_key");
  const clientKeyPath = join(directory, "client_ed25519_key");
  await Promise.all([generateKey(hostKeyPath, "test-sshd-host"), generateKey(clientKeyPath, "test-sshd-client")]);
  const hostPublicKey = keyField(await readFile(`${hostKeyPath}.pub`, "utf8"));
  await writeFile(join(directory, "authorized_keys"), await readFile(`${clientKeyPath}.pub`, "utf8"), { mode: 0o600 });
  const user = userInfo().username;
  const isRoot = process.getuid?.() === 0;
  // sshd refuses to start as root without its privilege separation directory (normally made by systemd).
  if (isRoot) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });

  let lastFailure = "";
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const configPath = join(directory, "sshd_config");
    await writeFile(configPath, sshdConfig(directory, hostKeyPath, port, isRoot, options.extraConfig ?? []));
    const started = await launch(sshdPath, configPath, port, options.startTimeoutMs ?? 10_000);
    if ("failure" in started) {
      lastFailure = started.failure;
      if (/bind|address already in use/i.test(started.failure)) continue;
      break;
    }
    const knownHostsPath = join(directory, "known_hosts");
    const name = `[127.0.0.1]:${port}`;
    const hostField = options.hashKnownHosts ? hashedName(name) : name;
    await writeFile(knownHostsPath, `${hostField} ${hostPublicKey}\n`, { mode: 0o600 });
    return handle({
      directory,
      port,
      user,
      clientKeyPath,
      knownHostsPath,
      hostPublicKey,
      child: started.child,
      logs: started.logs,
    });
  }
  throw new Error(`test-sshd: sshd did not start: ${lastFailure}`);
}

interface HandleParts {
  directory: string;
  port: number;
  user: string;
  clientKeyPath: string;
  knownHostsPath: string;
  hostPublicKey: string;
  child: ChildProcess;
  logs: () => string;
}

function handle(parts: HandleParts): TestSshd {
  const { child, directory } = parts;
  const pid = child.pid as number;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  const shutDown = async (signal: NodeJS.Signals) => {
    for (const descendant of descendantsOf(pid)) {
      signalQuietly(descendant, signal);
      signalQuietly(descendant, "SIGCONT"); // a paused session would hold a SIGTERM until continued
    }
    signalQuietly(pid, signal);
    const timer = setTimeout(() => {
      for (const descendant of descendantsOf(pid)) signalQuietly(descendant, "SIGKILL");
      signalQuietly(pid, "SIGKILL");
    }, 5000);
    await exited;
    clearTimeout(timer);
    await rm(directory, { recursive: true, force: true });
  };
  return {
    host: "127.0.0.1",
    port: parts.port,
    user: parts.user,
    clientKeyPath: parts.clientKeyPath,
    knownHostsPath: parts.knownHostsPath,
    hostPublicKey: parts.hostPublicKey,
    directory,
    pid,
    logs: parts.logs,
    async otherHostPublicKey() {
      const path = join(directory, `other_host_key_${randomBytes(4).toString("hex")}`);
      await generateKey(path, "test-sshd-other");
      return keyField(await readFile(`${path}.pub`, "utf8"));
    },
    async dropConnections() {
      const sessions = descendantsOf(pid);
      for (const session of sessions) signalQuietly(session, "SIGKILL");
      return sessions.length;
    },
    async pauseConnections() {
      const sessions = descendantsOf(pid);
      for (const session of sessions) signalQuietly(session, "SIGSTOP");
      return sessions.length;
    },
    async resumeConnections() {
      const sessions = descendantsOf(pid);
      for (const session of sessions) signalQuietly(session, "SIGCONT");
      return sessions.length;
    },
    stop: () => shutDown("SIGTERM"),
    kill: () => shutDown("SIGKILL"),
  };
}

function sshdConfig(
  directory: string,
  hostKeyPath: string,
  port: number,
  isRoot: boolean,
  extra: readonly string[],
): string {
  return [
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${hostKeyPath}`,
    `PidFile ${join(directory, "sshd.pid")}`,
    `AuthorizedKeysFile ${join(directory, "authorized_keys")}`,
    "AuthenticationMethods publickey",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    // PAM session modules (pam_loginuid) fail in containers; keys alone are enough here.
    "UsePAM no",
    // The temp dir and key files belong to the test, not to a hardened home directory.
    "StrictModes no",
    `PermitRootLogin ${isRoot ? "prohibit-password" : "no"}`,
    "Subsystem sftp internal-sftp",
    "LogLevel VERBOSE",
    "MaxStartups 50",
    "UseDNS no",
    // bash sources ~/.bashrc for commands sshd runs only at SHLVL 0: with SHLVL=1 a session does not depend on
    // the user's rc files. (A pyenv `rehash` killed by a dropped connection once left a lock that made every
    // later session's .bashrc wait 60 s.)
    // The imsg release a simulated Mac plays (IMSG_SIM_VERSION) carries over to the sims a session starts, as a
    // spawned child inherits it: the same personality over SSH as locally.
    ["SetEnv SHLVL=1", ...simVersionVariable()].join(" "),
    ...extra,
    "",
  ].join("\n");
}

function simVersionVariable(): string[] {
  const version = process.env.IMSG_SIM_VERSION;
  return version && /^[\d.]+$/.test(version) ? [`IMSG_SIM_VERSION=${version}`] : [];
}

type Launch = { child: ChildProcess; logs: () => string } | { failure: string };

function launch(sshdPath: string, configPath: string, port: number, timeoutMs: number): Promise<Launch> {
  return new Promise((resolve) => {
    // sshd insists on an absolute path to itself (it re-executes itself per connection).
    const child = spawn(sshdPath, ["-D", "-e", "-f", configPath], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    let settled = false;
    const settle = (value: Launch) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      settle({ failure: `no "Server listening" line within ${timeoutMs} ms; log: ${log.trim()}` });
    }, timeoutMs);
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (text: string) => {
      log += text;
      if (log.includes(`Server listening on 127.0.0.1 port ${port}`)) settle({ child, logs: () => log });
    });
    child.once("error", (error) => settle({ failure: error.message }));
    child.once("exit", (code, signal) =>
      settle({ failure: `sshd exited (${signal ?? code}) before listening: ${log.trim()}` }),
    );
  });
}

async function generateKey(path: string, comment: string): Promise<void> {
  try {
    await execFileAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path]);
  } catch (error) {
    throw new Error(
      `test-sshd: ssh-keygen failed (install openssh-client): ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
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

/** `ssh-ed25519 AAAA…` out of a `.pub` line (drops the comment). */
function keyField(publicKeyLine: string): string {
  const [type, base64] = publicKeyLine.trim().split(/\s+/);
  return `${type} ${base64}`;
}

function hashedName(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update(name).digest("base64")}`;
}

/** Every process below `rootPid` (Linux /proc), children first so a session dies before its parent notices. */
function descendantsOf(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // Field 4 (ppid) follows the parenthesised command name, which may itself contain spaces or parentheses.
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = children.get(parent) ?? [];
    list.push(Number(entry));
    children.set(parent, list);
  }
  const result: number[] = [];
  const visit = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      visit(child);
      result.push(child);
    }
  };
  visit(rootPid);
  return result;
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
