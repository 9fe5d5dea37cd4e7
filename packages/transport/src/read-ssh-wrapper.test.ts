import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { inspectSshWrapperFile, readSshWrapper } from "./read-ssh-wrapper.ts";

const directory = mkdtempSync(join(tmpdir(), "ssh-wrapper-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe("readSshWrapper", () => {
  it("detects the host of a wrapper script on disk", async () => {
    const path = join(directory, "imsg-ssh");
    writeFileSync(path, '#!/usr/bin/env bash\nexec ssh -T -p 2222 bot@mac.local imsg "$@"\n');
    expect(await readSshWrapper(path)).toMatchObject({ remoteHost: "bot@mac.local", port: 2222 });
  });

  it("returns undefined for a binary, a missing file and a directory", async () => {
    const binary = join(directory, "imsg");
    writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0x73, 0x73, 0x68]));
    expect(await readSshWrapper(binary)).toBeUndefined();
    expect(await readSshWrapper(join(directory, "missing"))).toBeUndefined();
    expect(await readSshWrapper(directory)).toBeUndefined();
  });

  it("returns undefined for a file too large to be a wrapper", async () => {
    const large = join(directory, "large");
    writeFileSync(large, `exec ssh mac imsg "$@"\n${"#".repeat(70 * 1024)}\n`);
    expect(await readSshWrapper(large)).toBeUndefined();
  });
});

describe("inspectSshWrapperFile", () => {
  it("tells a wrapper whose host cannot be read from a binary that runs no ssh", async () => {
    const jump = join(directory, "imsg-jump");
    writeFileSync(jump, '#!/bin/sh\nexec ssh -J bastion bot@mac imsg "$@"\n');
    expect(await inspectSshWrapperFile(jump)).toEqual({
      kind: "ambiguous",
      reason: "the ssh command uses a jump host (-J bastion)",
    });
    expect(await readSshWrapper(jump)).toBeUndefined();
    const binary = join(directory, "imsg-binary");
    writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0x73, 0x73, 0x68]));
    expect(await inspectSshWrapperFile(binary)).toEqual({ kind: "none" });
    expect(await inspectSshWrapperFile(join(directory, "missing"))).toEqual({ kind: "none" });
  });
});
