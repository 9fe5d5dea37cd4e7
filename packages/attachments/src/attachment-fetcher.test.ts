import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordingLogger } from "@imessage-channel/kit";
import { waitFor } from "@imessage-channel/vitest-config/wait-for";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAttachmentFetcher, defaultRetryDelaysMs } from "./attachment-fetcher.ts";
import type { ImsgAttachment } from "./attachment-types.ts";
import { createLocalSource } from "./local-source.ts";

let top: string;
let root: string;
let stateDir: string;
let sleeps: number[];

beforeEach(() => {
  top = realpathSync(mkdtempSync(join(tmpdir(), "attachments-fetch-")));
  root = join(top, "Users", "bob", "Library", "Messages", "Attachments");
  stateDir = join(top, "state");
  mkdirSync(join(root, "4a"), { recursive: true });
  sleeps = [];
});

afterEach(() => rmSync(top, { recursive: true, force: true }));

const mediaDir = () => join(stateDir, "media", "default");
const mediaFiles = () => {
  try {
    return readdirSync(mediaDir());
  } catch {
    return [];
  }
};

function fetcher(overrides: Partial<Parameters<typeof createAttachmentFetcher>[0]> = {}) {
  const logger = recordingLogger();
  const instance = createAttachmentFetcher({
    accountId: "default",
    stateDir,
    roots: [join(top, "Users", "*", "Library", "Messages", "Attachments")],
    logger,
    sleep: async (milliseconds) => {
      sleeps.push(milliseconds);
    },
    ...overrides,
  });
  return { instance, logger };
}

function attachment(name: string, extra: Partial<ImsgAttachment> = {}): ImsgAttachment {
  return { originalPath: join(root, "4a", name), transferName: name, mimeType: "image/jpeg", missing: false, ...extra };
}

