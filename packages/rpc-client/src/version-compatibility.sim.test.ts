// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createChatDb, SimProcess, supportedRpcMethods } from "@imessage-channel/imsg-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpcMethodsForVersion } from "./version-compatibility.ts";

// The client infers an old build's methods from its own table; the simulator answers from its own, kept apart on
// purpose so a wrong entry on either side fails here instead of being shared silently.
let dir: string;
let dbPath: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "version-table-"));
  dbPath = join(dir, "chat.db");
  createChatDb(dbPath);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The methods a build answers with anything but -32601 (method not found). */
async function methodsAnswered(build: string): Promise<string[]> {
  const sim = new SimProcess({ args: ["rpc", "--db", dbPath], env: { IMSG_SIM_VERSION: build } });
  try {
    const answered: string[] = [];
    for (const method of supportedRpcMethods) {
      const response = await sim.request(method, {});
      if (response.error?.code !== -32601) answered.push(method);
    }
    return answered;
  } finally {
    await sim.close();
  }
}

describe("the version table agrees with what each imsg build answers", () => {
  it.each(["0.3.0", "0.7.2", "0.7.3", "0.8.3", "0.9.0"])("imsg %s", async (build) => {
    const simulated = (await methodsAnswered(build)).sort();
    // 0.5.0's typing.start/typing.stop are not simulated; every other build gets the same list from both sides.
    const inferred = rpcMethodsForVersion(build).filter((method) => !method.startsWith("typing."));
    expect(simulated).toEqual(inferred.sort());
  });
});
