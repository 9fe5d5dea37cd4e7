/** `channels.imessage.catchup` as written in the config file; every key optional. */
export interface CatchupOptionsInput {
  enabled?: boolean;
  maxAgeMinutes?: number;
  perRunLimit?: number;
  firstRunLookbackMinutes?: number;
  maxFailureRetries?: number;
}

export interface CatchupOptions {
  enabled: boolean;
  maxAgeMinutes: number;
  perRunLimit: number;
  firstRunLookbackMinutes: number;
  maxFailureRetries: number;
}

export const catchupDefaults: CatchupOptions = {
  enabled: false,
  maxAgeMinutes: 120,
  perRunLimit: 50,
  firstRunLookbackMinutes: 30,
  maxFailureRetries: 10,
};

function clampInteger(value: number | undefined, fallback: number, minimum: number, maximum: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(maximum, Math.max(minimum, Math.trunc(value)));
}

/**
 * Applies the reference's defaults and clamps (maxAgeMinutes 1..720, perRunLimit 1..500). The reference gives
 * no clamp for the lookback and the retry count; they are kept at least 1 so a pass can always look somewhere
 * and a wedged guid is always tried once, and the lookback never reaches further back than maxAgeMinutes.
 */
export function resolveCatchupOptions(input: CatchupOptionsInput = {}): CatchupOptions {
  const maxAgeMinutes = clampInteger(input.maxAgeMinutes, catchupDefaults.maxAgeMinutes, 1, 720);
  return {
    enabled: input.enabled ?? catchupDefaults.enabled,
    maxAgeMinutes,
    perRunLimit: clampInteger(input.perRunLimit, catchupDefaults.perRunLimit, 1, 500),
    firstRunLookbackMinutes: clampInteger(
      input.firstRunLookbackMinutes,
      Math.min(catchupDefaults.firstRunLookbackMinutes, maxAgeMinutes),
      1,
      maxAgeMinutes,
    ),
    maxFailureRetries: clampInteger(
      input.maxFailureRetries,
      catchupDefaults.maxFailureRetries,
      1,
      Number.MAX_SAFE_INTEGER,
    ),
  };
}
