// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { execFileSync } from "node:child_process";
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { basename, dirname, join } from "node:path";
import { recordingLogger } from "@imessage-channel/kit";
import { startTestSshd, type TestSshd } from "@imessage-channel/test-sshd";
import { waitFor } from "@imessage-channel/vitest-config/wait-for";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAttachmentFetcher } from "./attachment-fetcher.ts";
import type { AttachmentSource } from "./attachment-source.ts";
import { createAccountAttachmentFetcher } from "./fetcher-for-account.ts";
import { createSftpSource, type SftpSourceOptions } from "./sftp-source.ts";

// The "Mac" is this machine seen through a real OpenSSH sshd on loopback; its attachment tree lives in a temp dir.
let sshd: TestSshd;
let mac: string;
let attachmentsDir: string;
let stateDir: string;
const sources: AttachmentSource[] = [];

beforeAll(async () => {
  sshd = await startTestSshd();
  mac = realpathSync(mkdtempSync(join(tmpdir(), "attachments-mac-")));
  attachmentsDir = join(mac, "Users", "bob", "Library", "Messages", "Attachments");
  mkdirSync(join(attachmentsDir, "4a", "10"), { recursive: true });
  mkdirSync(join(mac, "private"));
  writeFileSync(join(mac, "private", "chat.db"), "secret database");
  writeFileSync(join(attachmentsDir, "4a", "10", "IMG_0001.heic"), "heic bytes from the Mac");
  writeFileSync(join(attachmentsDir, "4a", "10", "big.mov"), Buffer.alloc(64 * 1024));
  symlinkSync(join(mac, "private", "chat.db"), join(attachmentsDir, "4a", "10", "innocent.jpg"));
  symlinkSync(join(mac, "private"), join(attachmentsDir, "4a", "linked"));
});

afterAll(async () => {
  await sshd?.stop();
  rmSync(mac, { recursive: true, force: true });
});

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), "attachments-state-"));
});

afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.close?.()));
  rmSync(stateDir, { recursive: true, force: true });
});

function source(overrides: Partial<SftpSourceOptions> = {}): AttachmentSource {
  const created = createSftpSource({
    remoteHost: `${sshd.user}@127.0.0.1`,
    port: sshd.port,
    identityFile: sshd.clientKeyPath,
    knownHostsFile: sshd.knownHostsPath,
    agentSocket: "",
    keepaliveSec: 0,
    ...overrides,
  });
  sources.push(created);
  return created;
}

/** Counts the requests that name a path, to prove rejected paths never reach the Mac. */
function counting(inner: AttachmentSource) {
  const requested: string[] = [];
  const wrapped: AttachmentSource = {
    ...inner,
    home: () => inner.home(),
    realpath: (path) => {
      requested.push(path);
      return inner.realpath(path);
    },
    stat: (path) => {
      requested.push(path);
      return inner.stat(path);
    },
    openRead: (path, expected) => {
      requested.push(path);
      return inner.openRead(path, expected);
    },
    close: () => inner.close?.() ?? Promise.resolve(),
  };
  return { wrapped, requested };
}

function fetcher(remote: AttachmentSource, overrides: Partial<Parameters<typeof createAttachmentFetcher>[0]> = {}) {
  const logger = recordingLogger();
  const instance = createAttachmentFetcher({
    accountId: "mac",
    stateDir,
    roots: [join(mac, "Users", "*", "Library", "Messages", "Attachments")],
    source: remote,
    logger,
    retryDelaysMs: [1, 1],
    sleep: async () => {},
    ...overrides,
  });
  return { instance, logger };
}

const mediaFiles = () => {
  try {
    return readdirSync(join(stateDir, "media", "mac"));
  } catch {
    return [];
  }
};
const acceptedLogins = () => sshd.logs().match(/Accepted publickey/g)?.length ?? 0;

