import { describe, expect, it } from "vitest";
import { base64ByteLength, checkMediaSize, planMedia, safeFilename } from "./media.ts";
import { OutboundError } from "./outbound-error.ts";

const megabyte = 1024 * 1024;
const limits = (sizes: Record<string, number>, mediaMaxBytes = 16 * megabyte) => ({
  mediaMaxBytes,
  sizeOfPath: async (path: string) => {
    const size = sizes[path];
    if (size === undefined) throw new Error(`ENOENT: no such file or directory, stat '${path}'`);
    return size;
  },
});

async function failure(promise: Promise<unknown>): Promise<OutboundError> {
  try {
    await promise;
  } catch (error) {
    if (OutboundError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a failure");
}

describe("planMedia", () => {
  it("decodes base64 bytes and keeps a safe filename", async () => {
    const plan = await planMedia(
      { base64: Buffer.from("hello").toString("base64"), filename: "../../etc/x.txt" },
      limits({}),
    );
    expect(plan).toMatchObject({ kind: "buffer", filename: "x.txt", byteSize: 5, asVoice: false });
    expect(plan.kind === "buffer" && Buffer.from(plan.data).toString()).toBe("hello");
  });

  it("accepts a data URL and keeps the voice flag", async () => {
    const plan = await planMedia(
      { base64: "data:audio/mp4;base64,AAEC", filename: "memo.m4a", asVoice: true },
      limits({}),
    );
    expect(plan).toMatchObject({ kind: "buffer", byteSize: 3, asVoice: true });
  });

  it("takes a path with its size from the injected stat", async () => {
    const plan = await planMedia({ path: "/tmp/out/photo.jpg" }, limits({ "/tmp/out/photo.jpg": 1234 }));
    expect(plan).toEqual({
      kind: "path",
      path: "/tmp/out/photo.jpg",
      filename: "photo.jpg",
      byteSize: 1234,
      asVoice: false,
    });
  });

  it("accepts a file of exactly mediaMaxMb and refuses one byte more, naming size and limit", async () => {
    const sizes = { "/a.mov": 16 * megabyte, "/b.mov": 16 * megabyte + 1 };
    await expect(planMedia({ path: "/a.mov" }, limits(sizes))).resolves.toMatchObject({ byteSize: 16 * megabyte });
    const error = await failure(planMedia({ path: "/b.mov" }, limits(sizes)));
    expect(error.code).toBe("MEDIA_TOO_LARGE");
    expect(error.message).toBe(
      'attachment "b.mov" is 16.0 MB (16777217 bytes), over the 16.0 MB limit of channels.imessage.mediaMaxMb; send a smaller file or raise mediaMaxMb',
    );
  });

  it("refuses oversized base64 from its length, before decoding", async () => {
    const base64 = "A".repeat(4 * 1024);
    const error = await failure(planMedia({ base64, filename: "big.bin" }, limits({}, 3 * 1024 - 1)));
    expect(error.code).toBe("MEDIA_TOO_LARGE");
  });

  it.each([
    [{ base64: "not base64!", filename: "x" }],
    [{ base64: "", filename: "x" }],
    [{ base64: "AAAAA", filename: "x" }],
    [{ path: "  " }],
    [{ path: "/a\u0000b" }],
    [{ path: "/missing.jpg" }],
  ])("refuses %j as MEDIA_INVALID", async (attachment) => {
    expect((await failure(planMedia(attachment, limits({})))).code).toBe("MEDIA_INVALID");
  });

  it("passes the app's own refusal of a path on unchanged", async () => {
    const refusal = new OutboundError("MEDIA_PATH_REFUSED", "attachment path refused");
    const error = await failure(
      planMedia({ path: "/state/state.db" }, { mediaMaxBytes: 10, sizeOfPath: () => Promise.reject(refusal) }),
    );
    expect(error).toBe(refusal);
  });
});

describe("helpers", () => {
  it.each([
    ["", 0],
    ["AA==", 1],
    ["AAA=", 2],
    ["AAAA", 3],
    ["AAAA\nAAAA", 6],
  ])("base64ByteLength(%j) = %d", (base64, length) => {
    expect(base64ByteLength(base64)).toBe(length);
  });

  it("names a file safely", () => {
    expect(safeFilename("C:\\Users\\x\\report.pdf")).toBe("report.pdf");
    expect(safeFilename("..")).toBe("attachment");
    expect(safeFilename("a\u0000b\n.txt")).toBe("ab.txt");
  });

  it("checkMediaSize passes at the limit", () => {
    expect(() => checkMediaSize("x", 10, 10)).not.toThrow();
    expect(() => checkMediaSize("x", 11, 10)).toThrow(/over the/);
  });
});
