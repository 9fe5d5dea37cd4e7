import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { AccountLeases } from "../account-lease.ts";
import { LeaseLostError } from "../lease-lost-error.ts";

/** One implementation of the account lease, as the contract suite drives it. */
export interface LeaseContractSubject {
  /** A new connection to the one shared store: each call is another gateway's view of the same leases. */
  open(): Promise<AccountLeases>;
  /**
   * Lets the account's lease (granted with `shortTtlMs`) run out: SQLite moves its injected clock, PostgreSQL
   * waits until the database's own clock says so.
   */
  expire(leases: AccountLeases, accountId: string): Promise<void>;
  /** The ttl of leases a test lets expire. */
  shortTtlMs: number;
}

const longTtlMs = 60_000;

/** A fresh account per test, so the tests share one store without seeing each other's leases. */
function freshAccount(): string {
  return `account-${randomUUID()}`;
}

function tokenOf(result: Awaited<ReturnType<AccountLeases["acquire"]>>): number {
  if (!result.acquired) throw new Error(`expected the lease, but ${result.holder} holds it`);
  return result.token;
}

/**
 * The behaviour every account-lease implementation must have: SQLite (state.db) and PostgreSQL
 * (`@imessage-channel/state-postgres`) both run it.
 */
export function describeAccountLeaseContract(name: string, subject: LeaseContractSubject): void {
  describe(`account lease contract: ${name}`, () => {
    it("grants a free lease with token 1 and tells another gateway who holds it until when", async () => {
      const [gatewayA, gatewayB] = [await subject.open(), await subject.open()];
      const accountId = freshAccount();
      const granted = await gatewayA.acquire(accountId, "host-a:1:aa", longTtlMs);
      expect(granted).toMatchObject({ acquired: true, token: 1 });
      const refused = await gatewayB.acquire(accountId, "host-b:2:bb", longTtlMs);
      expect(refused).toEqual({ acquired: false, holder: "host-a:1:aa", expiresAt: granted.expiresAt });
    });

    it("renews for the holder that has it, keeping the token", async () => {
      const leases = await subject.open();
      const accountId = freshAccount();
      const first = tokenOf(await leases.acquire(accountId, "host-a:1:aa", longTtlMs));
      expect(tokenOf(await leases.acquire(accountId, "host-a:1:aa", longTtlMs))).toBe(first);
      expect(await leases.renew(accountId, "host-a:1:aa", first, longTtlMs)).toBe(true);
      expect(await leases.renew(accountId, "host-b:2:bb", first, longTtlMs)).toBe(false);
      expect(await leases.renew(accountId, "host-a:1:aa", first + 1, longTtlMs)).toBe(false);
      expect((await leases.current(accountId))?.token).toBe(first);
    });

    it("lets exactly one of many gateways racing for a free lease win", async () => {
      const connections = [await subject.open(), await subject.open()];
      for (let round = 0; round < 5; round += 1) {
        const accountId = freshAccount();
        const holders = Array.from({ length: 12 }, (_, index) => `host-${index}:${index}:race`);
        const results = await Promise.all(
          holders.map((holder, index) =>
            (connections[index % 2] as AccountLeases).acquire(accountId, holder, longTtlMs),
          ),
        );
        const winners = results.flatMap((result, index) => (result.acquired ? [holders[index]] : []));
        expect(winners).toHaveLength(1);
        for (const result of results) {
          if (!result.acquired) expect(result.holder).toBe(winners[0]);
        }
        expect((await connections[0]?.current(accountId))?.holder).toBe(winners[0]);
      }
    });

    it("hands out strictly increasing tokens across takeovers and releases", async () => {
      const [gatewayA, gatewayB] = [await subject.open(), await subject.open()];
      const accountId = freshAccount();
      const tokens: number[] = [];
      tokens.push(tokenOf(await gatewayA.acquire(accountId, "host-a:1:aa", longTtlMs)));
      expect(await gatewayA.release(accountId, "host-a:1:aa", tokens[0] as number)).toBe(true);
      tokens.push(tokenOf(await gatewayB.acquire(accountId, "host-b:2:bb", subject.shortTtlMs)));
      await subject.expire(gatewayB, accountId);
      tokens.push(tokenOf(await gatewayA.acquire(accountId, "host-a:1:aa", longTtlMs)));
      expect(await gatewayA.release(accountId, "host-a:1:aa", tokens[2] as number)).toBe(true);
      // The same holder again after its own release: still a new lease, so a higher token.
      tokens.push(tokenOf(await gatewayA.acquire(accountId, "host-a:1:aa", longTtlMs)));
      expect(tokens).toEqual([1, 2, 3, 4]);
    });

    it("lets another gateway take over an expired lease; the old holder's renew and release then fail", async () => {
      const [oldOwner, newOwner] = [await subject.open(), await subject.open()];
      const accountId = freshAccount();
      const oldToken = tokenOf(await oldOwner.acquire(accountId, "host-a:1:aa", subject.shortTtlMs));
      expect(await newOwner.acquire(accountId, "host-b:2:bb", longTtlMs)).toMatchObject({ acquired: false });
      await subject.expire(oldOwner, accountId);
      const newToken = tokenOf(await newOwner.acquire(accountId, "host-b:2:bb", longTtlMs));
      expect(newToken).toBe(oldToken + 1);
      expect(await oldOwner.renew(accountId, "host-a:1:aa", oldToken, longTtlMs)).toBe(false);
      expect(await oldOwner.release(accountId, "host-a:1:aa", oldToken)).toBe(false);
      expect(await oldOwner.acquire(accountId, "host-a:1:aa", longTtlMs)).toMatchObject({
        acquired: false,
        holder: "host-b:2:bb",
      });
      expect(await oldOwner.current(accountId)).toMatchObject({
        holder: "host-b:2:bb",
        token: newToken,
        expired: false,
      });
    });

    it("fences off the old token after a takeover and lets the new one write", async () => {
      const [oldOwner, newOwner] = [await subject.open(), await subject.open()];
      const accountId = freshAccount();
      const oldToken = tokenOf(await oldOwner.acquire(accountId, "host-a:1:aa", subject.shortTtlMs));
      expect(await oldOwner.withFencedTransaction(accountId, oldToken, () => "written while owner")).toBe(
        "written while owner",
      );
      await subject.expire(oldOwner, accountId);
      const newToken = tokenOf(await newOwner.acquire(accountId, "host-b:2:bb", longTtlMs));

      const refusal = await oldOwner.withFencedTransaction(accountId, oldToken, () => "never").catch((e) => e);
      expect(LeaseLostError.isInstance(refusal)).toBe(true);
      expect(refusal).toMatchObject({ code: "LEASE_LOST", accountId, token: oldToken, currentToken: newToken });
      expect((refusal as Error).message).toBe(
        `account "${accountId}": lease lost — fencing token ${oldToken} is not the current token ${newToken} (held by host-b:2:bb); stop this account's sends and acquire the lease again before writing`,
      );
      expect(await newOwner.withFencedTransaction(accountId, newToken, () => "written by the new owner")).toBe(
        "written by the new owner",
      );
    });

    it("fences off a token whose lease expired or was released, and an account that never had one", async () => {
      const leases = await subject.open();
      const expiring = freshAccount();
      const expiredToken = tokenOf(await leases.acquire(expiring, "host-a:1:aa", subject.shortTtlMs));
      await subject.expire(leases, expiring);
      await expect(leases.withFencedTransaction(expiring, expiredToken, () => "never")).rejects.toThrow(
        `account "${expiring}": lease lost — fencing token ${expiredToken} (current token ${expiredToken}) has expired`,
      );

      const released = freshAccount();
      const releasedToken = tokenOf(await leases.acquire(released, "host-a:1:aa", longTtlMs));
      await leases.release(released, "host-a:1:aa", releasedToken);
      await expect(leases.withFencedTransaction(released, releasedToken, () => "never")).rejects.toMatchObject({
        code: "LEASE_LOST",
      });

      const never = freshAccount();
      await expect(leases.withFencedTransaction(never, 1, () => "never")).rejects.toThrow(
        `account "${never}": lease lost — fencing token 1 was written under, but the account has no lease`,
      );
    });

    it("shows every lease for the fleet view: holder, token, expiry, age, expired or not", async () => {
      const leases = await subject.open();
      const [held, released] = [freshAccount(), freshAccount()];
      const granted = await leases.acquire(held, "host-a:1:aa", longTtlMs);
      const releasedToken = tokenOf(await leases.acquire(released, "host-b:2:bb", longTtlMs));
      await leases.release(released, "host-b:2:bb", releasedToken);

      const current = await leases.current(held);
      expect(current).toMatchObject({ accountId: held, holder: "host-a:1:aa", token: 1, expired: false });
      expect(current?.expiresAt).toBe(granted.expiresAt);
      expect(current?.ageMs).toBeGreaterThanOrEqual(0);
      expect(current?.acquiredAt).toBeLessThanOrEqual(current?.renewedAt ?? Number.NaN);
      expect(await leases.current(freshAccount())).toBeUndefined();

      const listed = (await leases.list()).filter((lease) => lease.accountId === held || lease.accountId === released);
      expect(listed.map(({ accountId, holder, token, expired }) => ({ accountId, holder, token, expired }))).toEqual(
        [
          { accountId: held, holder: "host-a:1:aa", token: 1, expired: false },
          { accountId: released, holder: "host-b:2:bb", token: 1, expired: true },
        ].sort((left, right) => (left.accountId < right.accountId ? -1 : 1)),
      );
    });

    it("refuses unusable arguments with a line naming the argument", async () => {
      const leases = await subject.open();
      await expect(leases.acquire(freshAccount(), "host-a:1:aa", 0)).rejects.toThrow(
        "ttlMs: 0 is not a whole number of milliseconds > 0",
      );
      await expect(leases.acquire(freshAccount(), "", longTtlMs)).rejects.toThrow(/^holder: /);
      await expect(leases.renew(freshAccount(), "host-a:1:aa", 1.5, longTtlMs)).rejects.toThrow(/^token: 1.5/);
    });
  });
}
