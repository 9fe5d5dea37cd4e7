// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
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

  it("records the pid of the imsg rpc session in rpcPidFile, and not that of a probe", async () => {
    dir = await mkdtemp(join(tmpdir(), "sim wrapper "));
    const dbPath = join(dir, "chat.db");
    createChatDb(dbPath);
    const wrapper = join(dir, "imsg");
    const pidFile = join(dir, "imsg-rpc.pid");
    await writeSimWrapper(wrapper, dbPath, [], { rpcPidFile: pidFile });
    await run(wrapper, ["rpc", "--help"]);
    await expect(stat(pidFile)).rejects.toThrow(/ENOENT/);
    const session = spawn(wrapper, ["rpc"], { stdio: ["pipe", "ignore", "ignore"] });
    const exited = new Promise((resolve) => session.on("exit", resolve));
    const pid = await vi.waitFor(async () => Number((await readFile(pidFile, "utf8")).trim()));
    expect(pid).toBe(session.pid);
    session.stdin.end();
    expect(await exited).toBe(0);
  });
});
