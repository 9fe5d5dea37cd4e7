import { homedir } from "node:os";
import type { Readable } from "node:stream";
import {
  formatRemoteHost,
  hostKeyFailure,
  loadKnownHosts,
  TransportError,
  validateRemoteHost,
} from "@imessage-channel/transport";
import { Client, type ConnectConfig, type SFTPWrapper, type Stats } from "ssh2";
import { AttachmentError, type AttachmentErrorCode } from "./attachment-error.ts";
import type { AttachmentSource, SourceFileStat } from "./attachment-source.ts";
import { expandHome } from "./path-shape.ts";
import { resolveSshCredentials } from "./ssh-credentials.ts";

export interface SftpSourceOptions {
  /** `channels.imessage.remoteHost`: `host` or `user@host` (the user defaults to the local user name). */
  remoteHost: string;
  port?: number;
  /** Default `~/.ssh/known_hosts`. Unreadable → every fetch is refused. */
  knownHostsFile?: string;
  identityFile?: string;
  /** Default `$SSH_AUTH_SOCK`. */
  agentSocket?: string;
  /** Default 15 (`channels.imessage.ssh.keepaliveSec`); 0 turns keepalives off. */
  keepaliveSec?: number;
  /** How long connecting may take (default 20 s). */
  connectTimeoutMs?: number;
  /** The connection closes after this long without a transfer (default 30 s) and reopens on the next fetch. */
  idleCloseMs?: number;
  /** The local user name when `remoteHost` has no `user@` (default `$USER`). */
  defaultUser?: string;
  /** The gateway's home, for `~` in `knownHostsFile` and `identityFile` and the default keys. */
  localHome?: string;
}

interface Session {
  client: Client;
  sftp: SFTPWrapper;
  home: string;
}

/** SFTP status 2 is SSH_FX_NO_SUCH_FILE: the file is not there (yet). */
const noSuchFile = 2;

function toNodeError(error: unknown, path: string): Error {
  const code = (error as { code?: unknown }).code;
  if (code === noSuchFile)
    return Object.assign(new Error(`${path}: no such file on the Mac`, { cause: error }), { code: "ENOENT" });
  return error instanceof Error ? error : new Error(String(error));
}

function promised<T>(
  run: (callback: (error: Error | null | undefined, value: T) => void) => void,
  path: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    run((error, value) => (error ? reject(toNodeError(error, path)) : resolve(value)));
  });
}

