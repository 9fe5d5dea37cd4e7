// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { createChatDb } from "./chat-db-schema.ts";
import { writeSimWrapper } from "./sim-wrapper.ts";

const run = promisify(execFile);
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("writeSimWrapper", () => {
  it("writes an executable imsg that runs the simulator on its database, with the extra flags after the caller's", async () => {
    dir = await mkdtemp(join(tmpdir(), "sim wrapper "));
    const dbPath = join(dir, "chat.db");
    createChatDb(dbPath);
    const wrapper = join(dir, "imsg");
    await writeSimWrapper(wrapper, dbPath, ["--imsg-version", "0.7.0"]);
    expect((await stat(wrapper)).mode & 0o777).toBe(0o755);
    const { stdout } = await run(wrapper, ["--version"]);
    expect(stdout.trim()).toContain("0.7.0");
    const { stdout: chats } = await run(wrapper, ["chats", "--json"]);
    expect(chats.trim()).toBe("");
  });
});
