// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { errorMessage } from "@imessage-channel/kit";
import { startTestSshd } from "@imessage-channel/test-sshd";
import { describe, expect, it } from "vitest";

const execFileAsync = promisify(execFile);

// The fixture itself, checked with the real OpenSSH client so SshTransport tests stand on known ground.
describe("test-sshd fixture", () => {
  it.each([false, true])(
    "logs in with the client key under strict checking (hashed known_hosts: %s) and cleans up",
    async (hashKnownHosts) => {
      const sshd = await startTestSshd({ hashKnownHosts });
      try {
        const { stdout } = await execFileAsync("ssh", [
          ...["-p", String(sshd.port), "-i", sshd.clientKeyPath, "-F", "/dev/null"],
          ...[
            "-o",
            `UserKnownHostsFile=${sshd.knownHostsPath}`,
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
          ],
          `${sshd.user}@${sshd.host}`,
          process.execPath,
          "-p",
          "process.version",
        ]);
        expect(stdout.trim()).toBe(process.version);
      } catch (error) {
        throw new Error(`${errorMessage(error)}\nsshd log:\n${sshd.logs()}`);
      } finally {
        await sshd.stop();
      }
      expect(existsSync(sshd.directory)).toBe(false);
      expect(() => process.kill(sshd.pid, 0)).toThrow();
    },
  );

  it("fails loudly when sshd is missing", async () => {
    await expect(startTestSshd({ sshdPath: "/nonexistent/sshd" })).rejects.toThrow(
      /sshd not found at "\/nonexistent\/sshd": install it/,
    );
  });
});
