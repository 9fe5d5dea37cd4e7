import { describe, expect, it } from "vitest";
import { resolveLoggingSettings } from "./logging-settings.ts";
import { validateConfig } from "./validate-config.ts";

describe("logging settings", () => {
  it("defaults to info, masked handles, no fixed format and a 10 MB × 3 log file", () => {
    expect(resolveLoggingSettings(undefined)).toEqual({
      level: "info",
      redactHandles: true,
      file: { enabled: true, maxBytes: 10 * 1024 * 1024, maxFiles: 3 },
    });
  });

  it("takes what the file sets", () => {
    const { config } = validateConfig({
      logging: { level: "debug", format: "json", file: false, maxFileMb: 2.5, maxFiles: 5 },
    });
    expect(resolveLoggingSettings(config)).toEqual({
      level: "debug",
      redactHandles: true,
      format: "json",
      file: { enabled: false, maxBytes: 2.5 * 1024 * 1024, maxFiles: 5 },
    });
  });

  it("refuses a format, size or count it cannot use, naming the key", () => {
    const { errors } = validateConfig({ logging: { format: "xml", maxFileMb: 0, maxFiles: 2.5 } });
    const text = errors.join("\n");
    expect(text).toContain('logging.format: "xml" is not one of pretty | json');
    expect(text).toContain("logging.maxFileMb");
    expect(text).toContain("logging.maxFiles");
  });
});
