import { randomUUID } from "node:crypto";
import { replyToParam, run } from "./bridge-action.ts";
import { resolveBridgeChatGuid } from "./chat-target.ts";
import { requiredStringParam } from "./method-params.ts";
import { writeOutgoing } from "./outgoing.ts";
import { decodePollPayload, encodePollPayload, type PollPayload, pollBalloonBundleId } from "./poll-payload.ts";
import { RpcError } from "./rpc-error.ts";
import { boolParam, hasParam, intParam, type Params, stringArrayParam, stringParam } from "./rpc-params.ts";
import type { SimSession } from "./sim-session.ts";
import type { WirePollOption } from "./wire-types.ts";

type Handler = (params: Params, session: SimSession) => Record<string, unknown>;
type CreatedPoll = Extract<PollPayload, { kind: "created" }>;

function pollOptionsParam(params: Params): string[] {
  const options = (stringArrayParam(params, "options", "option") ?? []).map((option) => option.trim());
  if (options.filter((option) => option !== "").length < 2) {
    throw RpcError.invalidParams("options must contain at least two non-empty strings");
  }
  return options.filter((option) => option !== "");
}

/**
 * `poll.send` / `messages.poll.send` (0.10, docs/imsg-protocol.md, Polls): a native poll row, then its caption (the
 * `comment`, else the question) as a second message unless `suppress_comment`. A caption failure never fails the poll.
 */
const pollSend: Handler = (params, session) => {
  const chatGuid = resolveBridgeChatGuid(params, session.store);
  const question = requiredStringParam(params, "question is required", "question");
  const options = pollOptionsParam(params);
  const comment = stringParam(params, "comment");
  const suppress = boolParam(params, "suppress_comment", "suppressComment") ?? false;
  if (comment !== undefined && suppress) {
    throw RpcError.invalidParams("comment cannot be combined with suppress_comment: true");
  }
  const replyTo = replyToParam(params);
  const chatId = run(session, "send-poll", chatGuid);
  const payload: CreatedPoll = {
    kind: "created",
    question,
    options: options.map((text) => ({ id: randomUUID().toUpperCase(), text })),
    creator: stringParam(params, "creator_handle", "creatorHandle") ?? session.settings.callerId,
  };
  const written = writeOutgoing(session, {
    chatId,
    text: "",
    ...(replyTo ? { replyTo } : {}),
    extension: { balloonBundleId: pollBalloonBundleId, payload: encodePollPayload(payload) },
  });
  const caption = suppress ? undefined : writeOutgoing(session, { chatId, text: comment ?? question });
  return {
    ok: true,
    event: "imessage.poll.created",
    guid: written.guid,
    message_id: written.guid,
    poll: { kind: "created", event: "imessage.poll.created", question, options: payload.options },
    comment: caption
      ? { requested: true, sent: true, verified: true, message_guid: caption.guid }
      : { requested: false, sent: false },
  };
};

function storedPoll(session: SimSession, pollGuid: string): CreatedPoll {
  const row = session.store.database
    .prepare("SELECT payload_data FROM message WHERE guid = ? AND balloon_bundle_id = ?")
    .get(pollGuid, pollBalloonBundleId) as { payload_data: Uint8Array | null } | undefined;
  const payload = decodePollPayload(row?.payload_data ?? null);
  if (payload?.kind !== "created") throw RpcError.invalidParams(`poll ${pollGuid} not found or not decodable`);
  return payload;
}

/** The options the local user currently has selected in a poll: the last vote event per option wins. */
function selectedOptions(session: SimSession, pollGuid: string): Set<string> {
  const rows = session.store.database
    .prepare("SELECT payload_data FROM message WHERE balloon_bundle_id = ? AND is_from_me = 1 ORDER BY ROWID")
    .all(pollBalloonBundleId) as { payload_data: Uint8Array | null }[];
  const selected = new Set<string>();
  for (const row of rows) {
    const vote = decodePollPayload(row.payload_data);
    if (vote?.kind !== "vote" || vote.poll_guid !== pollGuid) continue;
    if (vote.event_type === "voted") selected.add(vote.option_id);
    else selected.delete(vote.option_id);
  }
  return selected;
}

