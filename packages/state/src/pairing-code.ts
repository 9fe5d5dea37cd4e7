import { randomInt, timingSafeEqual } from "node:crypto";

/** Digits and capitals without the look-alikes 0 O 1 I L, so a code read aloud or retyped survives. */
export const pairingCodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
export const pairingCodeLength = 8;

/** A fresh code from crypto randomness (randomInt is unbiased over the 31-character alphabet). */
export function generatePairingCode(): string {
  let code = "";
  for (let index = 0; index < pairingCodeLength; index += 1) {
    code += pairingCodeAlphabet[randomInt(pairingCodeAlphabet.length)];
  }
  return code;
}

/** Operators type codes in any case, sometimes with spaces or a dash in the middle. */
export function normalizePairingCode(input: string): string {
  return input.replace(/[\s-]/g, "").toUpperCase();
}

/** Compares two normalized codes without leaking, through timing, how many leading characters match. */
export function pairingCodesEqual(left: string, right: string): boolean {
  const leftBytes = Buffer.from(left, "utf8");
  const rightBytes = Buffer.from(right, "utf8");
  if (leftBytes.length !== rightBytes.length) return false;
  return timingSafeEqual(leftBytes, rightBytes);
}
