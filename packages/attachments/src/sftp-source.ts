import { homedir, userInfo } from "node:os";
import type { Readable } from "node:stream";
import { expandHome } from "@imessage-channel/kit";
import {
  formatRemoteHost,
  hostKeyFailure,
  loadCredentials,
  loadKnownHosts,
  loadSsh2,
  serverHostKeyAlgorithms,
  TransportError,
  validateRemoteHost,
} from "@imessage-channel/transport";
import type { Client, SFTPWrapper, Stats } from "ssh2";
import { AttachmentError, type AttachmentErrorCode } from "./attachment-error.ts";
import type { AttachmentSource, SourceFileStat } from "./attachment-source.ts";
import { createPipelinedReadStream } from "./sftp-read-stream.ts";

export interface SftpSourceOptions {
  /** `channels.imessage.remoteHost`: `host` or `user@host` (the user defaults to the local user name). */
  remoteHost: string;
  port?: number;
  /** Default `~/.ssh/known_hosts`. Unreadable → every fetch is refused. */
  knownHostsFile?: string;
  identityFile?: string;
  /** Default `$SSH_AUTH_SOCK`; `""` means no agent. */
  agentSocket?: string;
  /** Default 15 (`channels.imessage.ssh.keepaliveSec`); 0 turns keepalives off. */
  keepaliveSec?: number;
  /** How long connecting may take (default 20 s). */
  connectTimeoutMs?: number;
  /** The connection closes after this long without a transfer (default 30 s) and reopens on the next fetch. */
  idleCloseMs?: number;
  /** The login name when `remoteHost` has no `user@` (default: the gateway's user, as ssh does). */
  defaultUser?: string;
  /** The gateway's home, for `~` in `knownHostsFile` and `identityFile` and the default keys. */
  localHome?: string;
}

interface Session {
  client: Client;
  sftp: SFTPWrapper;
  home: string;
  /** Settles once the connection is gone, however it ended. */
  closed: Promise<void>;
}

/** SFTP status 2 is SSH_FX_NO_SUCH_FILE: the file is not there (yet). */
const noSuchFile = 2;

function toNodeError(error: unknown, path: string): Error {
  const code = (error as { code?: unknown }).code;
  if (code === noSuchFile)
    return Object.assign(new Error(`${path}: no such file on the Mac`, { cause: error }), { code: "ENOENT" });
  return error instanceof Error ? error : new Error(String(error));
}

/** An SFTP status reply (no such file, permission denied…): the connection itself is fine. */
function isSftpAnswer(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "number" || code === "ENOENT";
}

function promised<T>(
  run: (callback: (error: Error | null | undefined, value: T) => void) => void,
  path: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    run((error, value) => (error ? reject(toNodeError(error, path)) : resolve(value)));
  });
}

/** Transport refusals that keep their code here, so callers branch the same way for imsg and attachments. */
const sharedCodes = new Set<string>([
  "KNOWN_HOSTS_UNREADABLE",
  "HOST_KEY_UNKNOWN",
  "HOST_KEY_MISMATCH",
  "HOST_KEY_REVOKED",
  "REMOTE_HOST_INVALID",
  "SSH_NO_CREDENTIALS",
  "SSH_AUTH_FAILED",
]);

