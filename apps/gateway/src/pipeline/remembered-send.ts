import type { EchoCache } from "@imessage-channel/state";
import { chatKeys, type ImsgPort, type SendOutcome, type SendRequest } from "./imsg-port.ts";

/**
 * Sends once through imsg, remembered in the echo cache as one entry: recorded before the send (imsg can
 * stream our row back before the call returns), then given the guid imsg answered with.
 */
export async function sendRemembered(
  imsg: ImsgPort,
  echoes: EchoCache,
  accountId: string,
  request: SendRequest,
): Promise<SendOutcome> {
  const sendId = echoes.recordSent({ accountId, chatKeys: chatKeys(request.chat), text: request.text });
  const outcome = await imsg.send(request);
  echoes.attachGuid(sendId, outcome.guid);
  return outcome;
}