describe("remote fetch over SFTP (real sshd on loopback)", () => {
  it("copies a Mac-side attachment into the local media folder", async () => {
    const { instance } = fetcher(source());
    const result = await instance.fetch([
      {
        originalPath: join(attachmentsDir, "4a", "10", "IMG_0001.heic"),
        transferName: "IMG_0001.heic",
        mimeType: "image/heic",
        totalBytes: 23,
      },
    ]);
    expect(result.skipped, sshd.logs()).toEqual([]);
    const [copied] = result.attachments;
    expect(copied).toMatchObject({ filename: "IMG_0001.heic", mimeType: "image/heic", byteSize: 23 });
    expect(copied?.path.startsWith(join(stateDir, "media", "mac"))).toBe(true);
    expect(readFileSync(copied?.path ?? "", "utf8")).toBe("heic bytes from the Mac");
    expect(statSync(copied?.path ?? "").mode & 0o777).toBe(0o600);
  });

  it("refuses a path outside remoteAttachmentRoots before any SFTP request names it", async () => {
    const { wrapped, requested } = counting(source());
    const { instance, logger } = fetcher(wrapped);
    const outside = join(mac, "private", "chat.db");
    const traversal = `${attachmentsDir}/../../../../../private/chat.db`;
    const result = await instance.fetch([{ originalPath: outside }, { originalPath: traversal }]);
    expect(result.attachments).toEqual([]);
    expect(result.skipped.map((entry) => entry.reason)).toEqual(["path-rejected", "path-rejected"]);
    expect(requested).toEqual([]);
    expect(
      logger.entries
        .filter((entry) => entry.level === "warn")
        .map((entry) => entry.message)
        .join("\n"),
    ).toContain(outside);
    expect(mediaFiles()).toEqual([]);
  });

  it("refuses a symlink on the Mac that leads outside the roots, found by the remote realpath", async () => {
    const { instance } = fetcher(source());
    const result = await instance.fetch([
      { originalPath: join(attachmentsDir, "4a", "10", "innocent.jpg") },
      { originalPath: join(attachmentsDir, "4a", "linked", "chat.db") },
    ]);
    expect(result.attachments).toEqual([]);
    expect(result.skipped).toMatchObject([
      {
        reason: "path-rejected",
        detail: expect.stringContaining(`resolves through a symlink to "${join(mac, "private", "chat.db")}"`),
      },
      { reason: "path-rejected", detail: expect.stringContaining("resolves through a symlink") },
    ]);
    expect(mediaFiles()).toEqual([]);
  });

  it("refuses a file or folder on the Mac swapped for a symlink out between the check and the open: nothing read", async () => {
    const folder = join(attachmentsDir, "4a", "swaps");
    mkdirSync(folder, { recursive: true });
    const swaps: Array<[string, (file: string) => void]> = [
      [
        "symlink",
        (file) => {
          rmSync(file);
          symlinkSync(join(mac, "private", "chat.db"), file);
        },
      ],
      [
        "folder symlink",
        (file) => {
          rmSync(dirname(file), { recursive: true });
          mkdirSync(join(mac, "private", "sub"), { recursive: true });
          writeFileSync(join(mac, "private", "sub", basename(file)), "secret twin");
          symlinkSync(join(mac, "private", "sub"), dirname(file));
        },
      ],
    ];
    for (const [name, swap] of swaps) {
      mkdirSync(join(folder, "sub"), { recursive: true });
      const file = join(folder, name === "symlink" ? "symlink.jpg" : join("sub", "folder-symlink.jpg"));
      writeFileSync(file, "INSIDE the root!");
      const inner = source();
      let read = "";
      const swapping: AttachmentSource = {
        ...inner,
        home: () => inner.home(),
        realpath: (path) => inner.realpath(path),
        stat: async (path) => {
          const info = await inner.stat(path);
          swap(path);
          return info;
        },
        openRead: async (path, expected) => {
          const stream = await inner.openRead(path, expected);
          stream.on("data", (chunk: Buffer) => {
            read += chunk.toString("utf8");
          });
          return stream;
        },
        close: () => inner.close?.() ?? Promise.resolve(),
      };
      const result = await fetcher(swapping).instance.fetch([{ originalPath: file }]);
      expect(result.attachments, name).toEqual([]);
      expect(result.skipped, name).toMatchObject([
        { reason: "read-failed", detail: expect.stringContaining("changed on the Mac while it was being opened") },
      ]);
      expect(read, name).toBe("");
    }
    expect(mediaFiles()).toEqual([]);
  });

  it("skips an oversized file from the remote stat, transferring nothing", async () => {
    const { instance } = fetcher(source(), { mediaMaxMb: 32 / 1024 });
    const result = await instance.fetch([{ originalPath: join(attachmentsDir, "4a", "10", "big.mov") }]);
    expect(result.skipped).toMatchObject([
      { reason: "too-large", detail: expect.stringMatching(/65536 bytes, over the mediaMaxMb cap of 32768 bytes/) },
    ]);
    expect(mediaFiles()).toEqual([]);
  });

  it("aborts a transfer that grows past the cap while streaming and leaves no partial file", async () => {
    const path = join(attachmentsDir, "4a", "10", "growing.mov");
    writeFileSync(path, Buffer.alloc(16 * 1024));
    const remote = source();
    const growing: AttachmentSource = {
      ...remote,
      openRead: (file, expected) => {
        appendFileSync(path, Buffer.alloc(256 * 1024));
        return remote.openRead(file, expected);
      },
    };
    const { instance } = fetcher(growing, { mediaMaxMb: 32 / 1024 });
    const result = await instance.fetch([{ originalPath: path }]);
    expect(result.skipped).toMatchObject([
      { reason: "too-large", detail: expect.stringMatching(/while being read; the partial copy was deleted/) },
    ]);
    expect(mediaFiles()).toEqual([]);
  });

  it("retries a file Messages is still writing on the Mac and fetches it once it is there", async () => {
    const path = join(attachmentsDir, "4a", "10", "late.caf");
    let waits = 0;
    const { instance } = fetcher(source(), {
      sleep: async () => {
        waits += 1;
        writeFileSync(path, "voice memo");
      },
    });
    const result = await instance.fetch([{ originalPath: path, missing: true, totalBytes: 10 }]);
    expect(waits).toBe(1);
    expect(readFileSync(result.attachments[0]?.path ?? "", "utf8")).toBe("voice memo");
  });

  it("reuses one SSH connection for concurrent fetches and closes it when idle", async () => {
    const before = acceptedLogins();
    const paths = ["a", "b", "c", "d"].map((name) => {
      const path = join(attachmentsDir, "4a", `${name}.jpg`);
      writeFileSync(path, name.repeat(100));
      return path;
    });
    const remote = source({ idleCloseMs: 50 });
    const { instance } = fetcher(remote);
    const result = await instance.fetch(paths.map((originalPath) => ({ originalPath })));
    expect(result.attachments.map((item) => item.byteSize)).toEqual([100, 100, 100, 100]);
    expect(acceptedLogins() - before).toBe(1);
    const closedBefore = sshd.logs().match(/Disconnected from user|Received disconnect/g)?.length ?? 0;
    await waitFor(
      () => (sshd.logs().match(/Disconnected from user|Received disconnect/g)?.length ?? 0) > closedBefore,
      "idle close",
    );
    const again = await instance.fetch([{ originalPath: paths[0] ?? "" }]);
    expect(again.attachments).toHaveLength(1);
    expect(acceptedLogins() - before).toBe(2);
  });

  it("reconnects on the next fetch after the Mac dropped the connection", async () => {
    const before = acceptedLogins();
    const { instance } = fetcher(source());
    const path = join(attachmentsDir, "4a", "10", "IMG_0001.heic");
    expect((await instance.fetch([{ originalPath: path }])).attachments).toHaveLength(1);
    expect(await sshd.dropConnections()).toBeGreaterThan(0);
    await waitFor(
      () => /Connection closed|Disconnected|Received disconnect|exited/i.test(sshd.logs()) || true,
      "drop logged",
    );
    const result = await instance.fetch([{ originalPath: path }]);
    expect(result.skipped).toEqual([]);
    expect(acceptedLogins() - before).toBe(2);
    await instance.close();
  });

  it("fetches Mac-side paths for an account with remoteHost: remote roots, SFTP, always a local copy", async () => {
    const fetcher = createAccountAttachmentFetcher(
      {
        accountId: "mac",
        remoteHost: `${sshd.user}@127.0.0.1`,
        ssh: {
          port: sshd.port,
          identityFile: sshd.clientKeyPath,
          knownHostsFile: sshd.knownHostsPath,
          keepaliveSec: 0,
        },
        attachmentRoots: [join(stateDir, "nothing-local")],
        remoteAttachmentRoots: [join(mac, "Users", "*", "Library", "Messages", "Attachments")],
      },
      { stateDir, delivery: "original", sftp: { agentSocket: "" } },
    );
    try {
      const path = join(attachmentsDir, "4a", "10", "IMG_0001.heic");
      const result = await fetcher.fetch([{ originalPath: path }]);
      expect(result.skipped, sshd.logs()).toEqual([]);
      expect(result.attachments[0]?.path).not.toBe(path);
      expect(result.attachments[0]?.path.startsWith(join(stateDir, "media", "mac"))).toBe(true);
    } finally {
      await fetcher.close();
    }
  });

  it("reports the Mac user's home from SFTP, which is what ~ in remoteAttachmentRoots expands to", async () => {
    expect(await source().home()).toBe(userInfo().homedir);
  });

  it.each([
    ["an unknown host key", "HOST_KEY_UNKNOWN", async () => writeKnownHosts("")],
    [
      "a changed host key",
      "HOST_KEY_MISMATCH",
      async () => writeKnownHosts(`[127.0.0.1]:${sshd.port} ${await sshd.otherHostPublicKey()}\n`),
    ],
    ["an unreadable known_hosts file", "KNOWN_HOSTS_UNREADABLE", async () => join(stateDir, "no-such-known_hosts")],
  ])("refuses to fetch from a host with %s (fails closed)", async (_label, code, knownHostsFile) => {
    const before = acceptedLogins();
    const { instance, logger } = fetcher(source({ knownHostsFile: await knownHostsFile() }));
    const result = await instance.fetch([{ originalPath: join(attachmentsDir, "4a", "10", "IMG_0001.heic") }]);
    expect(result.attachments).toEqual([]);
    expect(result.skipped).toMatchObject([{ reason: "remote-unavailable", errorCode: code }]);
    expect(logger.entries.some((entry) => entry.level === "warn" && entry.message.includes("IMG_0001.heic"))).toBe(
      true,
    );
    expect(acceptedLogins()).toBe(before);
    expect(mediaFiles()).toEqual([]);
  });

  it("reports a key the Mac does not accept as SSH_AUTH_FAILED, naming what was tried", async () => {
    const key = generateKey();
    const { instance } = fetcher(source({ identityFile: key }));
    const result = await instance.fetch([{ originalPath: join(attachmentsDir, "4a", "10", "IMG_0001.heic") }]);
    expect(result.skipped).toMatchObject([
      { reason: "remote-unavailable", errorCode: "SSH_AUTH_FAILED", detail: expect.stringContaining(key) },
    ]);
  });

  it("refuses a remoteHost that ssh could read as an option, before connecting", () => {
    expect(() => createSftpSource({ remoteHost: "-oProxyCommand=touch /tmp/pwned" })).toThrow(
      expect.objectContaining({ code: "REMOTE_HOST_INVALID" }),
    );
  });
});

function generateKey(): string {
  const path = join(stateDir, "stranger_ed25519");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path]);
  return path;
}

function writeKnownHosts(text: string): string {
  const path = join(stateDir, "known_hosts");
  writeFileSync(path, text);
  return path;
}
