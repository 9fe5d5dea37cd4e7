import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAccountAttachmentFetcher } from "./fetcher-for-account.ts";

let top: string;

beforeEach(() => {
  top = realpathSync(mkdtempSync(join(tmpdir(), "attachments-account-")));
  for (const side of ["local", "mac"]) {
    mkdirSync(join(top, side, "Attachments"), { recursive: true });
    writeFileSync(join(top, side, "Attachments", "photo.jpg"), side);
  }
});

afterEach(() => rmSync(top, { recursive: true, force: true }));

describe("createAccountAttachmentFetcher without remoteHost", () => {
  it("checks paths against attachmentRoots only, never remoteAttachmentRoots", async () => {
    const fetcher = createAccountAttachmentFetcher(
      {
        accountId: "work",
        remoteHost: null,
        attachmentRoots: [join(top, "local", "Attachments")],
        remoteAttachmentRoots: [join(top, "mac", "Attachments")],
        mediaMaxMb: 1,
      },
      { stateDir: join(top, "state") },
    );
    const result = await fetcher.fetch([
      { originalPath: join(top, "local", "Attachments", "photo.jpg") },
      { originalPath: join(top, "mac", "Attachments", "photo.jpg") },
    ]);
    expect(result.attachments).toHaveLength(1);
    expect(result.attachments[0]?.path.startsWith(join(top, "state", "media", "work"))).toBe(true);
    expect(result.skipped).toMatchObject([
      { reason: "path-rejected", sourcePath: join(top, "mac", "Attachments", "photo.jpg") },
    ]);
    await fetcher.close();
  });

  it("applies the account's mediaMaxMb", async () => {
    writeFileSync(join(top, "local", "Attachments", "large.bin"), Buffer.alloc(2048));
    const fetcher = createAccountAttachmentFetcher(
      { accountId: "work", attachmentRoots: [join(top, "local", "Attachments")], mediaMaxMb: 1 / 1024 },
      { stateDir: join(top, "state") },
    );
    expect(
      (await fetcher.fetch([{ originalPath: join(top, "local", "Attachments", "large.bin") }])).skipped,
    ).toMatchObject([{ reason: "too-large" }]);
  });
});
