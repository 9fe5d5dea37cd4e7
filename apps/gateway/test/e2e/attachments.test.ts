// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness } from "../test-support/gateway-harness.ts";

const friend = "+15555550123";
const open = { dmPolicy: "open", allowFrom: ["*"] };

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

async function photo(dir: string): Promise<string> {
  const path = join(dir, "IMG_0001.jpg");
  await writeFile(path, Buffer.from("not really a jpeg, but bytes all the same"));
  return path;
}

describe("gateway end to end: attachments", () => {
  it("off (default): drops attachment-only rows and strips the placeholder from text rows", async () => {
    harness = await GatewayHarness.create({ channel: open });
    await harness.start();
    const file = await photo(harness.dir);
    harness.inject({ from: friend, text: "\uFFFC", attachments: [{ path: file, mimeType: "image/jpeg" }] });
    harness.inject({ from: friend, text: "look \uFFFC", attachments: [{ path: file, mimeType: "image/jpeg" }] });
    await harness.waitForSent((rows) => rows.length === 1, "the reply to the text row");
    await harness.waitForLog(/attachment-only/);
    expect(harness.turns().map((turn) => [turn.text, turn.attachments])).toEqual([["look", []]]);
  });

  it("on: copies the file under the state dir and hands the agent its path", async () => {
    harness = await GatewayHarness.create({ channel: open });
    await harness.writeConfig({
      channel: {
        ...open,
        includeAttachments: true,
        attachmentRoots: [join(harness.home, "Library/Messages/Attachments")],
      },
    });
    await harness.start();
    const file = await photo(harness.dir);
    harness.inject({ from: friend, text: "\uFFFC", attachments: [{ path: file, mimeType: "image/jpeg" }] });
    await harness.waitForSent((rows) => rows.length === 1, "the reply");
    const [turn] = harness.turns() as Array<{
      attachments: Array<{ path: string; mimeType?: string; byteSize?: number }>;
    }>;
    expect(turn?.attachments).toHaveLength(1);
    const attachment = turn!.attachments[0]!;
    expect(attachment.path.startsWith(join(harness.stateDir, "media"))).toBe(true);
    expect(attachment.mimeType).toBe("image/jpeg");
    expect(await readFile(attachment.path, "utf8")).toBe(await readFile(file, "utf8"));
  });

  it("on, outside the allowed roots: the file is refused with a warning and never reaches the agent", async () => {
    harness = await GatewayHarness.create({ channel: { ...open, includeAttachments: true } });
    await harness.start();
    const file = await photo(harness.dir);
    harness.inject({ from: friend, text: "see \uFFFC", attachments: [{ path: file, mimeType: "image/jpeg" }] });
    await harness.waitForSent((rows) => rows.length === 1, "the reply to the text");
    await harness.waitForLog(/attachment not passed to the agent/);
    // The agent is told it missed a file, and why; it never gets the file.
    expect(harness.turns().map((turn) => [turn.text, turn.attachments])).toEqual([
      [
        "see [imessage attachment unavailable]",
        [{ missing: "path-rejected", detail: expect.stringContaining("IMG_0001.jpg"), filename: "IMG_0001.jpg" }],
      ],
    ]);
  });

  it("on, too large: an attachment-only row still reaches the agent, which is told what it missed", async () => {
    harness = await GatewayHarness.create({ channel: open });
    await harness.writeConfig({
      channel: {
        ...open,
        includeAttachments: true,
        mediaMaxMb: 0.001,
        attachmentRoots: [join(harness.home, "Library/Messages/Attachments")],
      },
    });
    await harness.start();
    const big = join(harness.dir, "IMG_0002.jpg");
    await writeFile(big, Buffer.alloc(64 * 1024, 1));
    harness.inject({ from: friend, text: "\uFFFC", attachments: [{ path: big, mimeType: "image/jpeg" }] });
    await harness.waitForSent((rows) => rows.length === 1, "the reply");
    expect(harness.turns().map((turn) => [turn.text, turn.attachments])).toEqual([
      [
        "[imessage attachment unavailable]",
        [expect.objectContaining({ missing: "too-large", filename: "IMG_0002.jpg" })],
      ],
    ]);
  });
});
