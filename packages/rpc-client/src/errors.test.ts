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

  it("reads imsg 0.14+ typed delivery outcomes and database state from error data objects", () => {
    const notStarted = new ImsgRpcError("send", -32603, "Delivery failed before dispatch", {
      retry_safe: true,
      disposition: "not_started",
      transport: "bridge_v2",
      operation: "send-message",
      detail: "bridge ready lock absent",
    });
    expect(notStarted.delivery).toEqual({
      disposition: "not_started",
      retrySafe: true,
      transport: "bridge_v2",
      operation: "send-message",
      detail: "bridge ready lock absent",
    });
    expect(notStarted.message).toBe(
      "imsg send failed: -32603 Delivery failed before dispatch (bridge ready lock absent)",
    );
    const unknown = new ImsgRpcError("send", -32001, "Delivery outcome unknown", {
      disposition: "still_in_flight",
      retry_safe: "true",
    });
    // Only a JSON true is retry-safe.
    expect(unknown.delivery).toEqual({ disposition: "still_in_flight", retrySafe: false });
    expect(new ImsgRpcError("send", -32603, "Internal error", "AppleScript failed").delivery).toBeUndefined();
    const database = new ImsgRpcError("chats.list", -32002, "Database unavailable", {
      path: "/Users/me/Library/Messages/chat.db",
      detail: "authorization denied",
      retryable: true,
    });
    expect(database.databaseUnavailable).toEqual({
      path: "/Users/me/Library/Messages/chat.db",
      detail: "authorization denied",
      retryable: true,
    });
    expect(notStarted.databaseUnavailable).toBeUndefined();
    expect(new ImsgRpcError("send", -32000, "Server busy", "outstanding request limit exceeded").busy).toBe(true);
    expect(new ImsgRpcError("send", -32000, "Server busy", "server is shutting down").busy).toBe(false);
  });
});
