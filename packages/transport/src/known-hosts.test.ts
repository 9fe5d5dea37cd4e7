import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorMessage } from "@imessage-channel/kit";
import { describe, expect, it } from "vitest";
import { defaultKnownHostsPath, hostKeyFailure, loadKnownHosts, verifyHostKey } from "./host-key-verifier.ts";
import {
  checkHostKey,
  entryMatchesHost,
  fingerprintOf,
  hashKnownHostsName,
  keyTypeOfBlob,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
} from "./known-hosts.ts";

function sshString(value: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(value.length);
  return Buffer.concat([length, value]);
}

function fakeKey(type = "ssh-ed25519"): { blob: Buffer; base64: string } {
  const blob = Buffer.concat([sshString(Buffer.from(type)), sshString(randomBytes(32))]);
  return { blob, base64: blob.toString("base64") };
}

const serverKey = fakeKey();
const otherKey = fakeKey();
const context = { host: "mac.local", port: 22, user: "bot", knownHostsPath: "/srv/bot/known_hosts" };

describe("parseKnownHosts", () => {
  it("reads markers, comma lists and comments, and skips malformed lines", () => {
    const entries = parseKnownHosts(
      [
        "# comment",
        "",
        `mac.local,10.0.0.5 ssh-ed25519 ${serverKey.base64} bot@mac`,
        `@revoked * ssh-ed25519 ${otherKey.base64}`,
        `@cert-authority *.local ssh-ed25519 ${otherKey.base64}`,
        "@unknown-marker host ssh-ed25519 AAAA",
        "only-two fields",
        "host ssh-ed25519 not-base64!",
        `  \t[mac.local]:2222 ssh-ed25519 ${serverKey.base64}`,
      ].join("\n"),
    );
    expect(entries.map((entry) => [entry.marker, entry.hosts, entry.line])).toEqual([
      [undefined, "mac.local,10.0.0.5", 3],
      ["revoked", "*", 4],
      ["cert-authority", "*.local", 5],
      [undefined, "[mac.local]:2222", 9],
    ]);
  });
});

