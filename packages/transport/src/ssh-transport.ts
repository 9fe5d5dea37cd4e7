import { EventEmitter } from "node:events";
import { userInfo } from "node:os";
import { errorMessage, expandHome } from "@imessage-channel/kit";
import type { ClientChannel, Client as SshClient } from "ssh2";
import { ExitRecord } from "./exit-record.ts";
import { serverHostKeyAlgorithms } from "./host-key-algorithms.ts";
import { defaultKnownHostsPath, type HostKeyContext, hostKeyFailure, loadKnownHosts } from "./host-key-verifier.ts";
import { LineFramer } from "./line-framer.ts";
import { loadSsh2 } from "./load-ssh2.ts";
import { buildRemoteCommand } from "./remote-command.ts";
import { formatRemoteHost, validateRemoteHost } from "./remote-host.ts";
import { loadCredentials } from "./ssh-credentials.ts";
import type { Transport, TransportEvents, TransportExit } from "./transport.ts";
import { TransportError } from "./transport-error.ts";
import { writeLineTo } from "./write-line.ts";

export interface SshTransportOptions {
  /** `host` or `user@host` (IPv6 as `[addr]`); validated with validateRemoteHost. */
  remoteHost: string;
  /** SSH port (default 22). */
  port?: number;
  /** Login name when remoteHost has no `user@` (default: the local user name). */
  username?: string;
  /** The imsg command on the remote machine (default `imsg`); a leading `~/` is expanded there. */
  remoteCliPath?: string;
  /** Arguments (default `["rpc"]`), from configuration only: they are quoted for the remote POSIX shell. */
  args?: readonly string[];
  /** A private key file (unencrypted). Default: agent plus `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`. */
  identityFile?: string;
  /** known_hosts file that must vouch for the host key (default `~/.ssh/known_hosts`). */
  knownHostsFile?: string;
  /** ssh-agent socket (default `$SSH_AUTH_SOCK`); null disables the agent. */
  agentSocket?: string | null;
  /** Seconds between SSH keepalives (default 15; 0 disables). Three unanswered ones drop the connection. */
  keepaliveSec?: number;
  /** How long the TCP connect, key exchange and authentication may take (default 20000 ms). */
  readyTimeoutMs?: number;
  /** Longest stdout line kept (default 16 MiB). */
  maxLineBytes?: number;
  /** How long close() waits after sending EOF before signalling TERM (default 2000 ms). */
  closeGraceMs?: number;
  /** How long close() waits after TERM before KILL and closing the connection (default 2000 ms). */
  terminateGraceMs?: number;
}

/**
 * Runs `imsg rpc` (or another configured command) on a remote host over native SSH (ssh2), with strict
 * known_hosts checking. A dropped connection ends the transport with an `exit` event, like a dead child.
 */
