import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pairingCodeAlphabet } from "./pairing-code.ts";
import { pairingTimeToLiveMilliseconds } from "./pairing-store.ts";
import { StateError } from "./state-error.ts";
import { openStateStore, type StateStore } from "./state-store.ts";
import { createManualClock, createTemporaryStateDir } from "./test-support/temporary-state.ts";

let temporary: ReturnType<typeof createTemporaryStateDir>;
let time: ReturnType<typeof createManualClock>;
let store: StateStore;

beforeEach(() => {
  temporary = createTemporaryStateDir();
  time = createManualClock();
  store = openStateStore({ stateDir: temporary.stateDir, clock: time.clock });
});

afterEach(() => {
  store.close();
  temporary.remove();
});

function requestCode(accountId: string, sender: string, chatId: string | number = 1): string {
  const result = store.pairing.requestPairing({ accountId, sender, chatId });
  if (!("code" in result)) throw new Error(`expected a code for ${sender}, got ${JSON.stringify(result)}`);
  return result.code;
}

function thrownBy(action: () => unknown): StateError {
  try {
    action();
  } catch (error) {
    if (StateError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a StateError");
}

describe("pairing requests", () => {
  it("issues an 8-character code of the unambiguous alphabet, expiring one hour later", () => {
    const result = store.pairing.requestPairing({ accountId: "default", sender: "+15555550123", chatId: 42 });
    expect(result).toEqual({
      code: expect.stringMatching(new RegExp(`^[${pairingCodeAlphabet}]{8}$`)),
      created: true,
      expiresAt: "2026-01-01T13:00:00.000Z",
    });
    expect(pairingCodeAlphabet).not.toMatch(/[01OIL]/);
  });

  it("keeps the same code for the same sender while it is pending", () => {
    const first = requestCode("default", "+15555550123");
    time.advance(30 * 60 * 1000);
    const again = store.pairing.requestPairing({ accountId: "default", sender: "+15555550123", chatId: 1 });
    expect(again).toEqual({ code: first, created: false, expiresAt: "2026-01-01T13:00:00.000Z" });
    expect(store.pairing.listPending()).toHaveLength(1);
  });

  it("gives a new code once the old one expired", () => {
    const first = requestCode("default", "+15555550123");
    time.advance(pairingTimeToLiveMilliseconds);
    const second = store.pairing.requestPairing({ accountId: "default", sender: "+15555550123" });
    expect(second).toMatchObject({ created: true });
    expect("code" in second && second.code).not.toBe(first);
    expect(thrownBy(() => store.pairing.approve(first)).code).toBe("PAIRING_CODE_UNKNOWN");
  });

  it("caps pending requests at 3 per account and frees a slot when one expires or is resolved", () => {
    const codes = ["+15550000001", "+15550000002", "+15550000003"].map((sender) => requestCode("default", sender));
    expect(store.pairing.requestPairing({ accountId: "default", sender: "+15550000004" })).toEqual({ capped: true });
    expect(store.pairing.listPending({ accountId: "default" })).toHaveLength(3);
    // The cap is per account.
    expect(store.pairing.requestPairing({ accountId: "work", sender: "+15550000004" })).toMatchObject({
      created: true,
    });
    store.pairing.reject(codes[0] as string);
    expect(store.pairing.requestPairing({ accountId: "default", sender: "+15550000004" })).toMatchObject({
      created: true,
    });
    expect(store.pairing.requestPairing({ accountId: "default", sender: "+15550000005" })).toEqual({ capped: true });
    time.advance(pairingTimeToLiveMilliseconds);
    expect(store.pairing.requestPairing({ accountId: "default", sender: "+15550000005" })).toMatchObject({
      created: true,
    });
  });

  it("lists pending requests in the operator contract's shape", () => {
    const code = requestCode("default", "+15555550123", 42);
    time.advance(1000);
    requestCode("work", "someone@example.com", "chat_guid:iMessage;-;someone@example.com");
    expect(store.pairing.listPending({ accountId: "default" })).toEqual([
      {
        channel: "imessage",
        accountId: "default",
        code,
        sender: "+15555550123",
        chatId: "42",
        createdAt: "2026-01-01T12:00:00.000Z",
        expiresAt: "2026-01-01T13:00:00.000Z",
      },
    ]);
    expect(store.pairing.listPending().map((request) => request.accountId)).toEqual(["default", "work"]);
    time.advance(pairingTimeToLiveMilliseconds);
    expect(store.pairing.listPending()).toEqual([]);
  });
});

describe("approving and rejecting", () => {
  it("moves the sender into the persisted allowlist, case-insensitively, and returns the request", () => {
    const code = requestCode("default", "+15555550123", 42);
    expect(store.pairing.isApproved("default", "+15555550123")).toBe(false);
    time.advance(5000);
    const approved = store.pairing.approve(` ${code.toLowerCase().slice(0, 4)}-${code.toLowerCase().slice(4)} `);
    expect(approved).toMatchObject({ accountId: "default", code, sender: "+15555550123", chatId: "42" });
    expect(store.pairing.isApproved("default", "+15555550123")).toBe(true);
    expect(store.pairing.isApproved("work", "+15555550123")).toBe(false);
    expect(store.pairing.listPending()).toEqual([]);
    expect(store.pairing.listApproved()).toEqual([
      { accountId: "default", sender: "+15555550123", chatId: "42", code, approvedAt: "2026-01-01T12:00:05.000Z" },
    ]);
    store.close();
    store = openStateStore({ stateDir: temporary.stateDir, clock: time.clock });
    expect(store.pairing.isApproved("default", "+15555550123")).toBe(true);
  });

  it("says an unknown code is unknown", () => {
    const error = thrownBy(() => store.pairing.approve("ZZZZ2222"));
    expect(error.code).toBe("PAIRING_CODE_UNKNOWN");
    expect(error.message).toMatch(/pairing code ZZZZ2222 is unknown/);
    expect(error.message).not.toMatch(/\n/);
  });

  it("says an expired code is expired, and does not approve", () => {
    const code = requestCode("default", "+15555550123");
    time.advance(pairingTimeToLiveMilliseconds);
    const error = thrownBy(() => store.pairing.approve(code));
    expect(error.code).toBe("PAIRING_CODE_EXPIRED");
    expect(error.message).toMatch(new RegExp(`pairing code ${code} expired at 2026-01-01T13:00:00.000Z`));
    expect(store.pairing.isApproved("default", "+15555550123")).toBe(false);
  });

  it("treats a code of another account as unknown when the account is given", () => {
    const code = requestCode("work", "+15555550123");
    const error = thrownBy(() => store.pairing.approve(code, { accountId: "default" }));
    expect(error.code).toBe("PAIRING_CODE_UNKNOWN");
    expect(error.message).toMatch(/for account "default"/);
    expect(store.pairing.approve(code, { accountId: "work" }).accountId).toBe("work");
  });

  it("rejects a request without approving, and a second use of the code is unknown", () => {
    const code = requestCode("default", "+15555550123");
    expect(store.pairing.reject(code).sender).toBe("+15555550123");
    expect(store.pairing.isApproved("default", "+15555550123")).toBe(false);
    expect(store.pairing.listPending()).toEqual([]);
    expect(thrownBy(() => store.pairing.reject(code)).code).toBe("PAIRING_CODE_UNKNOWN");
    expect(thrownBy(() => store.pairing.approve(code)).code).toBe("PAIRING_CODE_UNKNOWN");
  });

  it("sweeps requests expired for over a day; until then their codes read as expired", () => {
    const code = requestCode("default", "+15555550123");
    time.advance(pairingTimeToLiveMilliseconds + 60_000);
    expect(store.pairing.sweepExpired()).toBe(0);
    expect(thrownBy(() => store.pairing.approve(code)).code).toBe("PAIRING_CODE_EXPIRED");
    time.advance(24 * 60 * 60 * 1000);
    expect(store.pairing.sweepExpired()).toBe(1);
    expect(thrownBy(() => store.pairing.approve(code)).code).toBe("PAIRING_CODE_UNKNOWN");
  });
});

describe("the approval lifecycle", () => {
  it("says a code approved before is already approved, naming the sender, for approve and reject alike", () => {
    const code = requestCode("default", "+15555550123");
    store.pairing.approve(code);
    for (const again of [() => store.pairing.approve(code), () => store.pairing.reject(code.toLowerCase())]) {
      const error = thrownBy(again);
      expect(error.code).toBe("PAIRING_CODE_ALREADY_APPROVED");
      expect(error.message).toBe(
        `pairing code ${code} is already approved: +15555550123 (account default) may talk to the agent since 2026-01-01T12:00:00.000Z`,
      );
    }
    expect(thrownBy(() => store.pairing.approve(code, { accountId: "work" })).code).toBe("PAIRING_CODE_UNKNOWN");
  });

  it("revokes a sender at once: not approved any more, listed no more, and a new DM gets a fresh code", () => {
    const code = requestCode("default", "+15555550123");
    store.pairing.approve(code);
    requestCode("work", "+15555550123");
    store.pairing.approve(store.pairing.listPending()[0]!.code);
    const removed = store.pairing.revoke("+15555550123", { accountId: "default" });
    expect(removed).toEqual([expect.objectContaining({ accountId: "default", sender: "+15555550123", code })]);
    expect(store.pairing.isApproved("default", "+15555550123")).toBe(false);
    expect(store.pairing.isApproved("work", "+15555550123")).toBe(true);
    expect(store.pairing.listApproved().map((approval) => approval.accountId)).toEqual(["work"]);
    const fresh = store.pairing.requestPairing({ accountId: "default", sender: "+15555550123", chatId: 1 });
    expect(fresh).toMatchObject({ created: true });
    expect(store.pairing.revoke("+15555550123").map((approval) => approval.accountId)).toEqual(["work"]);
  });

  it("refuses to revoke a sender who is not approved, with the command that lists who is", () => {
    const error = thrownBy(() => store.pairing.revoke("+15555550100"));
    expect(error.code).toBe("PAIRING_SENDER_NOT_APPROVED");
    expect(error.message).toMatch(
      /^\+15555550100 is not approved through pairing; run `imessage-channel pairing approved`/,
    );
  });

  it("keeps each approval as a pending notice until it is settled, once; a re-approval is a new notice", () => {
    const code = requestCode("default", "+15555550123", 42);
    store.pairing.approve(code);
    const [notice] = store.pairing.pendingNotices("default");
    expect(notice).toEqual({
      accountId: "default",
      sender: "+15555550123",
      chatId: "42",
      approvedAtMs: Date.parse("2026-01-01T12:00:00.000Z"),
    });
    expect(store.pairing.pendingNotices("work")).toEqual([]);
    expect(store.pairing.approvalStands(notice!)).toBe(true);
    expect(store.pairing.settleNotice(notice!)).toBe(true);
    expect(store.pairing.settleNotice(notice!)).toBe(false);
    expect(store.pairing.pendingNotices("default")).toEqual([]);

    store.pairing.revoke("+15555550123");
    expect(store.pairing.approvalStands(notice!)).toBe(false);
    time.advance(1000);
    store.pairing.approve(requestCode("default", "+15555550123", 42));
    const [renewed] = store.pairing.pendingNotices("default");
    expect(renewed?.approvedAtMs).toBe(notice!.approvedAtMs + 1000);
    expect(store.pairing.settleNotice(notice!)).toBe(false);
    expect(store.pairing.pendingNotices("default")).toHaveLength(1);
  });
});
