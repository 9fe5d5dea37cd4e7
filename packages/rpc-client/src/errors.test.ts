import { describe, expect, it } from "vitest";
import {
  ChildExitedError,
  ImsgRpcError,
  ImsgStartupError,
  isPermissionText,
  RequestTimeoutError,
  RpcClientError,
} from "./errors.ts";
import { fixtureLines } from "./test-support/fixtures.ts";

describe("errors", () => {
  it("recognises instances across copies of the package by marker, and keeps wire errors apart", () => {
    const timeout = new RequestTimeoutError("send", 60_000);
    // What another installed copy of the package throws: the same lineage under the registry-wide symbol.
    const copied = { ...timeout, [Symbol.for("imessage-channel.error")]: ["RequestTimeoutError", "RpcClientError"] };
    expect(RequestTimeoutError.isInstance(copied)).toBe(true);
    expect(RpcClientError.isInstance(timeout)).toBe(true);
    expect(ChildExitedError.isInstance(timeout)).toBe(false);
    const wire = new ImsgRpcError("send", -32602, "Invalid params", "invalid service");
    expect(RpcClientError.isInstance(wire)).toBe(false);
    expect(ImsgRpcError.isInstance(wire)).toBe(true);
    expect(wire.message).toBe("imsg send failed: -32602 Invalid params (invalid service)");
  });

  it("says how to fix a timeout in one line", () => {
    expect(new RequestTimeoutError("chats.list", 10_000).message).toMatch(
      /^imsg did not answer chats\.list within 10000 ms: .*raise the timeout$/,
    );
  });

  it("spots the Full Disk Access text of imsg's startup failure", () => {
    const [line = {}] = fixtureLines("startup-full-disk-access.response.jsonl");
    const { data } = line.error as { data: string };
    expect(isPermissionText(data)).toBe(true);
    expect(new ImsgStartupError("imsg cannot open the database", data).fullDiskAccess).toBe(true);
    expect(isPermissionText("database disk image is malformed")).toBe(false);
  });
});
