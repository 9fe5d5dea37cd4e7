import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveAccount } from "@imessage-channel/config";
import type { DispatchDecision } from "@imessage-channel/policy";
import type { Message } from "@imessage-channel/rpc-client";
import { openStateStore, type StateStore } from "@imessage-channel/state";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PendingRow } from "./pipeline-types.ts";
import { buildTurn } from "./turn-builder.ts";

const url = "https://example.com/article";

function row(id: number, text: string, fields: Partial<Message> = {}): PendingRow {
  const message = {
    id,
    guid: `G-${id}`,
    chatId: 1,
    sender: "+15555550123",
    isFromMe: false,
    text,
    createdAt: "2026-05-01T12:00:00.000Z",
    attachments: [],
    reactions: [],
    chatIdentifier: "+15555550123",
    chatGuid: "iMessage;-;+15555550123",
    chatName: "",
    participants: [],
    isGroup: false,
    ...fields,
  } satisfies Message;
  const decision = { isGroup: false, agentId: "main", sessionKey: "s", sender: message.sender } as DispatchDecision;
  return { message, decision, replayed: false };
}

let directory: string;
let state: StateStore;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "turn-builder-"));
  state = openStateStore({ stateDir: directory });
});
afterEach(() => {
  state.close();
  rmSync(directory, { recursive: true, force: true });
});

function turnOf(rows: PendingRow[], text = rows.map((entry) => entry.message.text).join(" ")) {
  const account = resolveAccount({ channels: { imessage: {} } }, "default");
  return buildTurn({ account, state }, rows, text);
}

describe("buildTurn: the fields imsg added after 0.9.0", () => {
  it("gives the agent a folded link preview's URL, the reply context and the read state (imsg 0.15)", () => {
    const turn = turnOf([
      row(10, `read this ${url}`, {
        urlPreview: { id: 12, guid: "G-12", balloonBundleId: "com.apple.messages.URLBalloonProvider" },
        threadOriginatorGuid: "PARENT",
        replyToText: "what should I read?",
        replyToSender: "jane@example.com",
        isRead: true,
        dateRead: "2026-05-01T12:00:05.000Z",
      }),
    ]);
    expect(turn).toMatchObject({
      replyToGuid: "PARENT",
      replyToText: "what should I read?",
      replyToSender: "jane@example.com",
      urlPreviews: [{ url, messageGuid: "G-10" }],
      isRead: true,
      dateRead: "2026-05-01T12:00:05.000Z",
    });
  });

  it("counts a preview imsg streamed on its own (balloon_bundle_id) as a link preview of its row", () => {
    const turn = turnOf([
      row(10, "Dump"),
      row(11, url, { balloonBundleId: "com.apple.messages.URLBalloonProvider", isRead: false }),
    ]);
    expect(turn.urlPreviews).toEqual([{ url, messageGuid: "G-11" }]);
    expect(turn.isRead).toBe(false);
    expect(turn).not.toHaveProperty("dateRead");
  });

  it("leaves every newer field out, not null, for a row of imsg 0.9.0", () => {
    const turn = JSON.parse(JSON.stringify(turnOf([row(10, `read this ${url}`)])));
    for (const key of ["replyToText", "replyToSender", "urlPreviews", "isRead", "dateRead"]) {
      expect(turn).not.toHaveProperty(key);
    }
    expect(Object.values(turn)).not.toContain(null);
  });
});
