import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.ts";
import { loadConfig, loadConfigOrThrow } from "./load-config.ts";

let root: string;
let cwd: string;
let stateDir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "config-load-"));
  cwd = join(root, "cwd");
  stateDir = join(root, "state");
  await mkdir(cwd);
  await mkdir(stateDir);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const write = async (path: string, text: string) => {
  await writeFile(path, text);
  return path;
};
const file = (dmPolicy: string) => `{ channels: { imessage: { dmPolicy: "${dmPolicy}" } } }`;

describe("loadConfig finds the file in the documented order (packages/config/README.md, loadConfig)", () => {
  it("prefers --config over everything else", async () => {
    const explicit = await write(join(root, "explicit.json5"), file("disabled"));
    const fromEnv = await write(join(root, "env.json5"), file("allowlist"));
    await write(join(cwd, "imessage-channel.json5"), file("open"));
    const loaded = await loadConfig({ path: explicit, env: { IMESSAGE_CHANNEL_CONFIG: fromEnv }, cwd, stateDir });
    expect(loaded.path).toBe(explicit);
    expect(loaded.config?.channels?.imessage?.dmPolicy).toBe("disabled");
  });

  it("uses $IMESSAGE_CHANNEL_CONFIG before the working directory", async () => {
    const fromEnv = await write(join(root, "env.json5"), file("allowlist"));
    await write(join(cwd, "imessage-channel.json5"), file("disabled"));
    const loaded = await loadConfig({ env: { IMESSAGE_CHANNEL_CONFIG: fromEnv }, cwd, stateDir });
    expect(loaded.path).toBe(fromEnv);
  });

  it("uses ./imessage-channel.json5 before <stateDir>/config.json5", async () => {
    const local = await write(join(cwd, "imessage-channel.json5"), file("allowlist"));
    await write(join(stateDir, "config.json5"), file("disabled"));
    expect((await loadConfig({ env: {}, cwd, stateDir })).path).toBe(local);
  });

  it("falls back to <stateDir>/config.json5, taking the state dir from the environment", async () => {
    const inState = await write(join(stateDir, "config.json5"), file("disabled"));
    const loaded = await loadConfig({ env: { IMESSAGE_CHANNEL_STATE_DIR: stateDir }, cwd });
    expect(loaded.path).toBe(inState);
    expect(loaded.config?.channels?.imessage?.dmPolicy).toBe("disabled");
  });

  it("runs on built-in defaults with a warning when no file exists", async () => {
    const loaded = await loadConfig({ env: {}, cwd, stateDir });
    expect(loaded.path).toBeUndefined();
    expect(loaded.errors).toEqual([]);
    expect(loaded.config).toEqual({});
    expect(loaded.warnings).toContain('channels.imessage is missing: using defaults, groupPolicy "allowlist"');
  });

  it("reports a named file that does not exist", async () => {
    const missing = join(root, "nope.json5");
    const loaded = await loadConfig({ path: missing, env: {}, cwd, stateDir });
    expect(loaded.errors).toEqual([`--config: config file ${missing} does not exist; create it or fix the path`]);
  });
});

describe("loadConfig problems", () => {
  it("reports a config path that is a directory as one line", async () => {
    const loaded = await loadConfig({ path: stateDir, env: {}, cwd, stateDir });
    expect(loaded.errors).toEqual([
      `${stateDir}: cannot read the config file (EISDIR); point to a file, not a directory`,
    ]);
  });

  it("names line and column of a JSON5 syntax error", async () => {
    const path = await write(
      join(cwd, "imessage-channel.json5"),
      '{\n  channels: {\n    imessage: { dmPolicy: "open" ]\n',
    );
    const loaded = await loadConfig({ env: {}, cwd, stateDir });
    expect(loaded.errors).toEqual([`${path}:3:34: JSON5 syntax error: invalid character ']'`]);
  });

  it("accepts comments, trailing commas and unquoted keys", async () => {
    await write(
      join(cwd, "imessage-channel.json5"),
      "// operator notes\n{ channels: { imessage: { dmPolicy: 'allowlist', allowFrom: ['+15555550123',], }, }, }\n",
    );
    const loaded = await loadConfig({ env: {}, cwd, stateDir });
    expect(loaded.errors).toEqual([]);
    expect(loaded.config?.channels?.imessage?.allowFrom).toEqual(["+15555550123"]);
  });

  it("returns every problem of the file at once", async () => {
    await write(
      join(cwd, "imessage-channel.json5"),
      '{ channels: { imessage: { dmPolicy: "opn", mediaMaxMb: -1, chunkMod: "length" } } }',
    );
    const loaded = await loadConfig({ env: {}, cwd, stateDir });
    expect(loaded.config).toBeUndefined();
    expect(loaded.errors).toEqual([
      'channels.imessage.dmPolicy: "opn" is not one of pairing | allowlist | open | disabled (did you mean "open"?)',
      "channels.imessage.mediaMaxMb: -1 is too small; expected more than 0",
      'channels.imessage.chunkMod: unknown key; did you mean "chunkMode"?',
    ]);
  });

  it("throws a CONFIG_INVALID ConfigError carrying the list from loadConfigOrThrow", async () => {
    await write(
      join(cwd, "imessage-channel.json5"),
      '{ channels: { imessage: { dmPolicy: "opn", sendReadReceipts: 1 } } }',
    );
    const error = await loadConfigOrThrow({ env: {}, cwd, stateDir }).catch((caught: unknown) => caught);
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).code).toBe("CONFIG_INVALID");
    expect((error as ConfigError).problems).toHaveLength(2);
    expect((error as ConfigError).message).toMatch(/^channels\.imessage\.dmPolicy: "opn" .* \(and 1 more\)$/);
  });
});
