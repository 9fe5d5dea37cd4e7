import type { WirePoll, WirePollOption, WirePollVote } from "./wire-types.ts";

/** `balloon_bundle_id` of native poll rows (the Polls iMessage extension). */
export const pollBalloonBundleId =
  "com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:com.apple.messages.Polls";

/**
 * What the sim keeps in a poll row's `payload_data`: JSON instead of Messages' keyed archive, since only the sim
 * writes and reads it (docs/imsg-protocol.md, Polls).
 */
export type PollPayload =
  | { kind: "created"; question: string; options: WirePollOption[]; creator: string }
  | { kind: "vote"; poll_guid: string; option_id: string; participant: string; event_type: WirePollVote["event_type"] };

export function encodePollPayload(payload: PollPayload): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(payload));
}

export function decodePollPayload(bytes: Uint8Array | null): PollPayload | undefined {
  if (!bytes) return undefined;
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as PollPayload;
    return value.kind === "created" || value.kind === "vote" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The `poll` object of a poll row (created or vote); `unknown` when the payload does not decode. */
export function wirePoll(rowGuid: string, payload: PollPayload | undefined, participants: string[]): WirePoll {
  if (payload?.kind === "created") {
    return {
      kind: "created",
      event: "imessage.poll.created",
      poll_guid: rowGuid,
      question: payload.question,
      options: payload.options,
      creator: payload.creator,
      participants,
    };
  }
  if (payload?.kind === "vote") {
    const vote: WirePollVote = {
      option_id: payload.option_id,
      participant: payload.participant,
      event_type: payload.event_type,
    };
    return {
      kind: "vote",
      event: "imessage.poll.voted",
      poll_guid: payload.poll_guid,
      original_guid: payload.poll_guid,
      vote,
      votes: [vote],
      participants,
    };
  }
  return { kind: "unknown", event: "imessage.poll.unknown", poll_guid: rowGuid };
}
