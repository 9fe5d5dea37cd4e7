import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

interface ClientReport {
  ids: number[];
  logged: Array<{ level: string; message: string; code?: unknown }>;
  baselineMb: number;
  afterMb: number;
}

const clientScript = fileURLToPath(new URL("./test-support/hostile-line-client.ts", import.meta.url));

/** The client runs in its own process, so RSS is its own and not this test runner's. */
async function runClient(depth: number): Promise<ClientReport> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--expose-gc", "--conditions=@imessage-channel/source", clientScript, String(depth)],
    { timeout: 60_000, maxBuffer: 1024 * 1024 },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as ClientReport;
}

describe("ImsgClient reading a line nested 4 000 000 arrays deep (8 MB) from a real child", () => {
  let report: ClientReport;
  beforeAll(async () => {
    report = await runClient(4_000_000);
  }, 90_000);

  it("delivers the valid notifications around it, in order", () => {
    expect(report.ids).toEqual([1, 2, 3, 4]);
  });

  it("reports the line once, as nested too deep, without parsing it", () => {
    expect(report.logged).toEqual([
      {
        level: "warn",
        code: "LINE_TOO_COMPLEX",
        message: expect.stringMatching(/nested deeper than 128 levels \(maxJsonDepth\)/),
      },
    ]);
  });

  it("returns the client's RSS after GC to within 60 MB of its baseline", () => {
    // Parsing it grew RSS by ~300 MB, kept after GC; framing the 8 MB line alone costs ~20 MB.
    expect(report.afterMb - report.baselineMb).toBeLessThan(60);
  });
});