function asAttachmentError(error: unknown, fallback: AttachmentErrorCode, message: string): AttachmentError {
  if (AttachmentError.isInstance(error)) return error;
  if (TransportError.isInstance(error)) {
    const code = [
      "KNOWN_HOSTS_UNREADABLE",
      "HOST_KEY_UNKNOWN",
      "HOST_KEY_MISMATCH",
      "HOST_KEY_REVOKED",
      "REMOTE_HOST_INVALID",
    ].includes(error.code)
      ? (error.code as AttachmentErrorCode)
      : fallback;
    return new AttachmentError(code, error.message, { cause: error });
  }
  return new AttachmentError(fallback, `${message}: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });
}

/**
 * Reads attachments from the Mac over ssh2's SFTP subsystem (no `scp`, no shell: paths travel inside SFTP
 * requests, never as command words). The host key is checked against known_hosts with the transport's
 * verifier and the connection fails closed: unknown host, changed key, revoked key or an unreadable file.
 * One connection is shared by every fetch and closed after `idleCloseMs` without work.
 */
export function createSftpSource(options: SftpSourceOptions): AttachmentSource {
  const remote = validateRemoteHost(options.remoteHost);
  const port = options.port ?? 22;
  const user = remote.user ?? options.defaultUser ?? process.env.USER ?? "root";
  const localHome = options.localHome ?? homedir();
  const knownHostsPath = expandHome(options.knownHostsFile ?? "~/.ssh/known_hosts", localHome);
  const destination = `${formatRemoteHost({ user, host: remote.host })}${port === 22 ? "" : `:${port}`}`;
  const idleCloseMs = options.idleCloseMs ?? 30_000;
  let session: Promise<Session> | undefined;
  let active = 0;
  let idleTimer: NodeJS.Timeout | undefined;

  async function connect(): Promise<Session> {
    const context = { host: remote.host, port, user, knownHostsPath };
    const entries = await loadKnownHosts(context);
    const credentials = await resolveSshCredentials({
      destination,
      agentSocket: options.agentSocket ?? process.env.SSH_AUTH_SOCK,
      ...(options.identityFile ? { identityFile: options.identityFile } : {}),
      home: localHome,
    });
    const client = new Client();
    // Errors before "ready" reject below; later ones (a reset after a refusal, a dropped link) close the
    // client, and the next fetch reconnects. Without a listener they would crash the gateway.
    client.on("error", () => {});
    let refusal: TransportError | undefined;
    const config: ConnectConfig = {
      host: remote.host,
      port,
      username: user,
      ...credentials,
      readyTimeout: options.connectTimeoutMs ?? 20_000,
      keepaliveInterval: (options.keepaliveSec ?? 15) * 1000,
      hostVerifier: (key: Buffer) => {
        refusal = hostKeyFailure(entries, context, key);
        return refusal === undefined;
      },
    };
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
      client.once("error", (error) =>
        reject(refusal ?? asAttachmentError(error, "SSH_CONNECT_FAILED", `SSH connection to ${destination} failed`)),
      );
      client.once("ready", () => {
        client.sftp((error, wrapper) =>
          error
            ? reject(asAttachmentError(error, "SFTP_FAILED", `${destination} refused the SFTP subsystem`))
            : resolve(wrapper),
        );
      });
      client.connect(config);
    }).catch((error) => {
      client.end();
      throw asAttachmentError(error, "SSH_CONNECT_FAILED", `SSH connection to ${destination} failed`);
    });
    client.once("close", () => {
      session = undefined;
    });
    const home = await promised<string>((callback) => sftp.realpath(".", callback), ".");
    return { client, sftp, home };
  }

  function openSession(): Promise<Session> {
    return connect().catch((error) => {
      session = undefined;
      throw asAttachmentError(error, "SSH_CONNECT_FAILED", `SSH connection to ${destination} failed`);
    });
  }

  async function use<T>(run: (current: Session) => Promise<T>): Promise<T> {
    clearTimeout(idleTimer);
    active += 1;
    try {
      session ??= openSession();
      return await run(await session);
    } finally {
      release();
    }
  }

  function release() {
    active -= 1;
    if (active > 0) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => void closeSession(), idleCloseMs);
    idleTimer.unref();
  }

  async function closeSession() {
    const current = session;
    session = undefined;
    if (!current) return;
    const { client } = await current.catch(() => ({ client: undefined }));
    if (!client) return;
    await new Promise<void>((resolve) => {
      client.once("close", () => resolve());
      client.end();
    });
  }

  return {
    description: `ssh ${destination}`,
    isLocal: false,
    home: () => use(async ({ home }) => home),
    realpath: (path) => use(({ sftp }) => promised<string>((callback) => sftp.realpath(path, callback), path)),
    stat: (path) =>
      use(async ({ sftp }): Promise<SourceFileStat> => {
        const stats = await promised<Stats>((callback) => sftp.stat(path, callback), path);
        return { isFile: stats.isFile(), size: stats.size, mtimeMs: stats.mtime * 1000 };
      }),
    openRead(path): Promise<Readable> {
      clearTimeout(idleTimer);
      active += 1;
      let released = false;
      const done = () => {
        if (released) return;
        released = true;
        release();
      };
      const opening = (async () => {
        session ??= openSession();
        const { sftp } = await session;
        const handle = await promised<Buffer>((callback) => sftp.open(path, "r", callback), path);
        const stream = sftp.createReadStream(path, { handle, autoClose: true });
        stream.once("close", done);
        return stream;
      })();
      opening.catch(done);
      return opening;
    },
    async close() {
      clearTimeout(idleTimer);
      await closeSession();
    },
  };
}
