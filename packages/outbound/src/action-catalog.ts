import type { CapabilitySnapshot } from "./capability.ts";

/** The action names of the reference's message tool. */
export const actionNames = [
  "react",
  "reply",
  "sendWithEffect",
  "edit",
  "unsend",
  "upload-file",
  "renameGroup",
  "setGroupIcon",
  "addParticipant",
  "removeParticipant",
  "leaveGroup",
] as const;
export type ActionName = (typeof actionNames)[number];

/** The keys of `channels.imessage.actions` (the config package's `actionNames`). */
export type ActionFlagName =
  | "reactions"
  | "edit"
  | "unsend"
  | "reply"
  | "sendWithEffect"
  | "sendAttachment"
  | "renameGroup"
  | "setGroupIcon"
  | "addParticipant"
  | "removeParticipant"
  | "leaveGroup";

export type ActionFlags = Partial<Record<ActionFlagName, boolean>>;

export interface ActionSpec {
  name: ActionName;
  flag: ActionFlagName;
  /** imsg methods the action may call; the first one is its usual call. */
  methods: readonly string[];
  /** Needs the IMCore bridge ([BR]); `upload-file` only does for voice memos and threaded files. */
  needsBridge: boolean;
  /** With the bridge up, at least one of these status selectors must be true. */
  selectors?: readonly string[];
  groupOnly: boolean;
}

function spec(
  name: ActionName,
  flag: ActionFlagName,
  methods: readonly string[],
  extra: Partial<Pick<ActionSpec, "needsBridge" | "selectors" | "groupOnly">> = {},
): ActionSpec {
  return { name, flag, methods, needsBridge: extra.needsBridge ?? true, groupOnly: extra.groupOnly ?? false, ...extra };
}

export const actionSpecs: Readonly<Record<ActionName, ActionSpec>> = {
  react: spec("react", "reactions", ["tapback"]),
  reply: spec("reply", "reply", ["send.rich"]),
  sendWithEffect: spec("sendWithEffect", "sendWithEffect", ["send.rich"]),
  edit: spec("edit", "edit", ["message.edit"], { selectors: ["editMessageItem", "editMessage"] }),
  unsend: spec("unsend", "unsend", ["message.unsend"], { selectors: ["retractMessagePart"] }),
  "upload-file": spec("upload-file", "sendAttachment", ["send", "send.attachment"], { needsBridge: false }),
  renameGroup: spec("renameGroup", "renameGroup", ["group.rename"], { groupOnly: true }),
  setGroupIcon: spec("setGroupIcon", "setGroupIcon", ["group.setIcon"], { groupOnly: true }),
  addParticipant: spec("addParticipant", "addParticipant", ["group.addParticipant"], { groupOnly: true }),
  removeParticipant: spec("removeParticipant", "removeParticipant", ["group.removeParticipant"], { groupOnly: true }),
  leaveGroup: spec("leaveGroup", "leaveGroup", ["group.leave"], { groupOnly: true }),
};

/** Legacy names still accepted at dispatch. */
export const actionAliases: Readonly<Record<string, ActionName>> = { sendAttachment: "upload-file" };

/** An action name or alias → its canonical name; undefined when unknown. */
export function canonicalActionName(name: string): ActionName | undefined {
  if ((actionNames as readonly string[]).includes(name)) return name as ActionName;
  return Object.hasOwn(actionAliases, name) ? actionAliases[name] : undefined;
}

export type ActionVisibility =
  | { visible: true }
  | {
      visible: false;
      reason: "disabled" | "not-a-group" | "bridge-unavailable" | "selector-unavailable" | "method-unsupported";
    };

export interface VisibilityContext {
  flags: ActionFlags;
  capability: CapabilitySnapshot;
  /** The conversation the tool list is for; undefined shows group ops (no conversation yet). */
  isGroup?: boolean;
}

/**
 * Per-method gating: enabled by its `channels.imessage.actions.<flag>` (default on); hidden only when the
 * cached probe says the bridge is unavailable, or it is available without a selector the action needs.
 * While the status is unknown the action stays visible and dispatch probes lazily.
 */
export function actionVisibility(name: ActionName, context: VisibilityContext): ActionVisibility {
  const action = actionSpecs[name];
  const { capability } = context;
  if (context.flags[action.flag] === false) return { visible: false, reason: "disabled" };
  if (action.groupOnly && context.isGroup === false) return { visible: false, reason: "not-a-group" };
  if (capability.rpcMethods && !action.methods.some((method) => capability.rpcMethods?.includes(method))) {
    return { visible: false, reason: "method-unsupported" };
  }
  if (!action.needsBridge) return { visible: true };
  if (capability.status === "unavailable") return { visible: false, reason: "bridge-unavailable" };
  if (capability.status === "available" && action.selectors) {
    if (!action.selectors.some((selector) => capability.selectors[selector] === true)) {
      return { visible: false, reason: "selector-unavailable" };
    }
  }
  return { visible: true };
}

/** The actions to advertise to the agent for one conversation. */
export function advertisedActions(context: VisibilityContext): ActionName[] {
  return actionNames.filter((name) => actionVisibility(name, context).visible);
}