describe("createAttachmentFetcher (local)", () => {
  it("copies an attachment into <stateDir>/media/<account> with mode 0600 and the Turn JSON shape", async () => {
    writeFileSync(join(root, "4a", "IMG_0001.jpeg"), "jpeg bytes");
    const { instance } = fetcher();
    const result = await instance.fetch([attachment("IMG_0001.jpeg", { totalBytes: 10 })]);
    expect(result.skipped).toEqual([]);
    const [copied] = result.attachments;
    expect(copied).toMatchObject({ mimeType: "image/jpeg", filename: "IMG_0001.jpeg", byteSize: 10 });
    expect(copied?.path.startsWith(`${mediaDir()}/`)).toBe(true);
    expect(copied?.path).toMatch(/IMG_0001\.jpeg$/);
    expect(readFileSync(copied?.path ?? "", "utf8")).toBe("jpeg bytes");
    expect(statSync(copied?.path ?? "").mode & 0o777).toBe(0o600);
    expect(mediaFiles()).toHaveLength(1);
  });

  it("gives two attachments with the same name two distinct files", async () => {
    writeFileSync(join(root, "4a", "a.jpg"), "one");
    const { instance } = fetcher();
    const result = await instance.fetch([attachment("a.jpg"), attachment("a.jpg")]);
    expect(new Set(result.attachments.map((item) => item.path)).size).toBe(2);
  });

  it("hands the resolved original path when delivery is original, copying nothing", async () => {
    writeFileSync(join(root, "4a", "a.jpg"), "one");
    const { instance } = fetcher({ delivery: "original" });
    const result = await instance.fetch([attachment("a.jpg")]);
    expect(result.attachments).toEqual([
      { path: join(root, "4a", "a.jpg"), byteSize: 3, filename: "a.jpg", mimeType: "image/jpeg" },
    ]);
    expect(mediaFiles()).toEqual([]);
  });

  it("skips a file over mediaMaxMb from its size, before reading it", async () => {
    writeFileSync(join(root, "4a", "big.mov"), Buffer.alloc(2 * 1024 * 1024));
    const { instance, logger } = fetcher({ mediaMaxMb: 1 });
    const result = await instance.fetch([attachment("big.mov")]);
    expect(result.attachments).toEqual([]);
    expect(result.skipped).toMatchObject([{ reason: "too-large", sourcePath: join(root, "4a", "big.mov") }]);
    expect(logger.entries.some((entry) => entry.level === "warn" && entry.message.includes("big.mov"))).toBe(true);
    expect(mediaFiles()).toEqual([]);
  });

  it("aborts a copy mid-stream when the file grows past the cap after stat, deleting the partial file", async () => {
    const path = join(root, "4a", "growing.mov");
    writeFileSync(path, Buffer.alloc(512 * 1024));
    const local = createLocalSource();
    const growingSource = {
      ...local,
      async openRead(file: string, expected: Parameters<typeof local.openRead>[1]) {
        appendFileSync(file, Buffer.alloc(1024 * 1024));
        return local.openRead(file, expected);
      },
    };
    const { instance } = fetcher({ mediaMaxMb: 1, source: growingSource });
    const result = await instance.fetch([attachment("growing.mov")]);
    expect(result.skipped).toMatchObject([
      { reason: "too-large", detail: expect.stringMatching(/while being read; the partial copy was deleted/) },
    ]);
    expect(mediaFiles()).toEqual([]);
  });

  it("reports a missing file after bounded retries without failing the other attachments", async () => {
    writeFileSync(join(root, "4a", "here.jpg"), "here");
    const { instance, logger } = fetcher();
    const result = await instance.fetch([attachment("gone.jpg", { missing: true }), attachment("here.jpg")]);
    expect(result.attachments.map((item) => item.filename)).toEqual(["here.jpg"]);
    expect(result.skipped).toMatchObject([
      { reason: "missing", detail: expect.stringMatching(/gave up after 5 attempts/) },
    ]);
    expect(sleeps).toEqual([...defaultRetryDelaysMs]);
    const loud = logger.entries.filter((entry) => entry.level === "warn");
    expect(loud.map((entry) => entry.message).join("\n")).toContain(join(root, "4a", "gone.jpg"));
  });

  it("retries a file Messages has not written yet and delivers it once it appears", async () => {
    const path = join(root, "4a", "late.heic");
    const { instance } = fetcher({
      sleep: async (milliseconds) => {
        sleeps.push(milliseconds);
        if (sleeps.length === 2) writeFileSync(path, "finally");
      },
    });
    const result = await instance.fetch([attachment("late.heic", { missing: true, totalBytes: 7 })]);
    expect(sleeps).toEqual([250, 500]);
    expect(result.skipped).toEqual([]);
    expect(readFileSync(result.attachments[0]?.path ?? "", "utf8")).toBe("finally");
  });

  it("waits while the file is shorter than imsg's total_bytes, then copies the complete file", async () => {
    const path = join(root, "4a", "voice.caf");
    writeFileSync(path, "half");
    const { instance } = fetcher({
      sleep: async (milliseconds) => {
        sleeps.push(milliseconds);
        appendFileSync(path, "+rest");
      },
    });
    const result = await instance.fetch([attachment("voice.caf", { totalBytes: 9, mimeType: "audio/x-caf" })]);
    expect(sleeps).toEqual([250]);
    expect(result.attachments).toMatchObject([{ byteSize: 9, mimeType: "audio/x-caf" }]);
    expect(readFileSync(result.attachments[0]?.path ?? "", "utf8")).toBe("half+rest");
  });

  it("reports a file that never reaches its size as incomplete, loudly", async () => {
    writeFileSync(join(root, "4a", "stuck.mov"), "0123");
    const { instance, logger } = fetcher({ retryDelaysMs: [1, 2] });
    const result = await instance.fetch([attachment("stuck.mov", { totalBytes: 100 })]);
    expect(result.skipped).toMatchObject([
      { reason: "incomplete", detail: expect.stringMatching(/4 bytes of 100 bytes/) },
    ]);
    expect(logger.entries.some((entry) => entry.level === "warn" && entry.message.includes("stuck.mov"))).toBe(true);
    expect(mediaFiles()).toEqual([]);
  });

  it("refuses symlink escapes, .., NUL and relative paths with a warning naming the path, copying nothing", async () => {
    const secret = join(top, "secret.txt");
    writeFileSync(secret, "do not leak");
    mkdirSync(join(top, "elsewhere"));
    writeFileSync(join(top, "elsewhere", "x.jpg"), "do not leak");
    symlinkSync(secret, join(root, "4a", "link.jpg"));
    symlinkSync(join(top, "elsewhere"), join(root, "4a", "dir"));
    const paths = [
      join(root, "4a", "link.jpg"),
      join(root, "4a", "dir", "x.jpg"),
      `${root}/4a/../../../../../../secret.txt`,
      `${join(root, "4a", "link.jpg")}\0`,
      "4a/link.jpg",
    ];
    const { instance, logger } = fetcher();
    const result = await instance.fetch(paths.map((originalPath) => ({ originalPath })));
    expect(result.attachments).toEqual([]);
    expect(result.skipped.map((entry) => entry.reason)).toEqual(Array(paths.length).fill("path-rejected"));
    const warnings = logger.entries.filter((entry) => entry.level === "warn").map((entry) => entry.message);
    for (const path of paths) expect(warnings.some((line) => line.includes(JSON.stringify(path)))).toBe(true);
    expect(sleeps).toEqual([]);
    expect(mediaFiles()).toEqual([]);
  });

  it("deletes the copy when a folder was swapped for a symlink leading outside while the file was read", async () => {
    const folder = join(root, "4a", "swap");
    mkdirSync(folder);
    writeFileSync(join(folder, "a.jpg"), "same");
    const outsideFolder = join(top, "outside");
    mkdirSync(outsideFolder);
    writeFileSync(join(outsideFolder, "a.jpg"), "same");
    // Same size and time, so only the second realpath can tell the two files apart.
    const sameTime = new Date("2026-05-01T12:00:00Z");
    utimesSync(join(folder, "a.jpg"), sameTime, sameTime);
    utimesSync(join(outsideFolder, "a.jpg"), sameTime, sameTime);
    const local = createLocalSource();
    const swapping = {
      ...local,
      async openRead(file: string, expected: Parameters<typeof local.openRead>[1]) {
        const stream = await local.openRead(file, expected);
        renameSync(folder, `${folder}-old`);
        symlinkSync(outsideFolder, folder);
        return stream;
      },
    };
    const { instance } = fetcher({ source: swapping });
    const result = await instance.fetch([{ originalPath: join(folder, "a.jpg") }]);
    expect(result.attachments).toEqual([]);
    expect(result.skipped).toMatchObject([
      {
        reason: "path-rejected",
        detail: expect.stringMatching(/resolved elsewhere after it was read; the copy was deleted/),
      },
    ]);
    expect(mediaFiles()).toEqual([]);
  });

  it("skips a directory inside the roots as not-a-file, without retrying", async () => {
    mkdirSync(join(root, "4a", "folder.jpg"));
    const { instance } = fetcher();
    const result = await instance.fetch([{ originalPath: join(root, "4a", "folder.jpg") }]);
    expect(result.skipped).toMatchObject([{ reason: "not-a-file" }]);
    expect(sleeps).toEqual([]);
  });

  it("reports an attachment without a file name as no-path", async () => {
    const { instance } = fetcher();
    const result = await instance.fetch([{ originalPath: "", transferName: "ghost.jpg", missing: true }]);
    expect(result.skipped).toMatchObject([{ reason: "no-path", filename: "ghost.jpg" }]);
  });

  it("prefers imsg's converted file when it lies inside the roots", async () => {
    writeFileSync(join(root, "4a", "anim.gif"), "gif");
    writeFileSync(join(root, "4a", "anim.png"), "png!");
    const { instance } = fetcher();
    const result = await instance.fetch([
      attachment("anim.gif", {
        mimeType: "image/gif",
        convertedPath: join(root, "4a", "anim.png"),
        convertedMimeType: "image/png",
      }),
    ]);
    expect(result.attachments).toMatchObject([{ mimeType: "image/png", byteSize: 4 }]);
  });

  it("refuses a cap that is not a positive number instead of silently lifting it", () => {
    for (const mediaMaxMb of [Number.NaN, 0, -1, Number.POSITIVE_INFINITY]) {
      expect(() => fetcher({ mediaMaxMb }), String(mediaMaxMb)).toThrow(
        expect.objectContaining({ code: "MEDIA_CAP_INVALID" }),
      );
    }
  });

  it("copies at most `concurrency` attachments at once, and every one of them", async () => {
    const names = ["a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"];
    for (const name of names) writeFileSync(join(root, "4a", name), name);
    const local = createLocalSource();
    let open = 0;
    let peak = 0;
    const counting = {
      ...local,
      async openRead(file: string, expected: Parameters<typeof local.openRead>[1]) {
        open += 1;
        peak = Math.max(peak, open);
        const stream = await local.openRead(file, expected);
        stream.once("close", () => {
          open -= 1;
        });
        return stream;
      },
    };
    const { instance } = fetcher({ concurrency: 2, source: counting });
    const result = await instance.fetch(names.map((name) => attachment(name)));
    expect(result.attachments.map((item) => item.filename)).toEqual(names);
    expect(peak).toBe(2);
  });

  it("does not hold a transfer slot while waiting for a late file", async () => {
    writeFileSync(join(root, "4a", "ready.jpg"), "ready");
    const order: string[] = [];
    const { instance } = fetcher({
      concurrency: 1,
      sleep: async (milliseconds) => {
        sleeps.push(milliseconds);
        order.push(`wait ${milliseconds}`);
        if (sleeps.length === 1) {
          // While the late file waits, the ready one must be able to go through the single slot.
          await waitFor(() => mediaFiles().length === 1, "the ready file to be copied while the late one waits", 5000);
          order.push(`media ${mediaFiles().length}`);
          writeFileSync(join(root, "4a", "late.jpg"), "late");
        }
      },
    });
    const result = await instance.fetch([attachment("late.jpg", { missing: true }), attachment("ready.jpg")]);
    expect(result.attachments.map((item) => item.filename)).toEqual(["late.jpg", "ready.jpg"]);
    expect(order).toEqual(["wait 250", "media 1"]);
  });

  it("refuses an account id that would escape the media folder", () => {
    expect(() => fetcher({ accountId: "../evil" })).toThrow(expect.objectContaining({ code: "ACCOUNT_ID_INVALID" }));
  });
});
