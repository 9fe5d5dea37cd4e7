import { describe, expect, it } from "vitest";
import { encodeBinaryPropertyList, readPropertyListString } from "./property-list.ts";

describe("property lists of attachment.user_info", () => {
  it("reads a string from a binary plist, ASCII and UTF-16, short and long", () => {
    const long = "a transcription that is longer than fifteen characters";
    const plist = encodeBinaryPropertyList({ "audio-duration": "3.2", "audio-transcription": "Bin gleich da ✌️", long });
    expect(readPropertyListString(plist, "audio-transcription")).toBe("Bin gleich da ✌️");
    expect(readPropertyListString(plist, "long")).toBe(long);
    expect(readPropertyListString(plist, "absent")).toBeUndefined();
  });

  it("reads a string from an XML plist and decodes entities", () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>' +
      "<key>audio-transcription</key><string>Fish &amp; chips at 6</string></dict></plist>";
    expect(readPropertyListString(Buffer.from(xml), "audio-transcription")).toBe("Fish & chips at 6");
  });

  it("gives undefined for a truncated binary plist instead of throwing", () => {
    expect(readPropertyListString(Buffer.from("bplist00garbage"), "audio-transcription")).toBeUndefined();
  });
});
