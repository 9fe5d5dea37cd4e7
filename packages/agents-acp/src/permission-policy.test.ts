import type { PermissionOption, ToolKind } from "@agentclientprotocol/sdk";
import { describe, expect, it } from "vitest";
import { decidePermission } from "./permission-policy.ts";

const allOptions: PermissionOption[] = [
  { optionId: "allow-always", name: "Always allow", kind: "allow_always" },
  { optionId: "allow-once", name: "Allow", kind: "allow_once" },
  { optionId: "reject-always", name: "Never", kind: "reject_always" },
  { optionId: "reject-once", name: "Reject", kind: "reject_once" },
];
const request = (kind: ToolKind | null, options = allOptions) => ({
  toolCall: { toolCallId: "call-1", kind },
  options,
});

describe("decidePermission", () => {
  it("rejects once by default", () => {
    expect(decidePermission(request("read"))).toEqual({ outcome: { outcome: "selected", optionId: "reject-once" } });
  });

  it("allows once when the tool kind is allow-listed", () => {
    expect(decidePermission(request("search"), { allowKinds: ["read", "search"] })).toEqual({
      outcome: { outcome: "selected", optionId: "allow-once" },
    });
    expect(decidePermission(request("execute"), { allowKinds: ["read", "search"] }).outcome).toEqual({
      outcome: "selected",
      optionId: "reject-once",
    });
  });

  it("treats a tool call without a kind as `other`", () => {
    expect(decidePermission(request(null), { allowKinds: ["read"] }).outcome).toMatchObject({
      optionId: "reject-once",
    });
    expect(decidePermission(request(null), { allowKinds: ["other"] }).outcome).toMatchObject({
      optionId: "allow-once",
    });
  });

  it("falls back to the lasting option, and cancels when no option fits", () => {
    const onlyAlways = allOptions.filter((option) => option.kind.endsWith("always"));
    expect(decidePermission(request("edit", onlyAlways)).outcome).toMatchObject({ optionId: "reject-always" });
    const onlyAllow = allOptions.filter((option) => option.kind.startsWith("allow"));
    expect(decidePermission(request("edit", onlyAllow))).toEqual({ outcome: { outcome: "cancelled" } });
  });
});
