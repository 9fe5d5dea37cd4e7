import { RequestTimeoutError } from "@imessage-channel/rpc-client";
import { describe, expect, it } from "vitest";
import { createMessageSender } from "./message-sender.ts";
import { OutboundError } from "./outbound-error.ts";

/** A sender over a scripted `call`: each method answers from its list in turn (the last one repeats). */
function scripted(answers: Record<string, Array<() => unknown>>) {
  const calls: Array<{ method: string; params: Record<string, unknown> }> = [];
  const used: Record<string, number> = {};
  const sender = createMessageSender({
    call: async (method, params) => {
      calls.push({ method, params });
      const list = answers[method] ?? [];
      const index = Math.min(used[method] ?? 0, list.length - 1);
      used[method] = (used[method] ?? 0) + 1;
      return list[index]?.();
    },
    isConnected: () => true,
  });
  return { sender, calls };
}

const timedOut = () => {
  throw new RequestTimeoutError("send", 10);
};

describe("createMessageSender", () => {
  it("sends to a chat without a chat_id again after a lost answer: it has no history to prove the send", async () => {
    const { sender, calls } = scripted({ send: [timedOut, () => ({ ok: true, guid: "G2" })] });
    const delivery = sender.delivery({ chatGuid: "iMessage;+;chat1" });
    const sent = await delivery.send({ method: "send", params: { ...delivery.target, text: "hi" } });
    expect(sent).toEqual({ guid: "G2", answer: { ok: true, guid: "G2" }, mode: "history" });
    expect(calls.map((call) => call.method)).toEqual(["send", "send"]);
  });

  it("sends again when the history lookup itself fails, as it did before lookups existed", async () => {
    const { sender, calls } = scripted({
      send: [timedOut, () => ({ ok: true, id: 9, guid: "G9" })],
      "messages.history": [timedOut],
    });
    const delivery = sender.delivery({ chatId: 7 });
    expect(await delivery.send({ method: "send", params: { ...delivery.target, text: "hi" } })).toEqual({
      rowid: 9,
      guid: "G9",
      answer: { ok: true, id: 9, guid: "G9" },
      mode: "history",
    });
    expect(calls.map((call) => call.method)).toEqual(["send", "messages.history", "send"]);
  });

  it("reads a file's history with attachments", async () => {
    const { sender, calls } = scripted({
      send: [() => ({ ok: true })],
      "messages.history": [() => ({ messages: [] })],
    });
    const delivery = sender.delivery({ chatId: 7 }, { maybeSentSince: Date.now() });
    await delivery.send({ method: "send", params: { ...delivery.target, file: "/tmp/x/chart.png" } });
    expect(calls[0]).toEqual({ method: "messages.history", params: { chat_id: 7, limit: 50, attachments: true } });
  });

  it("sends to an explicit target as given (the CLI's send), answering imsg's own result", async () => {
    const { sender, calls } = scripted({ send: [() => ({ ok: true, id: 3, guid: "G3", transport: "applescript" })] });
    const delivery = sender.deliveryTo({ to: "+15555550123", service: "auto" });
    const sent = await delivery.send({ method: "send", params: { ...delivery.target, text: "hi" } });
    expect(calls).toEqual([{ method: "send", params: { to: "+15555550123", service: "auto", text: "hi" } }]);
    expect(sent.answer).toEqual({ ok: true, id: 3, guid: "G3", transport: "applescript" });
  });

  it("fails a send whose answer is not a send result, naming it", async () => {
    const { sender } = scripted({ send: [() => "nonsense"] });
    const delivery = sender.delivery({ chatId: 7 });
    const failure = await delivery
      .send({ method: "send", params: { ...delivery.target, text: "hi" } })
      .catch((error) => error);
    expect(OutboundError.isInstance(failure) && failure.code).toBe("SEND_RESULT_INVALID");
    expect(String(failure.message)).toMatch(
      /^imsg send answered an unexpected result: "nonsense"; check the imsg version$/,
    );
  });

  it("asks for the guids other parts own only when a lost answer is looked up", async () => {
    let asked = 0;
    const { sender } = scripted({ send: [() => ({ ok: true, id: 4, guid: "G4" })] });
    const delivery = sender.delivery(
      { chatId: 7 },
      {
        ownedGuids: () => {
          asked++;
          return ["OTHER"];
        },
      },
    );
    await delivery.send({ method: "send", params: { ...delivery.target, text: "hi" } });
    await delivery.send({ method: "send", params: { ...delivery.target, text: "again" } });
    expect(asked).toBe(0);
  });

  it("never takes a history row another part owns for a lost answer, when the owned guids come lazily", async () => {
    const row = (guid: string) => ({
      id: 40,
      chat_id: 7,
      guid,
      sender: "+15555550123",
      is_from_me: true,
      text: "hi",
      created_at: new Date(Date.now() + 1_000).toISOString(),
      attachments: [],
      reactions: [],
      chat_identifier: "+15555550123",
      chat_guid: "iMessage;-;+15555550123",
      chat_name: "",
      participants: ["+15555550123"],
      is_group: false,
    });
    let asked = 0;
    const { sender, calls } = scripted({
      send: [timedOut, () => ({ ok: true, id: 41, guid: "G41" })],
      "messages.history": [() => ({ messages: [row("OWNED")] })],
    });
    const delivery = sender.delivery(
      { chatId: 7 },
      {
        ownedGuids: () => {
          asked++;
          return ["OWNED"];
        },
      },
    );
    const sent = await delivery.send({ method: "send", params: { ...delivery.target, text: "hi" } });
    expect(sent.guid).toBe("G41");
    expect(calls.map((call) => call.method)).toEqual(["send", "messages.history", "send"]);
    expect(asked).toBe(1);
  });
});
