import { describe, expect, it } from "vitest";
import { type ActionExecutorOptions, createActionExecutor } from "./action-executor.ts";
import type { CapabilitySnapshot } from "./capability.ts";
import type { MediaPlan } from "./media.ts";
import { OutboundError } from "./outbound-error.ts";

const guid = "4A1B6C3E-0000-4000-8000-000000000001";
const available: CapabilitySnapshot = {
  status: "available",
  selectors: { editMessageItem: true, retractMessagePart: true },
};
const dm = { chat: { chat_id: 7 }, isGroup: false };
const group = { chat: { chat_id: 42 }, isGroup: true };

/** A JSON-RPC error as a client surfaces it (code, message, data). */
function rpcError(code: number, message: string, data?: string): Error {
  return Object.assign(new Error(message), { code, data });
}

const linuxBridgeFailure = rpcError(
  -32603,
  "Internal error",
  "Failed to launch Messages.app: Messages.app is only available on macOS.",
);

/** Records every request and answers from a script: an error to throw or a result, per method. */
function harness(overrides: Partial<ActionExecutorOptions> = {}, answers: Record<string, unknown> = {}) {
  const calls: { method: string; params: Record<string, unknown> }[] = [];
  const events: string[] = [];
  let capability: CapabilitySnapshot = overrides.capability?.() ?? available;
  const executor = createActionExecutor({
    call: async (method, params) => {
      calls.push({ method, params });
      const answer = answers[method];
      if (answer instanceof Error) throw answer;
      return answer ?? { ok: true };
    },
    capability: () => capability,
    markStale: () => {
      events.push("stale");
      capability = { status: "unknown", selectors: {} };
    },
    ...overrides,
  });
  return { executor, calls, events, capability: () => capability };
}