export class SshTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly #options: SshTransportOptions;
  readonly #context: HostKeyContext;
  readonly #command: string;
  readonly #label: string;
  #client: SshClient | undefined;
  #channel: ClientChannel | undefined;
  #started = false;
  #exitStatus: { code: number | null; signal: string | null } | undefined;
  #dropReason: string | undefined;
  readonly #end = new ExitRecord();
  /** For writeLineTo, which names the peer only in an error. */
  readonly #describe = (): string => this.description;

  constructor(options: SshTransportOptions) {
    super();
    this.#options = options;
    const remote = validateRemoteHost(options.remoteHost);
    const port = options.port ?? 22;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new TransportError(
        "REMOTE_HOST_INVALID",
        `channels.imessage.ssh.port: ${port} is not a TCP port; use 1-65535 (default 22)`,
      );
    }
    this.#context = {
      host: remote.host,
      port,
      user: remote.user ?? options.username ?? userInfo().username,
      knownHostsPath: expandHome(options.knownHostsFile ?? defaultKnownHostsPath()),
    };
    this.#command = buildRemoteCommand(options.remoteCliPath ?? "imsg", options.args ?? ["rpc"]);
    this.#label = `ssh ${formatRemoteHost(this.#context)}${port === 22 ? "" : `:${port}`}`;
  }

  get description(): string {
    return `${this.#label}: ${this.#command}`;
  }

  get running(): boolean {
    return this.#channel !== undefined && this.#end.exit === undefined;
  }

  /** The exact command line sent to the remote shell. */
  get remoteCommand(): string {
    return this.#command;
  }

  async start(): Promise<void> {
    if (this.#started) {
      throw new TransportError(
        "ALREADY_STARTED",
        `${this.description}: start() was already called; create a new transport to restart`,
      );
    }
    this.#started = true;
    try {
      await this.#connect();
    } catch (error) {
      const failure = TransportError.isInstance(error)
        ? error
        : new TransportError("SSH_CONNECT_FAILED", `${this.#label}: ${errorMessage(error)}`, { cause: error });
      this.#client?.destroy();
      this.#finish({ code: null, signal: null, reason: failure.message });
      throw failure;
    }
  }

  async #connect(): Promise<void> {
    const context = this.#context;
    const destination = formatRemoteHost(context);
    const entries = await loadKnownHosts(context);
    const agentSocket =
      this.#options.agentSocket === null ? undefined : (this.#options.agentSocket ?? process.env.SSH_AUTH_SOCK);
    const credentials = await loadCredentials({
      username: context.user as string,
      destination,
      agentSocket,
      identityFile: this.#options.identityFile,
    });
    for (const skipped of credentials.skipped) this.emit("warning", `${this.#label}: skipped key file ${skipped}`);

    const serverHostKey = serverHostKeyAlgorithms(entries, context.host, context.port);

    const client = new (await loadSsh2()).Client();
    this.#client = client;
    let hostKeyError: TransportError | undefined;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error & { level?: string }) => {
        if (hostKeyError !== undefined) reject(hostKeyError);
        else if (error.level === "client-authentication") {
          reject(
            new TransportError(
              "SSH_AUTH_FAILED",
              `${this.#label}: authentication as "${context.user}" failed (tried ${credentials.tried.join(", ")}): add the public key to ~/.ssh/authorized_keys of that user on the remote host, or set channels.imessage.ssh.identityFile`,
              { cause: error },
            ),
          );
        } else {
          reject(
            new TransportError(
              "SSH_CONNECT_FAILED",
              `${this.#label}: cannot connect to ${context.host} port ${context.port}: ${error.message}; check remoteHost, channels.imessage.ssh.port and that sshd (Remote Login) is on`,
              { cause: error },
            ),
          );
        }
      };
      client.on("error", onError);
      client.once("close", () =>
        reject(new TransportError("SSH_CONNECT_FAILED", `${this.#label}: the connection closed during the handshake`)),
      );
      client.once("ready", () => {
        client.off("error", onError);
        resolve();
      });
      client.connect({
        host: context.host,
        port: context.port,
        username: context.user,
        authHandler: credentials.methods,
        // ssh2 accepts any host key unless this says otherwise: fail closed on anything but a known key.
        hostVerifier: (key: Buffer) => {
          hostKeyError = hostKeyFailure(entries, context, key);
          return hostKeyError === undefined;
        },
        algorithms: { serverHostKey },
        keepaliveInterval: (this.#options.keepaliveSec ?? 15) * 1000,
        keepaliveCountMax: 3,
        readyTimeout: this.#options.readyTimeoutMs ?? 20_000,
      });
    });

    client.on("error", (error) => {
      this.#dropReason ??= error.message;
    });
    client.on("close", () => this.#connectionClosed());
    this.#channel = await this.#exec(client);
  }

  #exec(client: SshClient): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      client.exec(this.#command, (error, channel) => {
        if (error) {
          reject(
            new TransportError(
              "SSH_EXEC_FAILED",
              `${this.#label}: the server refused to run "${this.#command}": ${error.message}`,
              { cause: error },
            ),
          );
          return;
        }
        const framer = new LineFramer({
          maxLineBytes: this.#options.maxLineBytes,
          onLine: (line) => this.emit("line", line),
          onWarning: (message) => this.emit("warning", `${this.description}: ${message}`),
        });
        channel.on("data", (chunk: Buffer) => framer.push(chunk));
        channel.on("end", () => framer.end());
        channel.stderr.setEncoding("utf8");
        channel.stderr.on("data", (text: string) => this.emit("stderr", text));
        channel.on("error", () => {}); // writes after a drop fail through writeLine and the exit event
        channel.on("exit", (code: number | null, signal?: string) => {
          this.#exitStatus = { code: code ?? null, signal: signal ?? null };
        });
        channel.on("close", () => this.#channelClosed());
        resolve(channel);
      });
    });
  }

  #channelClosed(): void {
    const status = this.#exitStatus;
    if (status !== undefined) {
      const what =
        status.signal === null
          ? `exited with code ${status.code}${status.code === 127 ? this.#notFoundHint() : ""}`
          : `was killed by ${status.signal}`;
      this.#finish({ ...status, reason: `${this.description} ${what}` });
      this.#client?.end();
      return;
    }
    // No exit status: the connection is going away; let its close event name the reason when it comes.
    setImmediate(() => this.#connectionClosed());
  }

  // Non-interactive SSH shells on macOS usually lack Homebrew's PATH, so a bare `imsg` is not found there.
  #notFoundHint(): string {
    return ` (command not found on the remote host: set channels.imessage.remoteCliPath to the absolute path of imsg there, e.g. /opt/homebrew/bin/imsg)`;
  }

  #connectionClosed(): void {
    const reason = this.#dropReason === undefined ? "the connection closed" : this.#dropReason;
    this.#finish({
      code: null,
      signal: null,
      reason: `${this.description}: SSH connection dropped (${reason}) before the remote command exited`,
    });
  }

  writeLine(line: string): Promise<void> {
    const channel = this.#channel;
    if (channel === undefined || this.#end.exit !== undefined) {
      return Promise.reject(
        new TransportError("NOT_RUNNING", `${this.description}: cannot write, the session is not running`),
      );
    }
    return writeLineTo(channel, line, this.#describe);
  }

  /** Sends EOF on the remote stdin without waiting: for one-shot commands that read nothing. */
  endInput(): void {
    this.#channel?.end();
  }

  async close(): Promise<TransportExit> {
    const channel = this.#channel;
    if (channel === undefined || this.#end.exit !== undefined) {
      return this.#end.exit ?? { code: null, signal: null, reason: `${this.description}: never started` };
    }
    channel.end();
    if (await this.#end.endsWithin(this.#options.closeGraceMs ?? 2000)) return this.#end.exited;
    sendSignal(channel, "TERM");
    if (await this.#end.endsWithin(this.#options.terminateGraceMs ?? 2000)) return this.#end.exited;
    sendSignal(channel, "KILL");
    if (await this.#end.endsWithin(1000)) return this.#end.exited;
    this.#dropReason ??= "closed by close() after the remote command ignored EOF, TERM and KILL";
    this.#client?.destroy();
    return this.#end.exited;
  }

  #finish(exit: TransportExit): void {
    if (this.#end.finish(exit)) this.emit("exit", exit);
  }
}

/**
 * Sends an RFC 4254 "signal" request. ssh2's channel.signal() does nothing once stdin was ended
 * (it checks `writable`), but close() must signal after EOF, so this goes to the protocol directly.
 */
function sendSignal(channel: ClientChannel, name: string): void {
  const internals = channel as unknown as {
    outgoing?: { id: number; state: string };
    _client?: { _protocol?: { signal(id: number, name: string): void } };
  };
  const protocol = internals._client?._protocol;
  const state = internals.outgoing?.state;
  if ((state === "open" || state === "eof") && protocol !== undefined && internals.outgoing !== undefined)
    protocol.signal(internals.outgoing.id, name);
  else channel.signal(name);
}
