import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generatePairingCode, pairingCodeAlphabet, pairingCodeLength } from "./pairing-code.ts";
import { maxPendingPairingsPerAccount, pairingTimeToLiveMilliseconds } from "./pairing-store.ts";
import { StateError } from "./state-error.ts";
import { openStateStore, type StateStore } from "./state-store.ts";
import { createManualClock, createTemporaryStateDir } from "./test-support/temporary-state.ts";

// Who can try a code at all: only `pairing approve` (the operator's CLI, with access to the state dir) calls
// approve(). A stranger's messages only ever request a code (apps/gateway/test/e2e/security.test.ts shows that
// codes typed into a chat approve nothing). These tests bound what a guesser would get even so.

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

function requestCode(accountId: string, sender: string): string {
  const result = store.pairing.requestPairing({ accountId, sender, chatId: 1 });
  if (!("code" in result)) throw new Error(`expected a code for ${sender}`);
  return result.code;
}

function approveError(code: string, accountId?: string): string | undefined {
  try {
    store.pairing.approve(code, accountId === undefined ? {} : { accountId });
    return undefined;
  } catch (error) {
    if (StateError.isInstance(error)) return error.code;
    throw error;
  }
}

/** Pearson's chi-square statistic of observed counts against equal expected counts. */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((sum, count) => sum + count, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
}

/** A bound `sigmas` standard deviations above the mean of a chi-square with `freedom` degrees: never hit by chance. */
const chiSquareBound = (freedom: number, sigmas = 8) => freedom + sigmas * Math.sqrt(2 * freedom);

