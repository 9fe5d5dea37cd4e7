// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { promisify } from "node:util";
import { SimProcess, seed, simBinPath, writeBridgeState } from "@imessage-channel/imsg-sim";
import {
  legacyProtocol,
  type NegotiatedProtocol,
  negotiatedFromWire,
  probeCapabilities,
  wireSchemas,
} from "@imessage-channel/rpc-client";
import { afterEach, describe, expect, it } from "vitest";
import { createActionExecutor } from "./action-executor.ts";
import { type CapabilitySnapshot, capabilityFromProbe } from "./capability.ts";
import { OutboundError } from "./outbound-error.ts";

// Seeded rows (docs/imsg-protocol.md#example-rows): chat 2 is the "Weekend Crew" group, row 3 an inbound message there.
const inboundGroupGuid = "0B6E1C2A-1111-4C3B-9F00-000000000003";
const group = { chat: { chat_id: 2 }, isGroup: true };
const run = promisify(execFile);

let directory: string | undefined;
let sim: SimProcess | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  if (directory) rmSync(directory, { recursive: true, force: true });
  directory = undefined;
});

/** A simulated Mac playing `version`, with the bridge up, and an executor wired as the channel wires it. */
async function macPlaying(version: string) {
  directory = mkdtempSync(join(tmpdir(), "outbound-emoji-"));
  const dbPath = join(directory, "chat.db");
  seed(dbPath);
  writeBridgeState(dbPath, { sip: "disabled", launched: true, fallen: false });
  const versionArgs = ["--imsg-version", version];
  const current = new SimProcess({ args: ["rpc", "--db", dbPath, ...versionArgs] });
  sim = current;
  const requests: string[] = [];
  const call = async (method: string, params: Record<string, unknown>) => {
    requests.push(method);
    const response = await current.request(method, params);
    if (response.error) throw Object.assign(new Error(response.error.message), response.error);
    return response.result;
  };
  // What the supervisor negotiates on connect: 0.14+ answer `initialize`, older builds -32601 (protocol 0).
  let protocol: NegotiatedProtocol = legacyProtocol;
  const initialized = await current.request("initialize", { protocol_version: 1 });
  if (!initialized.error)
    protocol = negotiatedFromWire(wireSchemas.wireInitializeResultSchema.parse(initialized.result));
  const cached: CapabilitySnapshot = capabilityFromProbe(
    await probeCapabilities(async (args) => {
      try {
        const { stdout, stderr } = await run(process.execPath, [simBinPath, ...args, "--db", dbPath, ...versionArgs]);
        return { code: 0, stdout, stderr };
      } catch (error) {
        const failed = error as { code?: number; stdout?: string; stderr?: string };
        return { code: failed.code ?? 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
      }
    }),
  );
  const executor = createActionExecutor({ call, capability: () => cached, protocol: () => protocol });
  const latestOwnRow = () => {
    const database = new DatabaseSync(dbPath, { readOnly: true });
    try {
      return database
        .prepare(
          "SELECT text, associated_message_type AS type FROM message WHERE is_from_me = 1 ORDER BY ROWID DESC LIMIT 1",
        )
        .get() as { text: string | null; type: number };
    } finally {
      database.close();
    }
  };
  return { executor, requests, latestOwnRow };
}

describe("react with any emoji, per imsg release", () => {
  it("imsg 0.15.10 (tapback.emoji 2): sends the emoji itself as an emoji tapback; a classic one stays a kind", async () => {
    const mac = await macPlaying("0.15.10");
    const outcome = await mac.executor.execute({ action: "react", messageId: inboundGroupGuid, emoji: "🎉" }, group);
    expect(outcome).toMatchObject({ method: "tapback", params: { emoji: "🎉" }, result: { ok: true, emoji: "🎉" } });
    expect(outcome.params).not.toHaveProperty("reaction");
    expect(mac.latestOwnRow()).toMatchObject({ type: 2006 });
    expect(mac.latestOwnRow().text).toContain("🎉");

    const classic = await mac.executor.execute({ action: "react", messageId: inboundGroupGuid, emoji: "👍" }, group);
    expect(classic).toMatchObject({ params: { reaction: "like" }, result: { ok: true, reaction: "like" } });
    expect(mac.latestOwnRow().type).toBe(2001);
  });

  it("imsg 0.9.0: refuses an emoji with the imsg version, sends nothing, and still sends the six kinds", async () => {
    const mac = await macPlaying("0.9.0");
    const before = mac.latestOwnRow();
    let refusal: unknown;
    try {
      await mac.executor.execute({ action: "react", messageId: inboundGroupGuid, emoji: "🎉" }, group);
    } catch (error) {
      refusal = error;
    }
    expect(OutboundError.isInstance(refusal) && refusal.code).toBe("TAPBACK_UNSUPPORTED");
    expect((refusal as Error).message).toMatch(
      /^iMessage react: the emoji tapback 🎉 is not supported by this imsg \(0\.9\.0\): it sends only the six classic tapbacks/,
    );
    expect(mac.requests).not.toContain("tapback");
    expect(mac.latestOwnRow()).toEqual(before);

    const classic = await mac.executor.execute({ action: "react", messageId: inboundGroupGuid, emoji: "❤️" }, group);
    expect(classic).toMatchObject({ params: { reaction: "love" }, result: { ok: true, reaction: "love" } });
    expect(mac.latestOwnRow().type).toBe(2000);
  });
});
