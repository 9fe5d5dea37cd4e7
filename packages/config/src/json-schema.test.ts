import { describe, expect, it } from "vitest";
import { configJsonSchema } from "./json-schema.ts";

describe("configJsonSchema", () => {
  it("describes every top-level key, the enums and that unknown keys are not allowed", () => {
    const schema = configJsonSchema() as {
      properties: Record<string, { properties?: Record<string, { properties?: Record<string, unknown> }> }>;
      additionalProperties: boolean;
    };
    expect(Object.keys(schema.properties)).toEqual([
      "$schema",
      "channels",
      "agents",
      "bindings",
      "messages",
      "session",
      "commands",
      "logging",
      "shutdown",
      "metrics",
    ]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.channels?.properties?.imessage?.properties?.dmPolicy).toEqual({
      type: "string",
      enum: ["pairing", "allowlist", "open", "disabled"],
    });
  });
});
