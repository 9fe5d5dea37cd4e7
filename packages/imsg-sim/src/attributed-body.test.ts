import { describe, expect, it } from "vitest";
import { decodeAttributedBody, encodeAttributedBody } from "./attributed-body.ts";

const exampleBlob = Buffer.from(
  "040B73747265616D747970656481E803840140848484124E5341747472696275746564537472696E67008484084E534F626A656374008592848484084E53537472696E67019484012B1253656520796F7520746865726520F09F918B86840269490110928484840C4E5344696374696F6E617279009484016901928496961D5F5F6B494D4D657373616765506172744174747269627574654E616D658692848484084E534E756D626572008484074E5356616C7565009484012A849B9B00868686",
  "hex",
);

describe("attributedBody typedstream", () => {
  it("decodes a real Messages blob (docs/imsg-protocol.md#attributedbody)", () => {
    expect(decodeAttributedBody(exampleBlob)).toBe("See you there 👋");
  });

  it("encodes byte-for-byte like the real blob", () => {
    expect(Buffer.from(encodeAttributedBody("See you there 👋")).equals(exampleBlob)).toBe(true);
  });

  it("round-trips texts that need the 0x81 length form", () => {
    const text = "long ".repeat(60);
    const blob = encodeAttributedBody(text);
    expect(blob[blob.indexOf(0x2b) + 1]).toBe(0x81);
    expect(decodeAttributedBody(blob)).toBe(text);
  });

  it("round-trips texts that need the 0x82 length form", () => {
    const text = "z".repeat(40_000);
    const blob = encodeAttributedBody(text);
    expect(Buffer.from(blob).includes(Buffer.from([0x01, 0x2b, 0x82]))).toBe(true);
    expect(decodeAttributedBody(blob)).toBe(text);
  });

  it("keeps imsg's stray leading character for 9000-byte texts", () => {
    const text = "a".repeat(9000);
    expect(decodeAttributedBody(encodeAttributedBody(text))).toBe(`#${text}`);
  });

  it("accepts a printable length byte", () => {
    const text = "x".repeat(65);
    expect(decodeAttributedBody(encodeAttributedBody(text))).toBe(text);
  });

  it("strips leading newlines and control characters", () => {
    expect(decodeAttributedBody(encodeAttributedBody("\n\thello"))).toBe("hello");
  });

  it("decodes UTF-16LE bodies with a BOM", () => {
    const blob = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("\u200Bhi there", "utf16le")]);
    expect(decodeAttributedBody(blob)).toBe("hi there");
  });

  it("cuts text at the first 86 84 byte pair, as imsg does", () => {
    expect(decodeAttributedBody(encodeAttributedBody("before ↄ after"))).toBe("before \uFFFD");
  });

  it("falls back to the lossy whole blob when no segment decodes", () => {
    expect(decodeAttributedBody(Buffer.from("streamtyped junk"))).toBe("streamtyped junk");
    expect(decodeAttributedBody(null)).toBe("");
    expect(decodeAttributedBody(new Uint8Array())).toBe("");
  });
});
