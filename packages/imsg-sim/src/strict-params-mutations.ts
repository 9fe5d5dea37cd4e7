import { keysRefusedWithUrl } from "./methods-rich-send.ts";
import { invalidParams, type Slot, type StrictParams } from "./strict-params-reader.ts";
import {
  booleans,
  chatSlots,
  type MethodRules,
  messageSlot,
  partSlot,
  replySlot,
  requiredText,
  strings,
} from "./strict-params-rules.ts";

const sendServices = ["auto", "imessage", "sms"];
const sendTransports = ["auto", "bridge", "applescript"];
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const sendSlots: readonly Slot[] = [
  ["to"],
  ...chatSlots,
  ["text"],
  ["file"],
  ["attempt_id"],
  ["text_formatting", "textFormatting", "formatting"],
  ["service"],
  ["transport"],
  ["region"],
  ["allow_sms_fallback", "allowSMSFallback"],
  replySlot,
];

/** `send` and `send.tracked`, in the order of docs/imsg-protocol.md, Strict params (unknown keys already refused). */
function checkSend(params: StrictParams, tracked: boolean): void {
  strings(params, ["text"], ["file"]);
  const attempt = params.string(["attempt_id"]);
  if (!tracked && params.has(["attempt_id"])) throw invalidParams("attempt_id is only supported by send.tracked");
  if (tracked && !(attempt && uuidPattern.test(attempt.value))) throw invalidParams("attempt_id must be a UUID");
  params.objectArray(["text_formatting", "textFormatting", "formatting"]);
  const service = params.string(["service"]);
  if (service && !sendServices.includes(service.value)) throw invalidParams("invalid service");
  const transport = params.string(["transport"]);
  if (transport && !sendTransports.includes(transport.value.toLowerCase())) throw invalidParams("invalid transport");
  params.string(["region"]);
  params.boolean(["allow_sms_fallback", "allowSMSFallback"]);
  params.string(replySlot);
  params.recipientOrChatTarget();
  if (!tracked) return;
  if ((params.string(["text"])?.value ?? "") === "" || params.has(["file"])) {
    throw invalidParams("send.tracked supports exactly one text message");
  }
  if (transport?.value.toLowerCase() === "applescript") throw invalidParams("send.tracked requires bridge transport");
}

/** The message target (MT): a GUID string, required by every message action. */
function requiredMessageTarget(params: StrictParams): void {
  const target = params.string(messageSlot);
  if (!target || target.value === "") throw invalidParams("message_id or message_guid is required");
}

/** A method that takes a chat selector and nothing else. */
function chatOnly(canonical: string): MethodRules {
  return { canonical, slots: chatSlots, check: (params) => params.chatTarget() };
}

/** A method whose params are a chat selector plus `more`, checked after the selector. */
function withChat(canonical: string, more: readonly Slot[], check: (params: StrictParams) => void): MethodRules {
  return {
    canonical,
    slots: [...chatSlots, ...more],
    check: (params) => {
      params.chatTarget();
      check(params);
    },
  };
}

const effectSlot: Slot = ["effect_id", "effectId", "effect"];
const pollGuidSlot: Slot = ["poll_guid", "pollGuid", "poll_message_guid", "message_guid", "message_id"];
const optionSlots: readonly Slot[] = [
  ["option_id", "optionId", "optionIdentifier"],
  ["option_index", "optionIndex"],
  ["option"],
];
const editTextSlot: Slot = ["text", "new_text", "newText", "edited_message"];
const compatibilitySlot: Slot = [
  "backwards_compatibility_message",
  "backwardsCompatibilityMessage",
  "bc_text",
  "bcText",
];

function checkPollVote(params: StrictParams): void {
  requiredText(params, pollGuidSlot, "poll_guid is required");
  const [byId, byIndex, byText] = optionSlots as [Slot, Slot, Slot];
  const given = [params.string(byId), params.integer(byIndex), params.string(byText)].filter(Boolean).length;
  if (given === 0) throw invalidParams("one of option_id, option_index, or option is required");
  if (given > 1) throw invalidParams("choose exactly one of option_id, option_index, or option");
}

function checkMultipartParts(params: StrictParams): void {
  const parts = params.objectArray(["parts"]);
  if (!parts) throw invalidParams("parts is required");
  if (parts.value.length < 1 || parts.value.length > 20) {
    throw invalidParams("parts must contain between 1 and 20 text parts");
  }
  parts.value.forEach((part, index) => {
    const keys = Object.keys(part).sort();
    const unsupported = keys.find((key) => ["attachment", "file", "mention", "mentions"].includes(key));
    if (unsupported) throw invalidParams(`${unsupported} parts are not supported`);
    const unknown = keys.find((key) => !["text", "text_formatting", "textFormatting"].includes(key));
    if (unknown) throw invalidParams(`unknown send.multipart parts[${index}] param: ${unknown}`);
    if (typeof part.text !== "string" || part.text.trim() === "") {
      throw invalidParams(`parts[${index}].text must be a non-empty string`);
    }
    if (Object.hasOwn(part, "text_formatting") && Object.hasOwn(part, "textFormatting")) {
      throw invalidParams("use only one of text_formatting, textFormatting");
    }
  });
}

