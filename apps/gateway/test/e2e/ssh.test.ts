// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { waitFor } from "@imessage-channel/agents/test-support";
import { startTestSshd, type TestSshd } from "@imessage-channel/test-sshd";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness } from "../test-support/gateway-harness.ts";

const friend = "+15555550123";

let harness: GatewayHarness | undefined;
let sshd: TestSshd | undefined;
afterEach(async () => {
  await harness?.dispose();
  await sshd?.kill();
  harness = undefined;
  sshd = undefined;
});

/** The gateway reaches "the Mac" (imsg-sim behind the wrapper) over native SSH to a real sshd on loopback. */
async function overSsh(knownHosts?: (sshd: TestSshd) => string) {
  sshd = await startTestSshd();
  harness = await GatewayHarness.create();
  await harness.writeConfig({
    channel: {
      dmPolicy: "open",
      allowFrom: ["*"],
      ...harness.sshChannel(sshd, knownHosts ? { knownHostsFile: knownHosts(sshd) } : {}),
    },
  });
  return { harness, sshd };
}

describe("gateway end to end over SSH (native and wrapper)", () => {
  it("answers through imsg on the remote side and survives a dropped connection without loss", async () => {
    const { harness, sshd } = await overSsh();
    await harness.start();
    harness.inject({ from: friend, text: "over ssh" });
    await harness.waitForSent((rows) => rows.length === 1, "the reply over SSH", 15_000);

    const mark = harness.logs.length;
    await sshd.dropConnections();
    harness.inject({ from: friend, text: "while reconnecting" });
    await waitFor(
      "the reconnect",
      () => harness.logs.slice(mark).some((line) => line.includes("imsg stream connected")),
      20_000,
    );
    await harness.waitForSent((rows) => rows.length === 2, "the reply after the reconnect", 20_000);
    expect(harness.turns().map((turn) => turn.text)).toEqual(["over ssh", "while reconnecting"]);
  });

  it("through an SSH wrapper as cliPath: remoteHost is read from the wrapper and attachments come over SFTP", async () => {
    sshd = await startTestSshd();
    harness = await GatewayHarness.create();
    const remoteImsg = join(harness.dir, "remote-imsg");
    // The Mac side: imsg-sim with the same home the rows' attachments were written under.
    await writeFile(
      remoteImsg,
      `#!/bin/sh\nHOME=${JSON.stringify(harness.home)} exec ${JSON.stringify(harness.wrapperPath)} "$@"\n`,
    );
    await chmod(remoteImsg, 0o755);
    const wrapper = join(harness.dir, "imsg-ssh");
    await writeFile(
      wrapper,
      `#!/usr/bin/env bash\nexec ssh -T -p ${sshd.port} -i ${sshd.clientKeyPath} -o UserKnownHostsFile=${sshd.knownHostsPath} -o BatchMode=yes ${sshd.user}@127.0.0.1 ${remoteImsg} "$@"\n`,
    );
    await chmod(wrapper, 0o755);
    await harness.writeConfig({
      channel: {
        dmPolicy: "open",
        allowFrom: ["*"],
        cliPath: wrapper,
        dbPath: harness.dbPath,
        includeAttachments: true,
        remoteAttachmentRoots: [join(harness.home, "Library/Messages/Attachments")],
        ssh: { knownHostsFile: sshd.knownHostsPath },
      },
    });
    await harness.start();
    const photo = join(harness.dir, "photo.jpg");
    await writeFile(photo, "jpeg bytes over sftp");
    harness.inject({ from: friend, text: "\uFFFC", attachments: [{ path: photo, mimeType: "image/jpeg" }] });
    await harness.waitForSent((rows) => rows.length === 1, "the reply", 20_000);
    await harness.waitForLog(/remoteHost auto-detected from the SSH wrapper/);
    const [turn] = harness.turns() as Array<{ attachments: Array<{ path: string }> }>;
    expect(turn?.attachments).toHaveLength(1);
    expect(turn!.attachments[0]!.path.startsWith(harness.stateDir)).toBe(true);
    expect(await readFile(turn!.attachments[0]!.path, "utf8")).toBe("jpeg bytes over sftp");
  });

  it("refuses an unknown host key and says what to run", async () => {
    const { harness, sshd } = await overSsh((server) => `${server.directory}/empty_known_hosts`);
    await writeFile(`${sshd.directory}/empty_known_hosts`, "");
    const { code, stdout } = await harness.cli(["status", "--probe", "--config", harness.configPath]);
    expect(stdout).toMatch(/not in|unknown|HOST_KEY_UNKNOWN/i);
    expect(code).toBe(1);
    expect(stdout).toMatch(/ssh -p \d+ .*@127\.0\.0\.1|ssh-keyscan/);
  });
});
