// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadCredentials } from "./ssh-credentials.ts";

let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "transport-credentials-"));
  mkdirSync(join(home, ".ssh"));
});

afterEach(() => rmSync(home, { recursive: true, force: true }));

function keygen(name: string, passphrase = ""): string {
  const path = join(home, ".ssh", name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-f", path]);
  return path;
}

const base = () => ({ username: "bot", destination: "bot@mac", home, agentSocket: undefined, identityFile: undefined });

describe("loadCredentials", () => {
  it("uses the agent first, then the default key files that exist", async () => {
    keygen("id_ed25519");
    const credentials = await loadCredentials({ ...base(), agentSocket: "/tmp/agent.sock" });
    expect(credentials.methods.map((method) => method.type)).toEqual(["agent", "publickey"]);
    expect(credentials.tried).toEqual(["ssh-agent (/tmp/agent.sock)", join(home, ".ssh", "id_ed25519")]);
  });

  it("skips a passphrase-protected default key and refuses when nothing else is usable, naming the skipped file", async () => {
    const path = keygen("id_ed25519", "secret passphrase");
    await expect(loadCredentials(base())).rejects.toThrow(
      expect.objectContaining({ code: "SSH_NO_CREDENTIALS", message: expect.stringContaining(`skipped ${path}`) }),
    );
  });

  it("uses the next default key when one is passphrase-protected, and reports the skipped one", async () => {
    const protectedKey = keygen("id_ed25519", "secret passphrase");
    const plain = keygen("id_rsa");
    const credentials = await loadCredentials(base());
    expect(credentials.tried).toEqual([plain]);
    expect(credentials.skipped).toEqual([`${protectedKey} (it is passphrase-protected)`]);
  });

  it("uses only the configured identity file (~ expanded) and names it when it is unusable", async () => {
    keygen("id_ed25519");
    keygen("gateway_key");
    const credentials = await loadCredentials({ ...base(), identityFile: "~/.ssh/gateway_key" });
    expect(credentials.tried).toEqual([join(home, ".ssh", "gateway_key")]);
    await expect(loadCredentials({ ...base(), identityFile: "~/.ssh/missing" })).rejects.toThrow(
      /identityFile: cannot use ".*\/\.ssh\/missing" for bot@mac: no such file/,
    );
  });
});
