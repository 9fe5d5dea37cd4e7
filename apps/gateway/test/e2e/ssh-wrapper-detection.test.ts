// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { existsSync } from "node:fs";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { simBinPath } from "@imessage-channel/imsg-sim";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness } from "../test-support/gateway-harness.ts";

const friend = "+15555550123";
const open = { dmPolicy: "open", allowFrom: ["*"] };
const explicitly = /set channels\.imessage\.remoteHost explicitly/;

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

/**
 * A wrapper that runs imsg-sim here, followed by an `ssh -J` line that `exec` never reaches: a reader cannot tell
 * where that ssh would connect, so remoteHost cannot be auto-detected from it.
 */
async function ambiguousWrapper(harness: GatewayHarness): Promise<string> {
  const path = join(harness.dir, "imsg-jump");
  await writeFile(
    path,
    [
      "#!/bin/sh",
      `IMSG_SIM_DB=${JSON.stringify(harness.dbPath)} exec ${JSON.stringify(process.execPath)} ${JSON.stringify(simBinPath)} "$@"`,
      'exec ssh -J bastion bot@mac imsg "$@"',
      "",
    ].join("\n"),
  );
  await chmod(path, 0o755);
  return path;
}

describe("gateway end to end: an SSH wrapper whose host cannot be read", () => {
  it("keeps every row, reads no local file, and says once to set remoteHost explicitly", async () => {
    harness = await GatewayHarness.create();
    const cliPath = await ambiguousWrapper(harness);
    // The file sits inside attachmentRoots: treating the Mac as local would copy it into the turn.
    await harness.writeConfig({
      channel: { ...open, cliPath, includeAttachments: true, attachmentRoots: [harness.dir] },
    });
    await harness.start();
    const photo = join(harness.dir, "IMG_0001.jpg");
    await writeFile(photo, "bytes that must stay on this disk");

    // An attachment-only row and a text row: both reach the agent, the attachments reported unavailable.
    harness.inject({ from: friend, text: "\uFFFC", attachments: [{ path: photo, mimeType: "image/jpeg" }] });
    await harness.waitForSent((rows) => rows.length === 1, "the reply to the attachment-only row");
    harness.inject({ from: friend, text: "and \uFFFC", attachments: [{ path: photo, mimeType: "image/jpeg" }] });
    await harness.waitForSent((rows) => rows.length === 2, "the reply to the text row");

    const turns = harness.turns() as Array<{ text: string; attachments: Array<Record<string, unknown>> }>;
    expect(turns).toHaveLength(2);
    expect(turns[1]?.text.startsWith("and")).toBe(true);
    for (const turn of turns) {
      expect(turn.attachments).toHaveLength(1);
      expect(turn.attachments[0]).not.toHaveProperty("path");
      expect(String(turn.attachments[0]?.detail)).toContain(
        `was not fetched: remoteHost could not be auto-detected from the SSH wrapper ${cliPath} (the ssh command uses a jump host (-J bastion))`,
      );
    }
    const errors = harness.logs.filter((line) => explicitly.test(line));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`remoteHost cannot be auto-detected from the SSH wrapper ${cliPath}`);
    expect(errors[0]).toContain("uses a jump host (-J bastion)");
    expect(JSON.parse(errors[0]!).level).toBe(50);
    const skipped = harness.logs.filter((line) => /attachment not passed to the agent/.test(line));
    expect(skipped).toHaveLength(2);
    expect(skipped[0]).toContain("was not fetched: remoteHost could not be auto-detected");
    expect(existsSync(join(harness.stateDir, "media", "default"))).toBe(false);
  });

  it("doctor fails the remote-host check with the fix", async () => {
    harness = await GatewayHarness.create();
    const cliPath = await ambiguousWrapper(harness);
    await harness.writeConfig({ channel: { ...open, cliPath, includeAttachments: true } });
    const { code, stdout } = await harness.cli(["doctor", "--json", "--config", harness.configPath]);
    const report = JSON.parse(stdout) as {
      accounts: Array<{ checks: Array<{ id: string; status: string; message: string; fix?: string }> }>;
    };
    expect(report.accounts[0]?.checks.find((check) => check.id === "remote-host")).toEqual({
      id: "remote-host",
      status: "fail",
      message: `remoteHost cannot be auto-detected from the SSH wrapper ${cliPath}: the ssh command uses a jump host (-J bastion); attachments are unavailable (messages still reach the agent without them)`,
      fix: "set channels.imessage.remoteHost explicitly (host or user@host of the Mac the wrapper reaches)",
    });
    expect(code).toBe(1);
  });
});

describe("config validate: cliPath", () => {
  it("refuses a shell command line as cliPath with exit 2 and accepts a path with spaces", async () => {
    harness = await GatewayHarness.create();
    await harness.writeConfig({ channel: { cliPath: "imsg; rm -rf /" } });
    const refused = await harness.cli(["config", "validate", "--config", harness.configPath]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'channels.imessage.cliPath: "imsg; rm -rf /" contains shell metacharacters (";"); cliPath is one program run without a shell: the path of imsg or of a wrapper script (spaces need no quoting)',
    );

    await harness.writeConfig({ channel: { cliPath: "/Applications/Imsg Tools/imsg" } });
    const accepted = await harness.cli(["config", "validate", "--config", harness.configPath]);
    expect(accepted.stderr).not.toContain("cliPath");
    expect(accepted.code).toBe(0);
  });
});
