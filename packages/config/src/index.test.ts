import { describe, expect, it } from "vitest";
import { packageName } from "./index.ts";

describe("package wiring", () => {
  it("exposes its public entry", () => {
    expect(packageName).toBe("@imessage-channel/config");
  });
});