function asAttachmentError(error: unknown, fallback: AttachmentErrorCode, message: string): AttachmentError {
  if (AttachmentError.isInstance(error)) return error;
  if (TransportError.isInstance(error)) {
    const code = sharedCodes.has(error.code) ? (error.code as AttachmentErrorCode) : fallback;
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
  let remote: ReturnType<typeof validateRemoteHost>;
  try {
    remote = validateRemoteHost(options.remoteHost);
  } catch (error) {
    throw asAttachmentError(error, "REMOTE_HOST_INVALID", "remoteHost is invalid");
  }
  const port = options.port ?? 22;
  const user = remote.user ?? options.defaultUser ?? userInfo().username;
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
    const credentials = await loadCredentials({
      username: user,
      destination,
      agentSocket: options.agentSocket ?? process.env.SSH_AUTH_SOCK,
      identityFile: options.identityFile,
      home: localHome,
    });
    const client = new (await loadSsh2()).Client();
    // Errors before "ready" reject below; later ones (a reset after a refusal, a dropped link) close the
    // client, and the next fetch reconnects. Without a listener they would crash the gateway.
    client.on("error", () => {});
    let refusal: TransportError | undefined;
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
      client.once("error", (error: Error & { level?: string }) => {
        if (refusal) reject(refusal);
        else if (error.level === "client-authentication") {
          reject(
            new AttachmentError(
              "SSH_AUTH_FAILED",
              `SSH login to ${destination} for attachment fetches failed (tried ${credentials.tried.join(", ")}): add the public key to ~/.ssh/authorized_keys of that user on the Mac, or set channels.imessage.ssh.identityFile`,
              { cause: error },
            ),
          );
        } else reject(error);
      });
      client.once("close", () => reject(new Error("the connection closed during the handshake")));
      client.once("ready", () => {
        client.sftp((error, wrapper) =>
          error
            ? reject(
                asAttachmentError(
                  error,
                  "SFTP_FAILED",
                  `${destination} refused the SFTP subsystem (Remote Login must allow SFTP)`,
                ),
              )
            : resolve(wrapper),
        );
      });
      client.connect({
        host: remote.host,
        port,
        username: user,
        authHandler: credentials.methods,
        // ssh2 accepts any host key unless this says otherwise: fail closed on anything but a known key.
        hostVerifier: (key: Buffer) => {
          refusal = hostKeyFailure(entries, context, key);
          return refusal === undefined;
        },
        algorithms: { serverHostKey: serverHostKeyAlgorithms(entries, remote.host, port) },
        readyTimeout: options.connectTimeoutMs ?? 20_000,
        keepaliveInterval: (options.keepaliveSec ?? 15) * 1000,
        keepaliveCountMax: 3,
      });
    }).catch((error) => {
      client.destroy();
      throw error;
    });
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    const home = await promised<string>((callback) => sftp.realpath(".", callback), ".");
    return { client, sftp, home, closed };
  }

  function openSession(): Promise<Session> {
    const opening: Promise<Session> = connect().then(
      (opened) => {
        // Only forget the session this client belongs to: an idle close may race a fetch that opened a new one.
        void opened.closed.then(() => {
          if (session === opening) session = undefined;
        });
        return opened;
      },
      (error) => {
        if (session === opening) session = undefined;
        throw asAttachmentError(
          error,
          "SSH_CONNECT_FAILED",
          `SSH connection to ${destination} for attachment fetches failed`,
        );
      },
    );
    return opening;
  }

  async function use<T>(run: (current: Session) => Promise<T>): Promise<T> {
    clearTimeout(idleTimer);
    active += 1;
    try {
      return await withSession(run);
    } finally {
      release();
    }
  }

  /** Runs on the shared connection; if a reused one turns out dead (the Mac slept, sshd restarted), retries once on a fresh one. */
  async function withSession<T>(run: (current: Session) => Promise<T>): Promise<T> {
    const reused = session !== undefined;
    session ??= openSession();
    const current = session;
    const opened = await current;
    try {
      return await run(opened);
    } catch (error) {
      if (!reused || isSftpAnswer(error)) throw error;
      if (session === current) session = undefined;
      opened.client.destroy();
      session ??= openSession();
      return run(await session);
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
    const opened = await current.catch(() => undefined);
    if (!opened) return;
    opened.client.end();
    await opened.closed;
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
      const opening = withSession(async ({ sftp }) => {
        const handle = await promised<Buffer>((callback) => sftp.open(path, "r", callback), path);
        try {
          // SFTP has no O_NOFOLLOW: the opened file must be a regular file and the path must still resolve to
          // itself, so a file or folder swapped for a symlink since the root check is refused unread. (Without
          // inodes a regular file renamed over it cannot be told from one Messages is still writing.)
          const [opened, resolved] = await Promise.all([
            promised<Stats>((callback) => sftp.fstat(handle, callback), path),
            promised<string>((callback) => sftp.realpath(path, callback), path),
          ]);
          if (!opened.isFile() || resolved !== path) {
            throw Object.assign(new Error(`${path} changed on the Mac while it was being opened`), {
              code: "ESWAPPED",
            });
          }
        } catch (error) {
          sftp.close(handle, () => {});
          throw error;
        }
        const stream = createPipelinedReadStream(sftp, handle);
        stream.once("close", done);
        return stream;
      });
      opening.catch(done);
      return opening;
    },
    async close() {
      clearTimeout(idleTimer);
      await closeSession();
    },
  };
}