describe("host matching", () => {
  const entry = (hosts: string) => parseKnownHosts(`${hosts} ssh-ed25519 ${serverKey.base64}`)[0]!;

  it("names non-22 ports as [host]:port and lowercases", () => {
    expect(knownHostsName("Mac.Local", 22)).toBe("mac.local");
    expect(knownHostsName("Mac.Local", 2222)).toBe("[mac.local]:2222");
    expect(knownHostsName("::1", 2222)).toBe("[::1]:2222");
  });

  it("matches plain names case-insensitively, comma lists, wildcards and negations", () => {
    expect(entryMatchesHost(entry("MAC.local"), "mac.local")).toBe(true);
    expect(entryMatchesHost(entry("other,mac.local"), "mac.local")).toBe(true);
    expect(entryMatchesHost(entry("*.local,!evil.local"), "mac.local")).toBe(true);
    expect(entryMatchesHost(entry("*.local,!evil.local"), "evil.local")).toBe(false);
    expect(entryMatchesHost(entry("ma?.local"), "mac.local")).toBe(true);
    expect(entryMatchesHost(entry("mac.local"), "[mac.local]:2222")).toBe(false);
    expect(entryMatchesHost(entry("[mac.local]:2222"), "[mac.local]:2222")).toBe(true);
    expect(entryMatchesHost(entry("[mac.local]:2222"), "mac.local")).toBe(false);
    expect(entryMatchesHost(entry("mac.localx"), "mac.local")).toBe(false);
    expect(entryMatchesHost(entry("mac"), "mac.local")).toBe(false);
  });

  it("matches hashed names, with the port inside the hash", () => {
    const salt = randomBytes(20);
    expect(entryMatchesHost(entry(hashKnownHostsName("mac.local", salt)), "mac.local")).toBe(true);
    expect(entryMatchesHost(entry(hashKnownHostsName("mac.local", salt)), "[mac.local]:2222")).toBe(false);
    expect(entryMatchesHost(entry(hashKnownHostsName("[mac.local]:2222", salt)), "[mac.local]:2222")).toBe(true);
    expect(entryMatchesHost(entry("|1|bm90LWEtaGFzaA==|"), "mac.local")).toBe(false);
    expect(entryMatchesHost(entry("|2|abc|def"), "mac.local")).toBe(false);
  });

  it("matches entries hashed by the real ssh-keygen -H", () => {
    const directory = mkdtempSync(join(tmpdir(), "known-hosts-"));
    try {
      const file = join(directory, "known_hosts");
      writeFileSync(
        file,
        `[127.0.0.1]:2222 ssh-ed25519 ${serverKey.base64}\nmac.local ssh-ed25519 ${otherKey.base64}\n`,
      );
      execFileSync("ssh-keygen", ["-H", "-f", file], { stdio: "ignore" });
      const entries = parseKnownHosts(readFileSync(file, "utf8"));
      expect(entries.every((hashed) => hashed.hosts.startsWith("|1|"))).toBe(true);
      expect(checkHostKey(entries, "127.0.0.1", 2222, serverKey.blob).status).toBe("trusted");
      expect(checkHostKey(entries, "mac.local", 22, otherKey.blob).status).toBe("trusted");
      expect(checkHostKey(entries, "127.0.0.1", 22, serverKey.blob).status).toBe("unknown");
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe("checkHostKey", () => {
  it("trusts the listed key and reports a different one as a mismatch", () => {
    const entries = parseKnownHosts(`mac.local ssh-ed25519 ${serverKey.base64}`);
    expect(checkHostKey(entries, "mac.local", 22, serverKey.blob).status).toBe("trusted");
    expect(checkHostKey(entries, "mac.local", 22, otherKey.blob).status).toBe("mismatch");
  });

  it("trusts any one of several keys listed for the host", () => {
    const entries = parseKnownHosts(
      `mac.local ssh-ed25519 ${otherKey.base64}\nmac.local ssh-ed25519 ${serverKey.base64}`,
    );
    expect(checkHostKey(entries, "mac.local", 22, serverKey.blob).status).toBe("trusted");
  });

  it("reports a key of a type the file does not list for a known host as a mismatch (fail closed)", () => {
    const rsa = fakeKey("ssh-rsa");
    const entries = parseKnownHosts(`mac.local ssh-rsa ${rsa.base64}`);
    expect(checkHostKey(entries, "mac.local", 22, serverKey.blob).status).toBe("mismatch");
    expect(knownKeyTypes(entries, "mac.local", 22)).toEqual(["ssh-rsa"]);
  });

  it("does not trust a blob whose bytes match but whose listed type differs", () => {
    const entries = parseKnownHosts(`mac.local ssh-rsa ${serverKey.base64}`);
    expect(checkHostKey(entries, "mac.local", 22, serverKey.blob).status).toBe("mismatch");
  });

  it("refuses a revoked key even when it is also listed as trusted", () => {
    const entries = parseKnownHosts(
      `mac.local ssh-ed25519 ${serverKey.base64}\n@revoked other.host ssh-ed25519 ${serverKey.base64}`,
    );
    expect(checkHostKey(entries, "mac.local", 22, serverKey.blob)).toMatchObject({
      status: "revoked",
      entry: { line: 2 },
    });
  });

  it("never trusts through @cert-authority lines", () => {
    const entries = parseKnownHosts(`@cert-authority *.local ssh-ed25519 ${serverKey.base64}`);
    expect(checkHostKey(entries, "mac.local", 22, serverKey.blob)).toEqual({
      status: "unknown",
      certificateAuthorityOnly: true,
    });
  });

  it("treats other hosts' keys as unknown for this host", () => {
    const entries = parseKnownHosts(`other.local ssh-ed25519 ${serverKey.base64}`);
    expect(checkHostKey(entries, "mac.local", 22, serverKey.blob)).toEqual({
      status: "unknown",
      certificateAuthorityOnly: false,
    });
  });
});

describe("host key refusals", () => {
  it("tells what to run for an unknown host, with port and file", () => {
    const failure = hostKeyFailure([], { ...context, port: 2222 }, serverKey.blob);
    expect(failure?.code).toBe("HOST_KEY_UNKNOWN");
    expect(failure?.message).toContain(
      `host key of bot@mac.local (ssh-ed25519 ${fingerprintOf(serverKey.blob)}) is not in /srv/bot/known_hosts`,
    );
    expect(failure?.message).toContain('"ssh -p 2222 -o UserKnownHostsFile=/srv/bot/known_hosts bot@mac.local"');
    expect(failure?.message).toContain('"ssh-keyscan -p 2222 -t ed25519 mac.local >> /srv/bot/known_hosts"');
  });

  it("leaves out the port and the file option when both are the defaults", () => {
    const failure = hostKeyFailure([], { ...context, knownHostsPath: defaultKnownHostsPath() }, serverKey.blob);
    expect(failure?.message).toContain('run "ssh bot@mac.local" once');
  });

  it("says loudly that a changed key may be a man-in-the-middle and how to remove the old entry", () => {
    const entries = parseKnownHosts(`[mac.local]:2222 ssh-ed25519 ${otherKey.base64}`);
    let thrown: unknown;
    try {
      verifyHostKey(entries, { ...context, port: 2222 }, serverKey.blob);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: "HOST_KEY_MISMATCH" });
    const message = errorMessage(thrown);
    expect(message).toMatch(/^HOST KEY MISMATCH for bot@mac\.local/);
    expect(message).toContain("man-in-the-middle");
    expect(message).toContain(
      `has ssh-ed25519 ${fingerprintOf(otherKey.blob)} (line 1) but the server offered ssh-ed25519 ${fingerprintOf(serverKey.blob)}`,
    );
    expect(message).toContain("ssh-keygen -R '[mac.local]:2222' -f /srv/bot/known_hosts");
  });

  it("refuses a revoked key with HOST_KEY_REVOKED", () => {
    const entries = parseKnownHosts(`@revoked * ssh-ed25519 ${serverKey.base64}`);
    expect(() => verifyHostKey(entries, context, serverKey.blob)).toThrow(
      expect.objectContaining({ code: "HOST_KEY_REVOKED" }),
    );
  });

  it("accepts a trusted key", () => {
    expect(() =>
      verifyHostKey(parseKnownHosts(`mac.local ssh-ed25519 ${serverKey.base64}`), context, serverKey.blob),
    ).not.toThrow();
  });

  it("fails closed when known_hosts is missing, saying how to create it", async () => {
    const missing = join(tmpdir(), `no-such-dir-${process.pid}`, "known_hosts");
    await expect(loadKnownHosts({ ...context, knownHostsPath: missing })).rejects.toMatchObject({
      code: "KNOWN_HOSTS_UNREADABLE",
      message: expect.stringContaining(`cannot read known_hosts file "${missing}" (ENOENT)`),
    });
  });

  it("reads the key type from a blob and rejects garbage", () => {
    expect(keyTypeOfBlob(serverKey.blob)).toBe("ssh-ed25519");
    expect(keyTypeOfBlob(Buffer.from([0, 0, 0]))).toBeUndefined();
    expect(keyTypeOfBlob(Buffer.from([0xff, 0, 0, 0, 1]))).toBeUndefined();
  });
});
