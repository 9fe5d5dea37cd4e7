// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const loggerModule = new URL("./logger.ts", import.meta.url).href;

describe("batched log lines", () => {
  it("still reach stdout when the process exits in the same turn as it logged them", () => {
    const script = [
      `import { createLogger } from ${JSON.stringify(loggerModule)};`,
      "const logger = createLogger({ pretty: false, batchWrites: true });",
      'logger.error("last words before exit");',
      "process.exit(3);",
    ].join("\n");
    const run = spawnSync(
      process.execPath,
      ["--conditions=@imessage-channel/source", "--input-type=module", "-e", script],
      { encoding: "utf8" },
    );
    expect(run.status).toBe(3);
    expect(JSON.parse(run.stdout.trim()).msg).toBe("last words before exit");
  });
});