describe("pairing codes cannot be guessed within the pending window", () => {
  it("carry 39.6 bits: a guess hits one of an account's 3 live codes with odds under 1 in 280 billion", () => {
    expect(pairingCodeAlphabet).toHaveLength(31);
    expect(new Set(pairingCodeAlphabet).size).toBe(31);
    expect(pairingCodeLength).toBe(8);
    const bits = pairingCodeLength * Math.log2(pairingCodeAlphabet.length);
    expect(bits).toBeCloseTo(39.63, 2);
    const perGuess = maxPendingPairingsPerAccount / pairingCodeAlphabet.length ** pairingCodeLength;
    expect(1 / perGuess).toBeGreaterThan(280e9);
    // Even a thousand guesses a second for the whole hour a code lives leaves odds of about 1 in 79 000.
    const guessesInWindow = 1000 * (pairingTimeToLiveMilliseconds / 1000);
    expect(guessesInWindow * perGuess).toBeLessThan(1.3e-5);
  });

  it("draw every character uniformly, at every position and independently of the one before", () => {
    const samples = 20_000;
    const size = pairingCodeAlphabet.length;
    const byPosition = Array.from({ length: pairingCodeLength }, () => Array<number>(size).fill(0));
    const overall = Array<number>(size).fill(0);
    const pairs = Array<number>(size * size).fill(0);
    let malformed = 0;
    for (let sample = 0; sample < samples; sample += 1) {
      const code = generatePairingCode();
      if (code.length !== pairingCodeLength) malformed += 1;
      let previous = -1;
      for (let position = 0; position < pairingCodeLength; position += 1) {
        const index = pairingCodeAlphabet.indexOf(code[position] ?? "");
        if (index < 0) {
          malformed += 1;
          continue;
        }
        (byPosition[position] as number[])[index] = ((byPosition[position] as number[])[index] ?? 0) + 1;
        overall[index] = (overall[index] ?? 0) + 1;
        if (previous >= 0) pairs[previous * size + index] = (pairs[previous * size + index] ?? 0) + 1;
        previous = index;
      }
    }
    expect(malformed).toBe(0);
    // Eight standard deviations: a fair generator fails this less than once in 10^15 runs; a biased one at once.
    expect(chiSquare(overall)).toBeLessThan(chiSquareBound(size - 1));
    for (const counts of byPosition) expect(chiSquare(counts)).toBeLessThan(chiSquareBound(size - 1));
    expect(chiSquare(pairs)).toBeLessThan(chiSquareBound(size * size - 1));
    // And the test can fail: a generator that never draws the last character is far outside the bound.
    const skewed = [...overall.slice(0, -1), 0];
    expect(chiSquare(skewed)).toBeGreaterThan(chiSquareBound(size - 1));
  });

  it("approves nothing for random codes, near misses or injection attempts while 6 codes are live", () => {
    const crowd = Array.from({ length: 20 }, (_, index) => `+1555000${String(index).padStart(4, "0")}`);
    const live = new Map<string, string>();
    for (const accountId of ["default", "work"]) {
      for (const sender of crowd) {
        const result = store.pairing.requestPairing({ accountId, sender, chatId: 1 });
        if ("code" in result) live.set(result.code, `${accountId}/${sender}`);
      }
    }
    // A crowd gets 3 codes per account and no more: the guessable set stays that small.
    expect(live.size).toBe(2 * maxPendingPairingsPerAccount);

    const guesses = new Set<string>();
    while (guesses.size < 2000) {
      const guess = generatePairingCode();
      if (!live.has(guess)) guesses.add(guess);
    }
    for (const code of live.keys()) {
      for (let position = 0; position < code.length; position += 1) {
        for (const character of pairingCodeAlphabet) {
          if (character !== code[position]) guesses.add(code.slice(0, position) + character + code.slice(position + 1));
        }
      }
      guesses.add(code.slice(0, -1));
      guesses.add(code.slice(1));
      guesses.add(`${code}2`);
      guesses.add(`${code}${code}`);
      guesses.add(`${code.slice(0, 4)}%`);
      guesses.add(`${code.slice(0, 4)}*`);
      // Full-width letters look the same to a person; upper-casing leaves them full-width.
      guesses.add([...code].map((character) => String.fromCodePoint(character.codePointAt(0)! + 0xfee0)).join(""));
    }
    for (const odd of ["", " ", "-", "*", "%", "_", "%%%%%%%%", "' OR 1=1 --", "0O1IL0O1", "\u0000".repeat(8)])
      guesses.add(odd);

    for (const guess of guesses) expect(approveError(guess), JSON.stringify(guess)).toBe("PAIRING_CODE_UNKNOWN");
    expect(store.pairing.listApproved()).toEqual([]);
    expect(store.pairing.listPending()).toHaveLength(live.size);
  });

  it("approves exactly the sender whose code it is: not the other pending senders, not another account", () => {
    const alice = requestCode("default", "+15550000001");
    const bob = requestCode("default", "+15550000002");
    const carol = requestCode("default", "+15550000003");
    const dave = requestCode("work", "+15550000002");

    expect(store.pairing.approve(bob).sender).toBe("+15550000002");
    expect(store.pairing.listApproved().map((approval) => `${approval.accountId}/${approval.sender}`)).toEqual([
      "default/+15550000002",
    ]);
    expect(store.pairing.isApproved("work", "+15550000002")).toBe(false);
    expect(
      store.pairing
        .listPending()
        .map((request) => request.code)
        .sort(),
    ).toEqual([alice, carol, dave].sort());
    // A code is used up by its approval: using it again approves nothing and says so.
    expect(approveError(bob)).toBe("PAIRING_CODE_ALREADY_APPROVED");
    // The same person's pending code in another account cannot be approved under the wrong account.
    expect(approveError(dave, "default")).toBe("PAIRING_CODE_UNKNOWN");
    expect(store.pairing.isApproved("work", "+15550000002")).toBe(false);
  });

  it("stops approving at the hour: one millisecond before works, at the hour and after never does", () => {
    const early = requestCode("default", "+15550000001");
    const late = requestCode("default", "+15550000002");
    time.advance(pairingTimeToLiveMilliseconds - 1);
    expect(store.pairing.approve(early).sender).toBe("+15550000001");
    time.advance(1);
    expect(approveError(late)).toBe("PAIRING_CODE_EXPIRED");
    time.advance(23 * 60 * 60 * 1000);
    expect(approveError(late)).toBe("PAIRING_CODE_EXPIRED");
    expect(store.pairing.isApproved("default", "+15550000002")).toBe(false);
    // Asking again gives a fresh code; the expired one stays dead.
    const fresh = requestCode("default", "+15550000002");
    expect(fresh).not.toBe(late);
    expect(approveError(late)).toBe("PAIRING_CODE_UNKNOWN");
  });
});
