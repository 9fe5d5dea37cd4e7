import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { removeStalePartials, SizeCapExceeded, safeFileName, storeStream } from "./media-store.ts";

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "attachments-media-"));
});

afterEach(() => rmSync(directory, { recursive: true, force: true }));

describe("media store", () => {
  it("keeps a readable stem and the extension, dropping separators and odd characters", () => {
    expect(safeFileName("IMG_0001.HEIC")).toBe("IMG_0001.HEIC");
    expect(safeFileName("../../etc/passwd")).toBe("passwd");
    expect(safeFileName("..\\..\\boot.ini")).toBe("boot.ini");
    expect(safeFileName("Café photo (1).jpg")).toBe("Café_photo_1.jpg");
    expect(safeFileName(".hidden")).toBe("hidden");
    expect(safeFileName("")).toBe("attachment");
    expect(safeFileName(`${"x".repeat(300)}.jpeg`)).toHaveLength(64 + 5);
  });

  it("stops reading at the first chunk past the cap and leaves no file, partial or final", async () => {
    let chunksPulled = 0;
    const endless = new Readable({
      read() {
        chunksPulled += 1;
        this.push(Buffer.alloc(64 * 1024));
      },
    });
    const target = join(directory, "media");
    await expect(storeStream(endless, target, "endless.bin", 256 * 1024)).rejects.toBeInstanceOf(SizeCapExceeded);
    expect(readdirSync(target)).toEqual([]);
    expect(endless.destroyed).toBe(true);
    expect(chunksPulled).toBeLessThan(32);
  });

  it("accepts a file of exactly the cap", async () => {
    const stored = await storeStream(Readable.from([Buffer.alloc(1000)]), directory, "exact.bin", 1000);
    expect(stored.bytes).toBe(1000);
  });

  it("removes only stale partial copies", async () => {
    const media = join(directory, "media");
    mkdirSync(media);
    for (const name of [".old.jpg.partial", ".fresh.jpg.partial", "done.jpg"]) writeFileSync(join(media, name), "x");
    const anHourAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(join(media, ".old.jpg.partial"), anHourAgo, anHourAgo);
    utimesSync(join(media, "done.jpg"), anHourAgo, anHourAgo);
    expect(await removeStalePartials(media, 60 * 60 * 1000)).toEqual([".old.jpg.partial"]);
    expect(readdirSync(media).sort()).toEqual([".fresh.jpg.partial", "done.jpg"]);
  });
});
