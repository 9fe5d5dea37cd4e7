import { startBareClient } from "./bare-client.ts";
import { directory } from "./directory.ts";
import { bareInboundRate } from "./inbound-bare.ts";
import { ourInboundRate } from "./inbound-ours.ts";
import { referenceInboundRate } from "./inbound-reference.ts";
import { openOurReplyPath } from "./our-channel.ts";
import { startOurClient } from "./our-client.ts";
import { latencySummary } from "./paired-statistics.ts";
import type { Latency, RepetitionResult, Sizes } from "./peer-figures.ts";
import type { Reference } from "./reference.ts";
import { replyText, timeEachReply } from "./reply-delivery.ts";
import { timeReads } from "./round-trip.ts";
import { rssAfterNotifications } from "./rss.ts";

/** What every repetition shares: the loaded reference, the fake imsg, and a folder for state.db files. */
export interface RepetitionContext {
  reference: Reference;
  installDirectory: string;
  workDirectory: string;
  cliPath: string;
}

/** One repetition of every figure; within each, ours first, then the reference (then the bare loop). */
export async function runRepetition(
  context: RepetitionContext,
  sizes: Sizes,
  label: string,
): Promise<RepetitionResult> {
  const inbound = await measureInbound(context, sizes);
  const { roundTrip, inFlight } = await measureReads(context, sizes);
  const { warmReply, warmTrackedReply, realReply } = await measureReplies(context, sizes, label);
  const rss = {
    ours: await rssAfterNotifications("ours", context.cliPath, sizes.notifications),
    reference: await rssAfterNotifications("reference", context.cliPath, sizes.notifications, context.installDirectory),
  };
  return { inbound, roundTrip, inFlight, warmReply, warmTrackedReply, realReply, rss };
}

async function measureInbound({ reference, cliPath }: RepetitionContext, sizes: Sizes) {
  return {
    ours: await ourInboundRate(cliPath, sizes.notifications),
    reference: await referenceInboundRate(reference, cliPath, sizes.notifications),
    bare: await bareInboundRate(cliPath, sizes.notifications),
  };
}

async function measureReads({ reference, cliPath }: RepetitionContext, sizes: Sizes) {
  const ours = async (inFlight: number) => {
    const client = await startOurClient(cliPath);
    try {
      return await timeReads(() => client.chatsList({ limit: 5 }), sizes.roundTrips, inFlight);
    } finally {
      await client.close();
    }
  };
  const theirs = async (inFlight: number) => {
    const client = await reference.createRpcClient({ cliPath });
    try {
      return await timeReads(() => client.request("chats.list", { limit: 5 }), sizes.roundTrips, inFlight);
    } finally {
      await client.stop();
    }
  };
  const bare = async () => {
    const client = startBareClient(cliPath);
    try {
      return await timeReads(() => client.request("chats.list", { limit: 5 }), sizes.roundTrips, 1);
    } finally {
      await client.close();
    }
  };
  const perRequest = (milliseconds: number) => (milliseconds * 1000) / sizes.roundTrips;
  const perSecond = (milliseconds: number) => sizes.roundTrips / (milliseconds / 1000);
  return {
    roundTrip: {
      ours: perRequest(await ours(1)),
      reference: perRequest(await theirs(1)),
      bare: perRequest(await bare()),
    },
    inFlight: { ours: perSecond(await ours(sizes.inFlight)), reference: perSecond(await theirs(sizes.inFlight)) },
  };
}

async function measureReplies(context: RepetitionContext, sizes: Sizes, label: string) {
  const { reference, cliPath } = context;
  const ours = async (count: number, name: string, mode: "history" | "tracked" = "history"): Promise<Latency> => {
    const path = await openOurReplyPath(cliPath, directory(context.workDirectory, `state-${label}-${name}`), mode);
    try {
      const deliver = (index: number) => path.deliver(`reply:peer-${label}-${name}-${index}`, replyText(index));
      return latencySummary(await timeEachReply(deliver, count, 20));
    } finally {
      await path.close();
    }
  };
  const theirsWarm = async (): Promise<Latency> => {
    const client = await reference.createRpcClient({ cliPath });
    try {
      const send = (index: number) => reference.sendMessage("chat_id:1", replyText(index), { cliPath, client });
      return latencySummary(await timeEachReply(send, sizes.warmReplies, 20));
    } finally {
      await client.stop();
    }
  };
  // Without a client, sendMessageIMessage starts `imsg rpc` for the send and stops it after: how it runs per reply.
  const theirsSpawned = async (): Promise<Latency> => {
    const send = (index: number) => reference.sendMessage("chat_id:1", replyText(index), { cliPath });
    return latencySummary(await timeEachReply(send, sizes.realReplies, 2));
  };
  const warmReply = { ours: await ours(sizes.warmReplies, "warm"), reference: await theirsWarm() };
  const warmTrackedReply = {
    ours: await ours(sizes.warmReplies, "warm-tracked", "tracked"),
    reference: await theirsWarm(),
  };
  return {
    warmReply,
    warmTrackedReply,
    realReply: { ours: await ours(sizes.realReplies, "real"), reference: await theirsSpawned() },
  };
}
