import { describe, expect, it } from "vitest";
import { evaluateInbound, type InboundContext } from "./evaluate-inbound.ts";
import { sessionKeyFor } from "./routing.ts";
import { account, directMessage, groupMessage } from "./test-support/messages.ts";

const agents = [{ id: "main" }, { id: "codex" }, { id: "helper" }];
const dmAccount = account({ allowFrom: ["*"], dmPolicy: "open", groupPolicy: "open" });
const routeOf = (message: Parameters<typeof evaluateInbound>[0], context: InboundContext, accountId = "default") => {
  const decision = evaluateInbound(message, { ...dmAccount, accountId }, context);
  if (decision.kind !== "dispatch") throw new Error(`expected dispatch, got ${JSON.stringify(decision)}`);
  return decision;
};

describe("session keys", () => {
  const peer = { sender: "+15555550123", chatId: 8421, chatGuid: "g", chatIdentifier: "i" };
  it("collapses DMs into the agent's main session by default", () => {
    expect(sessionKeyFor("main", false, peer)).toBe("agent:main:main");
  });
  it("isolates DMs per peer with dmScope per-sender", () => {
    expect(sessionKeyFor("main", false, peer, "per-sender")).toBe("agent:main:imessage:dm:+15555550123");
  });
  it("isolates groups by chat_id whatever the DM scope", () => {
    expect(sessionKeyFor("codex", true, peer, "per-sender")).toBe("agent:codex:imessage:group:8421");
  });
  it("falls back to the chat guid for a group row without chat_id", () => {
    expect(sessionKeyFor("main", true, { ...peer, chatId: 0 })).toBe("agent:main:imessage:group:g");
  });
  it("uses the normalized handle in per-sender keys", () => {
    const decision = routeOf(directMessage({ sender: "imessage:(555) 555-0123" }), { dmScope: "per-sender" });
    expect(decision.sessionKey).toBe("agent:main:imessage:dm:+15555550123");
  });
});

describe("agent selection", () => {
  it("uses the agent marked default, else the first, else main", () => {
    expect(routeOf(directMessage(), { agents: [{ id: "a" }, { id: "b", default: true }] }).agentId).toBe("b");
    expect(routeOf(directMessage(), { agents: [{ id: "a" }, { id: "b" }] }).agentId).toBe("a");
    expect(routeOf(directMessage(), {}).agentId).toBe("main");
  });

  it.each([
    ["the normalized handle", "+15555550123"],
    ["a handle written differently", "imessage:555-555-0123"],
    ["chat_id:", "chat_id:7"],
    ["chat_guid:", "chat_guid:iMessage;-;+15555550123"],
    ["chat_identifier:", "chat_identifier:+15555550123"],
  ])("binds a DM peer by %s", (_form, id) => {
    const context: InboundContext = {
      agents,
      bindings: [{ agentId: "codex", match: { channel: "imessage", peer: { kind: "dm", id } } }],
    };
    const decision = routeOf(directMessage(), context);
    expect(decision.agentId).toBe("codex");
    expect(decision.sessionKey).toBe("agent:codex:main");
  });

  it.each([
    ["chat_id:", "chat_id:8421"],
    ["a bare chat_id", "8421"],
    ["chat_guid:", "chat_guid:iMessage;+;chat842100000000000000"],
    ["chat_identifier:", "chat_identifier:chat842100000000000000"],
  ])("binds a group peer by %s", (_form, id) => {
    const context: InboundContext = {
      agents,
      bindings: [
        {
          type: "acp",
          agentId: "codex",
          match: { channel: "imessage", accountId: "default", peer: { kind: "group", id } },
        },
      ],
    };
    const decision = routeOf(groupMessage({ text: "x" }), context);
    expect(decision).toMatchObject({
      agentId: "codex",
      sessionKey: "agent:codex:imessage:group:8421",
      acpBinding: true,
    });
  });

  it("accepts the reference's 'direct' peer kind for DMs", () => {
    const context: InboundContext = {
      agents,
      bindings: [{ agentId: "helper", match: { channel: "imessage", peer: { kind: "direct", id: "+15555550123" } } }],
    };
    expect(routeOf(directMessage(), context).agentId).toBe("helper");
  });

  it("does not bind a group by a participant's handle, nor a DM by a group binding", () => {
    const context: InboundContext = {
      agents,
      bindings: [
        { agentId: "codex", match: { channel: "imessage", peer: { kind: "group", id: "+15555550123" } } },
        { agentId: "helper", match: { channel: "imessage", peer: { kind: "group", id: "chat_id:7" } } },
      ],
    };
    expect(routeOf(groupMessage(), context).agentId).toBe("main");
    expect(routeOf(directMessage(), context).agentId).toBe("main");
  });

  it("matches the account: absent or * for any, else only that account", () => {
    const context: InboundContext = {
      agents,
      bindings: [{ agentId: "codex", match: { channel: "imessage", accountId: "work" } }],
    };
    expect(routeOf(directMessage(), context, "work").agentId).toBe("codex");
    expect(routeOf(directMessage(), context, "personal").agentId).toBe("main");
    const anyAccount: InboundContext = {
      agents,
      bindings: [{ agentId: "helper", match: { channel: "imessage", accountId: "*" } }],
    };
    expect(routeOf(directMessage(), anyAccount, "personal").agentId).toBe("helper");
  });

  it("prefers a peer binding over an account binding over a channel binding, whatever the order", () => {
    const context: InboundContext = {
      agents,
      bindings: [
        { agentId: "helper", match: { channel: "imessage" } },
        { agentId: "main", match: { channel: "imessage", accountId: "default" } },
        { agentId: "codex", match: { channel: "imessage", peer: { kind: "dm", id: "+15555550123" } } },
      ],
    };
    expect(routeOf(directMessage(), context).agentId).toBe("codex");
    expect(routeOf(directMessage({ sender: "+15555550999" }), context).agentId).toBe("main");
  });

  it("ignores bindings of other channels", () => {
    const context: InboundContext = { agents, bindings: [{ agentId: "codex", match: { channel: "telegram" } }] };
    expect(routeOf(directMessage(), context).agentId).toBe("main");
  });
});
