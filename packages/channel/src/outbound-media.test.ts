import { mkdir, mkdtemp, readFile, realpath, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OutboundError, planMedia } from "@imessage-channel/outbound";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agentMediaDirectory, createOutboundMedia } from "./outbound-media.ts";

let top: string;
let stateDir: string;
let staging: string;

beforeEach(async () => {
  top = await realpath(await mkdtemp(join(tmpdir(), "outbound-media-")));
  stateDir = join(top, "state");
  staging = agentMediaDirectory(stateDir, "main");
  await mkdir(staging, { recursive: true });
  await writeFile(join(staging, "chart.png"), "png bytes");
  await writeFile(join(top, "secret.txt"), "the operator's secret");
});

afterEach(() => rm(top, { recursive: true, force: true }));

const mediaFor = (roots: string[] = []) =>
  createOutboundMedia({ stateDir, roots, mediaMaxBytes: 1024, home: top }).forAgent("main");

async function refusal(promise: Promise<unknown>): Promise<OutboundError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (OutboundError.isInstance(error)) return error;
  throw new Error(`expected an OutboundError, got ${String(error)}`);
}

describe("outbound media", () => {
  it("stages a file from the agent's own folder as a fresh 0600 copy outside every agent folder", async () => {
    const media = mediaFor();
    const staged = await media.stage(await planMedia({ path: join(staging, "chart.png") }, media));
    expect(staged.startsWith(join(stateDir, "media", "outbound", ".sent"))).toBe(true);
    expect(staged.endsWith("/chart.png")).toBe(true);
    expect(await readFile(staged, "utf8")).toBe("png bytes");
    expect((await stat(staged)).mode & 0o777).toBe(0o600);
  });

  it("refuses the state.db, a file outside the roots and a symlink out, naming the fix", async () => {
    await writeFile(join(stateDir, "state.db"), "sqlite");
    await symlink(join(top, "secret.txt"), join(staging, "link.txt"));
    const media = mediaFor();
    for (const path of [join(stateDir, "state.db"), join(top, "secret.txt"), join(staging, "link.txt")]) {
      const error = await refusal(planMedia({ path }, media));
      expect(error.code).toBe("MEDIA_PATH_REFUSED");
      expect(error.message).toContain(
        `; write the file to ${staging}/ or add its folder to channels.imessage.outboundMediaRoots`,
      );
    }
  });

  it("also takes files from outboundMediaRoots, ~ included, and still refuses other agents' folders", async () => {
    await mkdir(join(top, "reports"));
    await writeFile(join(top, "reports", "q3.pdf"), "pdf");
    const other = agentMediaDirectory(stateDir, "other");
    await mkdir(other, { recursive: true });
    await writeFile(join(other, "theirs.txt"), "not yours");
    const media = mediaFor(["~/reports"]);
    const staged = await media.stage(await planMedia({ path: join(top, "reports", "q3.pdf") }, media));
    expect(await readFile(staged, "utf8")).toBe("pdf");
    expect((await refusal(planMedia({ path: join(other, "theirs.txt") }, media))).code).toBe("MEDIA_PATH_REFUSED");
  });

  it("writes base64 files under a sanitized name", async () => {
    const media = mediaFor();
    const plan = await planMedia({ base64: Buffer.from("evil").toString("base64"), filename: "../../evil" }, media);
    const staged = await media.stage(plan);
    expect(staged.endsWith("/evil")).toBe(true);
    expect(staged.startsWith(join(stateDir, "media", "outbound", ".sent"))).toBe(true);
    expect(await readFile(staged, "utf8")).toBe("evil");
  });

  it("refuses to start with a relative root", () => {
    expect(() => createOutboundMedia({ stateDir, roots: ["media"], mediaMaxBytes: 1, home: top })).toThrow(
      /attachment root "media" is relative/,
    );
  });
});
