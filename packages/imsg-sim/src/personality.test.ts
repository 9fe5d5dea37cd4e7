// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { imsgPersonality, imsgVersions, newestImsgVersion } from "./personality.ts";
import { simBinPath } from "./sim-bin-path.ts";

const run = promisify(execFile);

/** Runs the sim with no personality inherited from the test run, unless `env` names one. */
async function sim(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { IMSG_SIM_VERSION: _inherited, ...environment } = process.env;
  try {
    const { stdout, stderr } = await run(process.execPath, [simBinPath, ...args], { env: { ...environment, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("the imsg release the sim plays", () => {
  it("is the newest, 0.15.10, unless told otherwise", async () => {
    expect(newestImsgVersion).toBe("0.15.10");
    expect((await sim(["--version"])).stdout).toBe("0.15.10\n");
  });

  it("is picked by --imsg-version anywhere on the command line, or by IMSG_SIM_VERSION", async () => {
    expect((await sim(["--version", "--imsg-version", "0.11.1"])).stdout).toBe("0.11.1\n");
    expect((await sim(["--imsg-version=0.13.0", "--version"])).stdout).toBe("0.13.0\n");
    expect((await sim(["--version"], { IMSG_SIM_VERSION: "0.9.0" })).stdout).toBe("0.9.0\n");
    // The flag wins over the environment, as a wrapper's appended flag should.
    expect((await sim(["--version", "--imsg-version", "0.14.0"], { IMSG_SIM_VERSION: "0.9.0" })).stdout).toBe(
      "0.14.0\n",
    );
  });

  it("refuses a release newer than the sim knows, naming the flag and the choices", async () => {
    const refused = await sim(["--version", "--imsg-version", "0.16.0"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `imsg-sim: --imsg-version "0.16.0" is not an imsg release the sim plays; pass one of ${imsgVersions.join(" | ")} (or an older x.y.z)\n`,
    );
    expect((await sim(["--version"], { IMSG_SIM_VERSION: "latest" })).stderr).toContain('IMSG_SIM_VERSION "latest"');
  });

  it("is accepted by inject and seed too, so a wrapper can append it to every command", async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), "imsg-sim-personality-")), "chat.db");
    expect((await sim(["seed", "--db", dbPath, "--imsg-version", "0.9.0"])).code).toBe(0);
    const injected = await sim([
      "inject",
      "--db",
      dbPath,
      "--from",
      "+15550001111",
      "--text",
      "hi",
      "--imsg-version",
      "0.15.10",
    ]);
    expect(injected.code).toBe(0);
  });

  it("lists the methods of each release: 22 in 0.9.0, 44 in 0.15.10 in descriptor order", () => {
    expect(imsgPersonality("0.9.0").rpcMethods).toHaveLength(22);
    const newest = imsgPersonality("0.15.10").rpcMethods;
    expect(newest).toHaveLength(44);
    expect(newest.slice(0, 3)).toEqual(["initialize", "status", "watch.unsubscribe"]);
    expect(imsgPersonality("0.13.0").rpcMethods).not.toContain("initialize");
    expect(imsgPersonality("0.14.0").rpcMethods).not.toContain("send.tracked");
    expect(imsgPersonality("0.14.0").strictParams).toBe(true);
    expect(imsgPersonality("0.13.0").strictParams).toBe(false);
  });
});
