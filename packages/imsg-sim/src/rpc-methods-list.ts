/** `kSupportedRPCMethods` of imsg 0.9.0, in advertised order. */
export const supportedRpcMethods = [
  "chats.list",
  "chats.create",
  "chats.delete",
  "chats.markUnread",
  "messages.history",
  "watch.subscribe",
  "watch.unsubscribe",
  "send",
  "send.rich",
  "send.attachment",
  "tapback",
  "typing",
  "read",
  "message.edit",
  "message.unsend",
  "message.delete",
  "message.notifyAnyways",
  "group.rename",
  "group.setIcon",
  "group.addParticipant",
  "group.removeParticipant",
  "group.leave",
] as const;

/** The version the sim reports: its personality's (`--imsg-version`); a non-empty `IMSG_VERSION` overrides it, as with imsg. */
export function simVersion(environment: NodeJS.ProcessEnv, build: string): string {
  const override = environment.IMSG_VERSION;
  return override !== undefined && override !== "" ? override : build;
}
