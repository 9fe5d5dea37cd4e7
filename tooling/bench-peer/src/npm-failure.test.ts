import { describe, expect, it } from "vitest";
import { npmFailureReason } from "./npm-failure.ts";

describe("npmFailureReason", () => {
  it("gives the code and the first message line of an npm failure, not its stack or log pointer", () => {
    const stderr = [
      "npm error code ECONNREFUSED",
      "npm error syscall connect",
      "npm error errno ECONNREFUSED",
      "npm error FetchError: request to http://127.0.0.1:9/openclaw failed, reason: connect ECONNREFUSED 127.0.0.1:9",
      "npm error     at ClientRequest.<anonymous> (/usr/lib/node_modules/npm/node_modules/minipass-fetch/lib/index.js:130:14)",
      "npm error   code: 'ECONNREFUSED',",
      "npm error }",
      "npm error A complete log of this run can be found in: /root/.npm/_logs/debug-0.log",
    ].join("\n");
    expect(npmFailureReason(stderr)).toBe(
      "ECONNREFUSED: FetchError: request to http://127.0.0.1:9/openclaw failed, reason: connect ECONNREFUSED 127.0.0.1:9",
    );
  });

  it("reads older npm's `npm ERR!` lines and a failure without a code", () => {
    expect(npmFailureReason("npm ERR! code E404\nnpm ERR! 404 Not Found - GET https://registry/openclaw")).toBe(
      "E404: 404 Not Found - GET https://registry/openclaw",
    );
    expect(npmFailureReason("npm warn deprecated x\nnpm error engine Unsupported engine\n")).toBe(
      "engine Unsupported engine",
    );
  });

  it("says nothing when npm printed no error line", () => {
    expect(npmFailureReason("npm warn install-scripts koffi@3.2.1\n")).toBeUndefined();
  });
});