/** The mutation lane's methods, plus the read-lane `contacts.shouldShareContact` (docs/imsg-protocol.md, Strict params). */
export const mutationMethodRules: readonly MethodRules[] = [
  { canonical: "send", slots: sendSlots, check: (params) => checkSend(params, false) },
  { canonical: "send.tracked", slots: sendSlots, check: (params) => checkSend(params, true) },
  {
    canonical: "chats.create",
    slots: [["addresses"], ["service"], ["name"], ["text"]],
    check: (params) => {
      const addresses = params.stringArray(["addresses"])?.value ?? [];
      if (!addresses.some((address) => address.trim() !== "")) {
        throw invalidParams("addresses is required (non-empty array of phone/email)");
      }
      const service = params.string(["service"]);
      if (service && service.value.toLowerCase() !== "imessage") throw invalidParams("service must be iMessage");
      strings(params, ["name"], ["text"]);
    },
  },
  chatOnly("chats.delete"),
  chatOnly("chats.markUnread"),
  {
    canonical: "send.rich",
    slots: [
      ...chatSlots,
      ["text", "message"],
      ["file", "path"],
      ["url"],
      ["dd_scan", "ddScan"],
      effectSlot,
      ["subject"],
      replySlot,
      partSlot,
      ["text_formatting", "textFormatting"],
    ],
    check: (params) => {
      if (params.string(["url"])) {
        const conflicting = keysRefusedWithUrl.find((key) => params.has([key]));
        if (conflicting) throw invalidParams(`${conflicting} is not supported with url`);
      }
      params.chatTarget();
      params.string(["text", "message"]);
      const file = params.string(["file", "path"]);
      if (file && file.value === "") throw invalidParams("file must be a non-empty string");
      params.boolean(["dd_scan", "ddScan"]);
      strings(params, effectSlot, ["subject"], replySlot);
      params.integer(partSlot);
      params.objectArray(["text_formatting", "textFormatting"]);
    },
  },
  withChat("send.attachment", [["file", "path"], ["audio", "is_audio", "as_voice"], replySlot, partSlot], (params) => {
    requiredText(params, ["file", "path"], "file is required");
    params.boolean(["audio", "is_audio", "as_voice"]);
    const reply = params.string(replySlot);
    const part = params.integer(partSlot);
    if (part && part.value < 0) throw invalidParams("part_index must be a non-negative integer");
    if (part && !reply) throw invalidParams("part_index requires reply_to");
  }),
  withChat("send.multipart", [["parts"], effectSlot, ["subject"]], (params) => {
    checkMultipartParts(params);
    strings(params, effectSlot, ["subject"]);
  }),
  withChat(
    "poll.send",
    [
      ["question"],
      ["options"],
      ["option"],
      ["creator_handle", "creatorHandle"],
      ["comment"],
      ["suppress_comment", "suppressComment"],
      replySlot,
    ],
    (params) => {
      requiredText(params, ["question"], "question is required");
      params.stringArray(["options"]);
      params.raw(["option"]);
      strings(params, ["creator_handle", "creatorHandle"], replySlot);
      const comment = params.string(["comment"]);
      const suppress = params.boolean(["suppress_comment", "suppressComment"]);
      if (comment && suppress?.value) throw invalidParams("comment cannot be combined with suppress_comment: true");
    },
  ),
  withChat("poll.vote", [pollGuidSlot, ...optionSlots], checkPollVote),
  withChat("poll.unvote", [pollGuidSlot, ...optionSlots], checkPollVote),
  withChat("tapback", [messageSlot, ["reaction", "kind"], ["emoji"], ["remove"], partSlot], (params) => {
    requiredMessageTarget(params);
    strings(params, ["reaction", "kind"], ["emoji"]);
    booleans(params, ["remove"]);
    params.integer(partSlot);
  }),
  {
    canonical: "typing",
    slots: [["to"], ...chatSlots, ["typing"], ["service"]],
    check: (params) => {
      params.recipientOrChatTarget();
      params.boolean(["typing"]);
      params.string(["service"]);
    },
  },
  { canonical: "read", slots: [["to"], ...chatSlots], check: (params) => params.recipientOrChatTarget() },
  withChat("message.edit", [messageSlot, editTextSlot, compatibilitySlot, partSlot], (params) => {
    requiredMessageTarget(params);
    requiredText(params, editTextSlot, "text is required");
    params.string(compatibilitySlot);
    params.integer(partSlot);
  }),
  withChat("message.unsend", [messageSlot, partSlot], (params) => {
    requiredMessageTarget(params);
    params.integer(partSlot);
  }),
  withChat("message.delete", [messageSlot], requiredMessageTarget),
  withChat("message.notifyAnyways", [messageSlot], requiredMessageTarget),
  withChat("group.rename", [["name"]], (params) => {
    if (!params.string(["name"])) throw invalidParams("name is required");
  }),
  withChat("group.setIcon", [["file"]], (params) => {
    params.string(["file"]);
  }),
  withChat("group.addParticipant", [["address"]], (params) => {
    requiredText(params, ["address"], "address is required");
  }),
  withChat("group.removeParticipant", [["address"]], (params) => {
    requiredText(params, ["address"], "address is required");
  }),
  chatOnly("group.leave"),
  chatOnly("contacts.shouldShareContact"),
  chatOnly("contacts.shareContactCard"),
];
