import { describe, expect, it } from "vitest";
import { type PreviewableMessage, UrlPreviewMemory, urlBalloonBundleId } from "./url-preview-memory.ts";

const url = "https://example.com/article";
const at = (seconds: number) => new Date(Date.UTC(2026, 4, 1, 12, 0, seconds)).toISOString();

function row(id: number, text: string, overrides: Partial<PreviewableMessage> = {}): PreviewableMessage {
  return { id, guid: `GUID-${id}`, chatId: 1, sender: "+15555550123", text, createdAt: at(0), ...overrides };
}

function seen(memory: UrlPreviewMemory, message: PreviewableMessage): string | undefined {
  const repeat = memory.repeatOf(message);
  if (repeat === undefined) memory.observe(message);
  return repeat;
}

describe("UrlPreviewMemory", () => {
  it("knows the preview row imsg folded, by guid and by rowid, when it comes again on its own", () => {
    const memory = new UrlPreviewMemory();
    expect(seen(memory, row(10, `read this ${url}`, { urlPreview: { id: 12, guid: "GUID-12" } }))).toBeUndefined();
    const lone = row(12, url, { balloonBundleId: urlBalloonBundleId, createdAt: at(1) });
    expect(memory.repeatOf(lone)).toBe("row 12 is the URL preview imsg already folded into row 10");
    expect(memory.repeatOf({ ...lone, guid: "" })).toBe("row 12 is the URL preview imsg already folded into row 10");
  });

  it("knows a preview streamed on its own after imsg's 2 s hold when the text row before it carries the URL", () => {
    const memory = new UrlPreviewMemory();
    seen(memory, row(10, `read this ${url}`));
    const late = row(11, `${url}/`, { balloonBundleId: urlBalloonBundleId, createdAt: at(3) });
    expect(memory.repeatOf(late)).toBe("row 11 is a late URL preview of row 10, whose text already carries the link");
  });

  it("lets through a late preview whose URL the text lacks: it is the only copy of the link", () => {
    const memory = new UrlPreviewMemory();
    seen(memory, row(10, "Dump"));
    expect(seen(memory, row(11, url, { balloonBundleId: urlBalloonBundleId, createdAt: at(3) }))).toBeUndefined();
  });

  it("lets through a link sent again later, from another sender, or after another row", () => {
    const memory = new UrlPreviewMemory();
    seen(memory, row(10, `read this ${url}`));
    const balloon = { balloonBundleId: urlBalloonBundleId };
    expect(memory.repeatOf(row(11, url, { ...balloon, createdAt: at(6) }))).toBeUndefined();
    expect(memory.repeatOf(row(11, url, { ...balloon, createdAt: at(1), sender: "jane@example.com" }))).toBeUndefined();
    seen(memory, row(11, "and another thing", { createdAt: at(1) }));
    expect(memory.repeatOf(row(12, url, { ...balloon, createdAt: at(2) }))).toBeUndefined();
  });

  it("never takes a plain URL-only message (no balloon bundle id, as imsg before 0.11.1 streams) for a repeat", () => {
    const memory = new UrlPreviewMemory();
    seen(memory, row(10, `read this ${url}`));
    expect(memory.repeatOf(row(11, url, { createdAt: at(1) }))).toBeUndefined();
  });

  it("forgets the oldest folded previews beyond its bound", () => {
    const memory = new UrlPreviewMemory();
    for (let id = 1; id <= 1001; id++)
      memory.observe(row(id * 2, "t", { urlPreview: { id: id * 2 + 1, guid: `P-${id}` } }));
    expect(memory.repeatOf(row(3, url, { guid: "P-1" }))).toBeUndefined();
    expect(memory.repeatOf(row(2003, url, { guid: "P-1001" }))).toBe(
      "row 2003 is the URL preview imsg already folded into row 2002",
    );
  });
});
