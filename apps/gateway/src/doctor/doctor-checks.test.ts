import { resolveAccount, resolveRouting, validateConfig } from "@imessage-channel/config";
import type { ImsgCapabilities } from "@imessage-channel/rpc-client";
import { describe, expect, it } from "vitest";
import {
  type AccountFacts,
  bridgeDownCause,
  checkCoalescing,
  checkGroupsRegistry,
  checkOutbox,
} from "./doctor-checks.ts";

const chats = [
  { id: 7, guid: "iMessage;+;chat555", identifier: "chat555" },
  { id: 8, guid: "iMessage;-;+15555550123", identifier: "+15555550123" },
];

function facts(groups: Record<string, object>): AccountFacts {
  const config = validateConfig({ channels: { imessage: { groups } } }).config!;
  return {
    account: resolveAccount(config, "default"),
    routing: resolveRouting(config),
    capabilities: undefined,
    launchError: undefined,
    chats,
    databaseError: undefined,
    sameDatabaseAs: undefined,
  };
}

describe("doctor: groups registry", () => {
  it("matches every key form against the Mac's chats: chat_id, bare id, chat_guid, chat_identifier", () => {
    expect(
      checkGroupsRegistry(
        facts({ "7": {}, "chat_id:8": {}, "chat_guid:iMessage;+;chat555": {}, "chat_identifier:chat555": {} }),
      ),
    ).toBeUndefined();
  });

  it("names each key that matches no chat, whatever its form", () => {
    const check = checkGroupsRegistry(
      facts({ "7": {}, "chat_guid:iMessage;+;chat999": {}, "chat_identifier:typo": {} }),
    );
    expect(check?.status).toBe("warn");
    expect(check?.message).toBe(
      "channels.imessage.groups keys chat_guid:iMessage;+;chat999, chat_identifier:typo match no chat on this Mac (a typo, or a chat of another Mac?)",
    );
  });

  it('says every group message would be dropped when no key matches and there is no "*"', () => {
    expect(checkGroupsRegistry(facts({ "chat_id:99": {} }))?.message).toBe(
      "channels.imessage.groups key chat_id:99 matches no chat on this Mac: every group message would be dropped",
    );
    expect(checkGroupsRegistry(facts({ "chat_id:99": {}, "*": {} }))?.message).toContain("a typo");
  });
});

describe("doctor: why the private API bridge is down", () => {
  // The status messages are imsg's own (docs/imsg-protocol.md#status).
  it("names SIP when imsg reports it enabled", () => {
    expect(bridgeDownCause({ sip: "enabled", message: "System Integrity Protection (SIP) is enabled." })).toMatchObject(
      {
        cause: "System Integrity Protection is on",
        fix: expect.stringContaining("csrutil disable"),
      },
    );
  });

  it("names a missing helper dylib (a source build, or Linux)", () => {
    expect(
      bridgeDownCause({ sip: "unknown", message: "imsg-bridge-helper.dylib not found. Searched:\n- /opt/homebrew/lib" })
        .cause,
    ).toBe("the imsg bridge helper dylib is missing");
  });

  it("names a missing `imsg launch` when SIP is off and the dylib is there", () => {
    expect(
      bridgeDownCause({
        sip: "disabled",
        message: "SIP is disabled and the helper dylib is present, but Messages.app is not currently injected.",
      }),
    ).toMatchObject({ cause: "Messages.app is not injected", fix: expect.stringContaining("imsg launch") });
  });

  it("says it does not know when imsg gave no status", () => {
    expect(bridgeDownCause(undefined).cause).toBe("imsg did not say why");
  });
});

describe("doctor: coalesceSameSenderDms on an imsg that folds link previews itself", () => {
  function coalescingFacts(coalesceSameSenderDms: boolean, version: string): AccountFacts {
    const config = validateConfig({ channels: { imessage: { coalesceSameSenderDms } } }).config!;
    return {
      ...facts({}),
      account: resolveAccount(config, "default"),
      capabilities: { version } as ImsgCapabilities,
    };
  }

  it("notes that the setting is redundant for link previews on imsg 0.11.1 and later, and what it still does", () => {
    expect(checkCoalescing(coalescingFacts(true, "0.15.10"))).toEqual({
      id: "coalescing",
      status: "info",
      message:
        "coalesceSameSenderDms is redundant for link previews on imsg 0.15.10: imsg 0.11.1+ folds a link and its preview into one message itself; the setting still merges rapid DMs and a command with its attachment (window 2500 ms)",
      fix: "keep it for rapid DMs and command + attachment; otherwise set channels.imessage.coalesceSameSenderDms to false so DMs are not held for the window",
    });
  });

  it.each([
    [true, "0.11.0"],
    [true, "0.9.0"],
    [false, "0.15.10"],
  ])("says nothing with coalesceSameSenderDms %s on imsg %s", (on, version) => {
    expect(checkCoalescing(coalescingFacts(on, version))).toBeUndefined();
  });
});

describe("doctor: outbound parts that wait for the operator", () => {
  const counts = (waiting: { unknown?: number; failed?: number } = {}) => ({
    planned: 1,
    sending: 0,
    sent: 40,
    delivered: 3,
    failed: waiting.failed ?? 0,
    unknown: waiting.unknown ?? 0,
    dropped: 2,
  });

  it("warns with how many parts are unknown and failed, and the list and resolve commands", () => {
    expect(checkOutbox({ ...facts({}), outbox: counts({ unknown: 2, failed: 1 }) })).toEqual({
      id: "outbox",
      status: "warn",
      message:
        "outbox: 3 outbound parts wait for the operator (2 unknown, 1 failed): unknown means nothing proved whether it reached the chat, failed that imsg refused it; neither is sent again on its own",
      fix: "run `imessage-channel outbox list --account default --state unknown,failed`, check the chat, then `imessage-channel outbox resolve <id> --sent|--resend|--drop`",
    });
    expect(checkOutbox({ ...facts({}), outbox: counts({ failed: 1 }) })?.message).toMatch(
      /^outbox: 1 outbound part waits for the operator \(1 failed\)/,
    );
  });

  it("is ok when no part is unknown or failed, whatever else is there, and when there is no state.db yet", () => {
    expect(checkOutbox({ ...facts({}), outbox: counts() })).toEqual({
      id: "outbox",
      status: "ok",
      message: "outbox: no unknown or failed parts",
    });
    expect(checkOutbox(facts({}))).toMatchObject({ status: "ok", message: expect.stringContaining("no state.db") });
  });
});
