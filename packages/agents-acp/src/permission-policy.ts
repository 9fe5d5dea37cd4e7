import type { RequestPermissionRequest, RequestPermissionResponse, ToolKind } from "@agentclientprotocol/sdk";

export interface AcpPermissionPolicy {
  /** Tool kinds allowed without asking anyone (`read`, `search`, …); every other request is rejected. */
  allowKinds?: readonly ToolKind[];
}

/**
 * Answers `session/request_permission` by policy, never by a person: nobody watches an iMessage chat
 * for prompts. Allows once (never "always", so no grant outlives the turn in the agent) when the tool
 * kind is allow-listed; otherwise rejects, once. Without a matching option the request is cancelled.
 */
export function decidePermission(
  request: Pick<RequestPermissionRequest, "toolCall" | "options">,
  policy: AcpPermissionPolicy = {},
): RequestPermissionResponse {
  const kind = request.toolCall.kind ?? "other";
  const allowed = policy.allowKinds?.includes(kind) ?? false;
  const preference = allowed ? (["allow_once", "allow_always"] as const) : (["reject_once", "reject_always"] as const);
  for (const optionKind of preference) {
    const option = request.options.find((candidate) => candidate.kind === optionKind);
    if (option) return { outcome: { outcome: "selected", optionId: option.optionId } };
  }
  return { outcome: { outcome: "cancelled" } };
}
