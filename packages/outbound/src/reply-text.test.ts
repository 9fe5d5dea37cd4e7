import { describe, expect, it } from "vitest";
import { classifyCallFailure } from "./call-failure.ts";
import { planTextSends } from "./reply-text.ts";

describe("planTextSends", () => {
  it("renders markdown and sends one chunk per request to the chat", () => {
    expect(planTextSends("**Done.** See [docs](https://example.com).", { target: { chat_id: 7 } })).toEqual([
      { method: "send", params: { chat_id: 7, text: "Done. See docs (https://example.com)." } },
    ]);
  });

  it("applies the account's chunk limit and mode", () => {
    const calls = planTextSends("# One\n\nfirst paragraph\n\nsecond paragraph", {
      target: { to: "+15555550123", service: "imessage" },
      chunkMode: "newline",
      textChunkLimit: 100,
    });
    expect(calls.map((call) => call.params)).toEqual([
      { to: "+15555550123", service: "imessage", text: "One" },
      { to: "+15555550123", service: "imessage", text: "first paragraph" },
      { to: "+15555550123", service: "imessage", text: "second paragraph" },
    ]);
  });

  it("sends nothing for an empty or whitespace reply", () => {
    expect(planTextSends("  \n ", { target: { chat_id: 7 } })).toEqual([]);
    expect(planTextSends("  \n ", { target: { chat_id: 7 }, asWritten: true })).toEqual([]);
  });

  it("sends the gateway's own text as written, only chunked", () => {
    const calls = planTextSends("channels.imessage.groups.*.requireMention and __init__", {
      target: { chat_id: 7 },
      asWritten: true,
      textChunkLimit: 41,
    });
    expect(calls.map((call) => call.params.text)).toEqual([
      "channels.imessage.groups.*.requireMention",
      "and __init__",
    ]);
  });
});

describe("classifyCallFailure", () => {
  const error = (code: number, message: string, data?: unknown) => Object.assign(new Error(message), { code, data });

  it.each([
    [
      error(-32603, "Internal error", "Failed to launch Messages.app: Messages.app is only available on macOS."),
      "bridge-unavailable",
    ],
    [
      error(
        -32603,
        "Internal error",
        "System Integrity Protection (SIP) is enabled. Refusing to inject into Messages.app.",
      ),
      "bridge-unavailable",
    ],
    [
      error(-32603, "Internal error", "imsg-bridge-helper.dylib not found at /x. Build with: make build-dylib"),
      "bridge-unavailable",
    ],
    [error(-32603, "Internal error", "Timeout waiting for Messages.app to initialize."), "bridge-unavailable"],
    [error(-32603, "Internal error", "Timed out waiting for response to 'send-reaction'"), "bridge-unavailable"],
    [error(-32602, "Invalid params", "bridge transport requires an existing chat target"), "bridge-unavailable"],
    [new Error("reply_to requires bridge transport"), "bridge-unavailable"],
    [error(-32603, "Internal error", "No edit-message selector available on this macOS"), "selector-unavailable"],
    [error(-32601, "Method not found"), "method-missing"],
    [error(-32603, "Internal error", "Dylib error: Chat not found: x"), "other"],
    ["a string", "other"],
  ])("%s → %s", (failure, kind) => {
    expect(classifyCallFailure(failure)).toBe(kind);
  });
});
