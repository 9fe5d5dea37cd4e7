import { describe, expect, it } from "vitest";
import { catchupDefaults, resolveCatchupOptions } from "./catchup-options.ts";

describe("resolveCatchupOptions", () => {
  it("has the reference's defaults", () => {
    expect(resolveCatchupOptions()).toEqual({
      enabled: false,
      maxAgeMinutes: 120,
      perRunLimit: 50,
      firstRunLookbackMinutes: 30,
      maxFailureRetries: 10,
    });
    expect(catchupDefaults.enabled).toBe(false);
  });

  it("clamps maxAgeMinutes to 1..720 and perRunLimit to 1..500", () => {
    expect(resolveCatchupOptions({ maxAgeMinutes: 0, perRunLimit: 0 })).toMatchObject({
      maxAgeMinutes: 1,
      perRunLimit: 1,
    });
    expect(resolveCatchupOptions({ maxAgeMinutes: 10_000, perRunLimit: 9_999 })).toMatchObject({
      maxAgeMinutes: 720,
      perRunLimit: 500,
    });
    expect(resolveCatchupOptions({ maxAgeMinutes: 720, perRunLimit: 500 })).toMatchObject({
      maxAgeMinutes: 720,
      perRunLimit: 500,
    });
  });

  it("never looks back further on a first run than maxAgeMinutes allows", () => {
    expect(resolveCatchupOptions({ maxAgeMinutes: 10 }).firstRunLookbackMinutes).toBe(10);
    expect(resolveCatchupOptions({ maxAgeMinutes: 60, firstRunLookbackMinutes: 90 }).firstRunLookbackMinutes).toBe(60);
    expect(resolveCatchupOptions({ maxFailureRetries: 0 }).maxFailureRetries).toBe(1);
  });
});
