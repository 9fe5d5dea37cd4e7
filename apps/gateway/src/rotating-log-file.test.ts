import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RotatingLogFile } from "./rotating-log-file.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rotating-log-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const line = (n: number) => `${JSON.stringify({ n, padding: "x".repeat(80) })}\n`;

describe("rotating log file", () => {
  it("rotates before a write would pass maxBytes and keeps maxFiles files in all, the newest lines in the live one", async () => {
    const path = join(dir, "logs", "gateway.log");
    const file = new RotatingLogFile({ path, maxBytes: 1000, maxFiles: 3 });
    for (let n = 1; n <= 60; n++) file.write(line(n));
    file.close();
    expect((await readdir(join(dir, "logs"))).sort()).toEqual(["gateway.log", "gateway.log.1", "gateway.log.2"]);
    for (const name of ["gateway.log", "gateway.log.1", "gateway.log.2"])
      expect((await stat(join(dir, "logs", name))).size).toBeLessThanOrEqual(1000);
    const live = (await readFile(path, "utf8")).trim().split("\n");
    expect(JSON.parse(live.at(-1)!).n).toBe(60);
    const previous = (await readFile(`${path}.1`, "utf8")).trim().split("\n");
    expect(JSON.parse(previous.at(-1)!).n).toBe(JSON.parse(live[0]!).n - 1);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("appends to the file a previous run left, and rotates it when it is already full", async () => {
    const path = join(dir, "gateway.log");
    const first = new RotatingLogFile({ path, maxBytes: 200, maxFiles: 2 });
    first.write(line(1));
    first.close();
    const second = new RotatingLogFile({ path, maxBytes: 200, maxFiles: 2 });
    second.write(line(2));
    second.close();
    expect(await readFile(`${path}.1`, "utf8")).toBe(line(1));
    expect(await readFile(path, "utf8")).toBe(line(2));
  });

  it("reports a file it cannot write once and then drops lines instead of throwing", () => {
    const errors: Error[] = [];
    const file = new RotatingLogFile({
      path: join(dir, "missing-parent-is-a-file", "x.log"),
      maxBytes: 100,
      maxFiles: 2,
      onError: (error) => errors.push(error),
    });
    // The parent is a regular file: mkdir fails.
    const blocker = new RotatingLogFile({ path: join(dir, "missing-parent-is-a-file"), maxBytes: 100, maxFiles: 1 });
    blocker.write("x\n");
    blocker.close();
    expect(file.write(line(1))).toBe(true);
    expect(file.write(line(2))).toBe(true);
    expect(errors).toHaveLength(1);
  });
});
