import type { Delivery, ImsgCall, SentMessage } from "@imessage-channel/outbound";
import type { EchoCache } from "@imessage-channel/state";
import { type ChatAddress, chatKeys, type ImsgPort } from "./imsg-port.ts";

/**
 * Sends one `send` call of a delivery once, remembered in the echo cache as one entry: recorded before the send
 * (imsg can stream our row back before the call returns), then given the guid imsg answered with.
 */
export async function sendRemembered(
  delivery: Delivery,
  echoes: EchoCache,
  accountId: string,
  chat: ChatAddress,
  call: ImsgCall,
): Promise<SentMessage> {
  const text = typeof call.params.text === "string" ? call.params.text : undefined;
  const sendId = echoes.recordSent({ accountId, chatKeys: chatKeys(chat), text });
  const outcome = await delivery.send(call);
  echoes.attachGuid(sendId, outcome.guid);
  return outcome;
}

/** The gateway's own one-message text (a pairing code, the error reply), sent once and remembered. */
export async function sendTextRemembered(
  imsg: ImsgPort,
  echoes: EchoCache,
  accountId: string,
  chat: ChatAddress,
  text: string,
): Promise<SentMessage> {
  const delivery = imsg.delivery(chat);
  return sendRemembered(delivery, echoes, accountId, chat, { method: "send", params: { ...delivery.target, text } });
}