/** The option named by exactly one of `option_id`, `option_index` (1-based) or `option` (case-insensitive text). */
function chosenOption(params: Params, poll: CreatedPoll, pollGuid: string): WirePollOption {
  const byId = hasParam(params, "option_id", "optionId", "optionIdentifier");
  const byIndex = hasParam(params, "option_index", "optionIndex");
  const byText = hasParam(params, "option");
  const given = [byId, byIndex, byText].filter(Boolean).length;
  if (given === 0) throw RpcError.invalidParams("one of option_id, option_index, or option is required");
  if (given > 1) throw RpcError.invalidParams("choose exactly one of option_id, option_index, or option");
  if (byId) {
    const id = stringParam(params, "option_id", "optionId", "optionIdentifier") ?? "";
    const option = poll.options.find((candidate) => candidate.id === id);
    if (!option) throw RpcError.invalidParams(`option_id ${id} is not an option of poll ${pollGuid}`);
    return option;
  }
  if (byIndex) {
    const index = intParam(params, "option_index", "optionIndex") ?? 0;
    const option = poll.options[index - 1];
    if (index < 1 || !option) {
      throw RpcError.invalidParams(`option_index ${index} out of range (1...${poll.options.length})`);
    }
    return option;
  }
  const text = stringParam(params, "option") ?? "";
  const option = poll.options.find((candidate) => candidate.text.toLowerCase() === text.toLowerCase());
  if (!option) {
    const available = poll.options.map((candidate) => candidate.text).join(", ");
    throw RpcError.invalidParams(`option "${text}" (available: ${available})`);
  }
  return option;
}

/** `poll.vote` (0.12) and `poll.unvote` (0.13) under their aliases: a vote row for the local user. */
function pollVote(voted: boolean): Handler {
  return (params, session) => {
    const chatGuid = resolveBridgeChatGuid(params, session.store);
    const pollGuid = requiredStringParam(
      params,
      "poll_guid is required",
      "poll_guid",
      "pollGuid",
      "poll_message_guid",
      "message_guid",
      "message_id",
    );
    const poll = storedPoll(session, pollGuid);
    const option = chosenOption(params, poll, pollGuid);
    const selected = selectedOptions(session, pollGuid);
    if (!voted && !selected.has(option.id)) {
      throw RpcError.invalidParams(`option_id ${option.id} is not currently selected`);
    }
    const chatId = run(session, voted ? "poll-vote" : "poll-unvote", chatGuid);
    const vote: PollPayload = {
      kind: "vote",
      poll_guid: pollGuid,
      option_id: option.id,
      participant: session.settings.callerId,
      event_type: voted ? "voted" : "unvoted",
    };
    const written = writeOutgoing(session, {
      chatId,
      text: "",
      extension: { balloonBundleId: pollBalloonBundleId, payload: encodePollPayload(vote) },
    });
    if (voted) selected.add(option.id);
    else selected.delete(option.id);
    return {
      ok: true,
      event: voted ? "imessage.poll.voted" : "imessage.poll.unvoted",
      poll_guid: pollGuid,
      option_id: option.id,
      option_text: option.text,
      ...(voted ? {} : { remaining_option_ids: [...selected] }),
      guid: written.guid,
      message_id: written.guid,
    };
  };
}

/** Every poll method name (aliases included); the personality decides which a release has. */
export const pollMethods: Record<string, Handler> = {
  "poll.send": pollSend,
  "messages.poll.send": pollSend,
  "poll.vote": pollVote(true),
  "messages.poll.vote": pollVote(true),
  "poll.unvote": pollVote(false),
  "polls.unvote": pollVote(false),
  "messages.poll.unvote": pollVote(false),
};
