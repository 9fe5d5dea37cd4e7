import { describe, expect, it } from "vitest";
import { formatAgo, formatExpiresIn } from "./pairing-format.ts";

const now = Date.parse("2026-01-01T12:00:00.000Z");

describe("pairing times as the operator reads them", () => {
  it("shows a fresh code's expiry as in 59 min, counting whole minutes left", () => {
    expect(formatExpiresIn("2026-01-01T12:59:59.000Z", now)).toBe("in 59 min");
    expect(formatExpiresIn("2026-01-01T13:00:00.000Z", now)).toBe("in 60 min");
    expect(formatExpiresIn("2026-01-01T12:01:00.000Z", now)).toBe("in 1 min");
    expect(formatExpiresIn("2026-01-01T12:00:30.000Z", now)).toBe("in under a minute");
  });

  it("shows an approval's age in minutes, hours, then days", () => {
    expect(formatAgo("2026-01-01T11:59:30.000Z", now)).toBe("just now");
    expect(formatAgo("2026-01-01T11:48:00.000Z", now)).toBe("12 min ago");
    expect(formatAgo("2026-01-01T09:00:00.000Z", now)).toBe("3 h ago");
    expect(formatAgo("2025-12-28T12:00:00.000Z", now)).toBe("4 days ago");
  });
});
