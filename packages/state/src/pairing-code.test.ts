import { describe, expect, it } from "vitest";
import {
  generatePairingCode,
  normalizePairingCode,
  pairingCodeAlphabet,
  pairingCodeLength,
  pairingCodesEqual,
} from "./pairing-code.ts";

describe("pairing codes", () => {
  it("are 8 characters of an alphabet without 0, O, 1, I or L, and do not repeat", () => {
    expect(pairingCodeLength).toBe(8);
    expect([...pairingCodeAlphabet].filter((character) => "0O1IL".includes(character))).toEqual([]);
    const codes = Array.from({ length: 500 }, generatePairingCode);
    for (const code of codes) expect(code).toMatch(new RegExp(`^[${pairingCodeAlphabet}]{8}$`));
    expect(new Set(codes).size).toBe(codes.length);
    // Every character of the alphabet turns up: the generator is not stuck on a subset.
    expect(new Set(codes.join("")).size).toBe(pairingCodeAlphabet.length);
  });

  it("are read back whatever the case, spacing or dash the operator typed", () => {
    expect(normalizePairingCode(" abcd-efgh\n")).toBe("ABCDEFGH");
    expect(normalizePairingCode("Ab Cd Ef Gh")).toBe("ABCDEFGH");
  });

  it("compare equal only when every character matches", () => {
    expect(pairingCodesEqual("ABCDEFGH", "ABCDEFGH")).toBe(true);
    expect(pairingCodesEqual("ABCDEFGH", "ABCDEFGJ")).toBe(false);
    expect(pairingCodesEqual("ABCDEFGH", "ABCDEFG")).toBe(false);
  });
});