async function failure(promise: Promise<unknown>): Promise<OutboundError> {
  try {
    await promise;
  } catch (error) {
    if (OutboundError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a failure");
}

describe("the action executor", () => {
  it("sends a tapback through the injected call and returns what imsg answered", async () => {
    const { executor, calls } = harness({}, { tapback: { ok: true, reaction: "love" } });
    const outcome = await executor.execute({ action: "react", messageId: guid, emoji: "❤️" }, dm);
    expect(calls).toEqual([{ method: "tapback", params: { chat_id: 7, message_id: guid, reaction: "love" } }]);
    expect(outcome).toMatchObject({ action: "react", method: "tapback", result: { ok: true, reaction: "love" } });
  });

  it("refuses an unknown action, naming the known ones", async () => {
    const { executor, calls } = harness();
    const error = await failure(executor.execute({ action: "delete", messageId: guid }, dm));
    expect(error.code).toBe("ACTION_UNKNOWN");
    expect(error.message).toMatch(/^iMessage action "delete" is unknown; use one of react, reply/);
    expect(calls).toEqual([]);
  });

  it("refuses an action its channels.imessage.actions flag disables", async () => {
    const { executor, calls } = harness({ flags: { reactions: false } });
    const error = await failure(executor.execute({ action: "react", messageId: guid, emoji: "like" }, dm));
    expect(error.message).toBe(
      "iMessage react is disabled by channels.imessage.actions.reactions; set it to true to allow it",
    );
    expect(calls).toEqual([]);
  });

  it("refuses group operations in a direct message", async () => {
    const { executor, calls } = harness();
    const error = await failure(executor.execute({ action: "renameGroup", name: "x" }, dm));
    expect(error.code).toBe("GROUP_REQUIRED");
    expect(calls).toEqual([]);
  });

  it("throws the reference's exact text when the probe says the bridge is unavailable, without calling imsg", async () => {
    const { executor, calls } = harness({ capability: () => ({ status: "unavailable", selectors: {} }) });
    const error = await failure(executor.execute({ action: "unsend", messageId: guid }, dm));
    expect(error.code).toBe("BRIDGE_REQUIRED");
    expect(error.message).toBe(
      "iMessage unsend requires the imsg private API bridge; run `imsg launch` on the Mac (System Integrity Protection disabled), then try again",
    );
    expect(calls).toEqual([]);
  });

  it("probes again before an action when the cache says the bridge is down, and dispatches once it came up", async () => {
    let probes = 0;
    const { executor, calls } = harness({
      capability: () => ({ status: "unavailable", selectors: {} }),
      probe: async () => {
        probes++;
        return available;
      },
    });
    await executor.execute({ action: "unsend", messageId: guid }, dm);
    expect(probes).toBe(1);
    expect(calls.map((call) => call.method)).toEqual(["message.unsend"]);
  });

  it("probes lazily when the status is unknown and then dispatches", async () => {
    let probes = 0;
    const { executor, calls } = harness({
      capability: () => ({ status: "unknown", selectors: {} }),
      probe: async () => {
        probes++;
        return available;
      },
    });
    await executor.execute({ action: "edit", messageId: guid, text: "fixed" }, dm);
    expect(probes).toBe(1);
    expect(calls.map((call) => call.method)).toEqual(["message.edit"]);
  });

  it("refuses edit when the bridge is up without an edit selector", async () => {
    const { executor, calls } = harness({
      capability: () => ({ status: "available", selectors: { editMessage: false } }),
    });
    const error = await failure(executor.execute({ action: "edit", messageId: guid, text: "x" }, dm));
    expect(error.code).toBe("SELECTOR_UNAVAILABLE");
    expect(error.message).toMatch(/needs selector editMessageItem or editMessage/);
    expect(calls).toEqual([]);
  });

  it("marks the status stale and throws the bridge text when the helper fell out since the probe", async () => {
    const { executor, events, capability } = harness({}, { "message.unsend": linuxBridgeFailure });
    const error = await failure(executor.execute({ action: "unsend", messageId: guid }, dm));
    expect(error.message).toBe(
      "iMessage unsend requires the imsg private API bridge; run `imsg launch` on the Mac (System Integrity Protection disabled), then try again",
    );
    expect(error.cause).toBe(linuxBridgeFailure);
    expect(events).toEqual(["stale"]);
    expect(capability().status).toBe("unknown");
  });

  it("retries a threaded reply as a plain send when the bridge is missing, so the reply is not lost", async () => {
    const { executor, calls, events } = harness(
      {},
      { "send.rich": linuxBridgeFailure, send: { ok: true, guid: "G2" } },
    );
    const outcome = await executor.execute({ action: "reply", messageId: guid, text: "on it" }, dm);
    expect(calls).toEqual([
      { method: "send.rich", params: { chat_id: 7, text: "on it", reply_to: guid } },
      { method: "send", params: { chat_id: 7, text: "on it" } },
    ]);
    expect(outcome).toMatchObject({ method: "send", fallback: "plain-send", result: { ok: true, guid: "G2" } });
    expect(events).toEqual(["stale"]);
  });

  it("sends a reply as plain text straight away when the probe says the bridge is unavailable", async () => {
    const { executor, calls } = harness({ capability: () => ({ status: "unavailable", selectors: {} }) });
    const outcome = await executor.execute({ action: "reply", messageId: guid, text: "hi" }, dm);
    expect(calls).toEqual([{ method: "send", params: { chat_id: 7, text: "hi" } }]);
    expect(outcome.fallback).toBe("plain-send");
  });

  it("falls back to a plain send when imsg predates send.rich (method not found)", async () => {
    const { executor, calls } = harness({}, { "send.rich": rpcError(-32601, "Method not found") });
    await executor.execute({ action: "reply", messageId: guid, text: "hi" }, dm);
    expect(calls.map((call) => call.method)).toEqual(["send.rich", "send"]);
  });

  it("names a missing method for actions with no plain fallback", async () => {
    const { executor } = harness({}, { tapback: rpcError(-32601, "Method not found") });
    const error = await failure(executor.execute({ action: "react", messageId: guid, emoji: "like" }, dm));
    expect(error.code).toBe("METHOD_UNSUPPORTED");
    expect(error.message).toMatch(/needs imsg method tapback/);
  });

  it("reports a selector the bridge lacks at dispatch", async () => {
    const { executor, events } = harness(
      {},
      {
        "message.unsend": rpcError(
          -32603,
          "Internal error",
          "Dylib error: retractMessagePart: not available on this macOS",
        ),
      },
    );
    const error = await failure(executor.execute({ action: "unsend", messageId: guid }, dm));
    expect(error.code).toBe("SELECTOR_UNAVAILABLE");
    expect(events).toEqual([]);
  });

  it("passes other imsg errors through unchanged", async () => {
    const notFound = rpcError(-32603, "Internal error", `Dylib error: Message not found: ${guid}`);
    const { executor } = harness({}, { "message.edit": notFound });
    await expect(executor.execute({ action: "edit", messageId: guid, text: "x" }, dm)).rejects.toBe(notFound);
  });

  it("accepts the legacy sendAttachment name and stages a base64 file before sending it", async () => {
    const staged: MediaPlan[] = [];
    const { executor, calls } = harness({
      media: {
        mediaMaxBytes: 1024,
        sizeOfPath: async () => 0,
        stage: async (plan) => {
          staged.push(plan);
          return `/state/media/${plan.filename}`;
        },
      },
    });
    const outcome = await executor.execute(
      { action: "sendAttachment", buffer: Buffer.from("png").toString("base64"), filename: "a.png" },
      dm,
    );
    expect(outcome.action).toBe("upload-file");
    expect(staged.map((plan) => [plan.kind, plan.filename, plan.byteSize])).toEqual([["buffer", "a.png", 3]]);
    expect(calls).toEqual([{ method: "send", params: { chat_id: 7, file: "/state/media/a.png" } }]);
  });

  it("checks mediaMaxMb before staging or sending anything", async () => {
    let stagedCount = 0;
    const { executor, calls } = harness({
      media: {
        mediaMaxBytes: 10,
        sizeOfPath: async () => 11,
        stage: async () => {
          stagedCount++;
          return "/x";
        },
      },
    });
    const error = await failure(executor.execute({ action: "upload-file", path: "/tmp/big.mov" }, dm));
    expect(error.code).toBe("MEDIA_TOO_LARGE");
    expect(stagedCount).toBe(0);
    expect(calls).toEqual([]);
  });

  it("sends a voice memo through send.attachment, or as a plain file when the bridge is unavailable", async () => {
    const media = {
      mediaMaxBytes: 100,
      sizeOfPath: async () => 5,
      stage: async (plan: MediaPlan) => `/staged/${plan.filename}`,
    };
    const up = harness({ media });
    await up.executor.execute({ action: "upload-file", path: "/tmp/memo.m4a", asVoice: true }, dm);
    expect(up.calls).toEqual([
      { method: "send.attachment", params: { chat_id: 7, file: "/staged/memo.m4a", as_voice: true } },
    ]);

    const down = harness({ media, capability: () => ({ status: "unavailable", selectors: {} }) });
    const outcome = await down.executor.execute({ action: "upload-file", path: "/tmp/memo.m4a", asVoice: true }, dm);
    expect(down.calls).toEqual([{ method: "send", params: { chat_id: 7, file: "/staged/memo.m4a" } }]);
    expect(outcome.fallback).toBe("plain-send");
  });

  it("refuses a file action when no media staging was configured", async () => {
    const { executor } = harness();
    const error = await failure(executor.execute({ action: "upload-file", path: "/tmp/a.jpg" }, dm));
    expect(error.code).toBe("MEDIA_STAGING_MISSING");
  });

  it("sets and clears a group icon", async () => {
    const media = {
      mediaMaxBytes: 100,
      sizeOfPath: async () => 5,
      stage: async (plan: MediaPlan) => `/staged/${plan.filename}`,
    };
    const { executor, calls } = harness({ media });
    await executor.execute({ action: "setGroupIcon", media: "/tmp/icon.png" }, group);
    await executor.execute({ action: "setGroupIcon" }, group);
    expect(calls).toEqual([
      { method: "group.setIcon", params: { chat_id: 42, file: "/staged/icon.png" } },
      { method: "group.setIcon", params: { chat_id: 42 } },
    ]);
  });

  it("resolves short message ids against the target chat through the reply cache seam", async () => {
    const { executor, calls } = harness({
      messageGuid: (id, chat) => ("chat_id" in chat && chat.chat_id === 7 && id === "3" ? guid : undefined),
    });
    await executor.execute({ action: "unsend", messageId: "3" }, dm);
    expect(calls[0]?.params).toEqual({ chat_id: 7, message_id: guid });
    const error = await failure(
      executor.execute({ action: "unsend", messageId: "3", chatId: 8 }, { ...dm, allowCrossChat: true }),
    );
    expect(error.code).toBe("MESSAGE_ID_UNKNOWN");
    expect(error.message).toBe(
      "message id 3 is not in this chat's recent reply cache (expired or from another chat); retry with the full MessageSidFull",
    );
    expect(calls).toHaveLength(1);
  });

  it("refuses an action aimed at another handle or chat before staging or calling anything", async () => {
    let stagedCount = 0;
    const media = {
      mediaMaxBytes: 100,
      sizeOfPath: async () => 5,
      stage: async (plan: MediaPlan) => {
        stagedCount++;
        return `/staged/${plan.filename}`;
      },
    };
    const { executor, calls } = harness({ media });
    const file = { action: "upload-file", buffer: Buffer.from("x").toString("base64"), filename: "x.txt" };
    const foreign = [
      { to: "+15555550177" },
      { target: "chat_id:8" },
      { chatId: 8 },
      { chatGuid: "iMessage;+;chat8" },
      { chatIdentifier: "chat8" },
    ];
    const errors = await Promise.all(foreign.map((params) => failure(executor.execute({ ...file, ...params }, dm))));
    expect(errors.map((error) => error.code)).toEqual(Array(foreign.length).fill("CROSS_CHAT_REFUSED"));
    expect(errors[0]?.message).toBe(
      'iMessage upload-file names another conversation (to "+15555550177") than the one it answers; drop the target, or set allowCrossChat: true on the agent in agents.list to let it send elsewhere',
    );
    const react = await failure(executor.execute({ action: "react", messageId: guid, emoji: "like", chatId: 8 }, dm));
    expect(react.code).toBe("CROSS_CHAT_REFUSED");
    expect(stagedCount).toBe(0);
    expect(calls).toEqual([]);
  });

  it("takes a target naming the turn's own conversation by any of its identities", async () => {
    const { executor, calls } = harness();
    const conversation = { chatId: 7, chatGuid: "iMessage;-;+15555550123", handle: "+15555550123" };
    const own = { ...dm, conversation };
    for (const params of [{ chatId: 7 }, { chatGuid: conversation.chatGuid }, { to: "(555) 555-0123" }]) {
      await executor.execute({ action: "react", messageId: guid, emoji: "like", ...params }, own);
    }
    expect(calls.map((call) => call.method)).toEqual(["tapback", "tapback", "tapback"]);
  });

  it("never takes a group member's handle as the group itself", async () => {
    const { executor, calls } = harness();
    const inGroup = { ...group, conversation: { chatId: 42, chatIdentifier: "chat42", handle: "+15555550123" } };
    const error = await failure(
      executor.execute({ action: "reply", messageId: guid, text: "psst", to: "+15555550123" }, inGroup),
    );
    expect(error.code).toBe("CROSS_CHAT_REFUSED");
    expect(calls).toEqual([]);
  });

  it("sends to another handle or chat when the agent allows cross-chat, also as the plain-send fallback", async () => {
    const media = { mediaMaxBytes: 100, sizeOfPath: async () => 5, stage: async () => "/staged/memo.m4a" };
    const { executor, calls } = harness({ media, capability: () => ({ status: "unavailable", selectors: {} }) });
    const allowed = { ...dm, allowCrossChat: true };
    await executor.execute({ action: "upload-file", path: "/x/memo.m4a", asVoice: true, to: "+15555550177" }, allowed);
    await executor.execute({ action: "upload-file", path: "/x/memo.m4a", chatId: 8 }, allowed);
    expect(calls).toEqual([
      { method: "send", params: { to: "+15555550177", service: "auto", file: "/staged/memo.m4a" } },
      { method: "send", params: { chat_id: 8, file: "/staged/memo.m4a" } },
    ]);
  });
});
