// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../cli.ts";
import { capturedIo } from "./captured-io.ts";
import { parsePlistXml, plistDictEntries } from "./plist-xml.ts";
import { defaultCliPath } from "./service-command.ts";

let home: string;
let cwd: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "imessage-channel-home-"));
  cwd = join(home, "work");
  mkdirSync(cwd);
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function run(...args: string[]) {
  return runWithPath("/usr/local/bin:/usr/bin:/bin", ...args);
}

async function runWithPath(path: string, ...args: string[]) {
  const io = capturedIo({ HOME: home, PATH: path }, cwd);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** An executable file `name` in a new folder `folder` under home. */
function program(folder: string, name: string): string {
  const directory = join(home, folder);
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, name), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  return directory;
}

describe("service install/uninstall/status on Linux (systemd user unit)", () => {
  const unitPath = () => join(home, ".config", "systemd", "user", "imessage-channel.service");

  it("writes the unit into the user's systemd directory and prints how to load it, without root", async () => {
    const result = await run("service", "install", "--platform", "linux");
    expect(result.code).toBe(0);
    const unit = readFileSync(unitPath(), "utf8");
    expect(unit).toContain(`ExecStart="${process.execPath}" "`);
    expect(unit).toMatch(/bin\/imessage-channel\.js" "gateway"$/m);
    expect(unit).toContain(`Environment="IMESSAGE_CHANNEL_STATE_DIR=${join(home, ".imessage-channel")}"`);
    expect(existsSync(join(home, ".imessage-channel", "logs"))).toBe(true);
    expect(result.out).toContain(`Wrote ${unitPath()}`);
    expect(result.out).toContain(
      "systemctl --user daemon-reload && systemctl --user enable --now imessage-channel.service",
    );
    expect(result.out).toContain("loginctl enable-linger");
    expect(result.out).not.toMatch(/sudo /);
  });

  it("reports up to date, then out of date after an edit, then not installed after uninstall (exit 0, 1, 1)", async () => {
    expect((await run("service", "install", "--platform", "linux")).code).toBe(0);
    const fresh = await run("service", "status", "--platform", "linux");
    expect(fresh.code).toBe(0);
    expect(fresh.out).toContain("installed and up to date");

    writeFileSync(unitPath(), readFileSync(unitPath(), "utf8").replace("RestartSec=5", "RestartSec=1"));
    const stale = await run("service", "status", "--platform", "linux");
    expect(stale.code).toBe(1);
    expect(stale.out).toMatch(
      /differs from what install would write now \(line \d+: found "RestartSec=1", install writes "RestartSec=5"\)/,
    );
    expect(stale.err).toContain(
      "error: service file is out of date; run: imessage-channel service install --platform linux",
    );

    // What `systemctl --user enable` leaves behind is removed with the unit.
    const wants = join(home, ".config", "systemd", "user", "default.target.wants");
    mkdirSync(wants);
    symlinkSync(unitPath(), join(wants, "imessage-channel.service"));
    const removed = await run("service", "uninstall", "--platform", "linux");
    expect(removed.code).toBe(0);
    expect(removed.out).toContain("and its default.target.wants link");
    expect(removed.out).toContain("systemctl --user stop imessage-channel.service");
    expect(existsSync(unitPath())).toBe(false);
    expect(existsSync(join(wants, "imessage-channel.service"))).toBe(false);

    const gone = await run("service", "status", "--platform", "linux");
    expect(gone.code).toBe(1);
    expect(gone.out).toContain("not installed");
  });

  it("writes a command line that runs: the unit's own Node and CLI, spawned as a real process, answer --help", async () => {
    const installed = spawnSync(process.execPath, [defaultCliPath, "service", "install", "--platform", "linux"], {
      encoding: "utf8",
      env: { HOME: home, PATH: "/usr/bin:/bin" },
      cwd,
    });
    expect(installed.status).toBe(0);
    const execStart = /^ExecStart=(.*)$/m.exec(readFileSync(unitPath(), "utf8"))?.[1] ?? "";
    const words = [...execStart.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]!);
    expect(words.slice(2)).toEqual(["gateway"]);
    const help = spawnSync(words[0]!, [words[1]!, "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Usage: imessage-channel");
  });

  it("is idempotent: a second install says up to date and leaves the file alone", async () => {
    await run("service", "install", "--platform", "linux");
    const again = await run("service", "install", "--platform", "linux");
    expect(again.code).toBe(0);
    expect(again.out).toContain("is already up to date");
  });

  it("--dry-run prints the unit and writes nothing", async () => {
    const result = await run("service", "install", "--platform", "linux", "--dry-run");
    expect(result.code).toBe(0);
    expect(result.out).toContain(`Would write ${unitPath()}:`);
    expect(result.out).toContain("[Service]");
    expect(existsSync(unitPath())).toBe(false);
  });
});

describe("service install: what the unit runs with", () => {
  const unitPath = () => join(home, ".config", "systemd", "user", "imessage-channel.service");

  it("runs with a short PATH: Node's folder, the folders of the programs the config names, the system's; nothing else of the shell's", async () => {
    const brew = program("brew/bin", "imsg");
    const tools = program("tools", "my-agent");
    const checkout = program("checkout/node_modules/.bin", "tsc");
    writeFileSync(
      join(cwd, "imessage-channel.json5"),
      `{ agents: { list: [{ id: "main", runtime: { type: "exec", command: ["my-agent", "--json"] } }] } }`,
    );
    const interactive = [checkout, join(home, "bin"), tools, brew, "relative/bin", "/usr/bin", "/bin"].join(":");
    const result = await runWithPath(interactive, "service", "install", "--platform", "linux");
    expect(result.code).toBe(0);
    const path = /^Environment="PATH=(.*)"$/m.exec(readFileSync(unitPath(), "utf8"))?.[1];
    expect(path).toBe([dirname(process.execPath), brew, tools, "/usr/local/bin", "/usr/bin", "/bin"].join(":"));
  });

  it("metrics.port in the config: install needs no flag, the unit runs plain `gateway`, and says where /metrics is", async () => {
    writeFileSync(join(cwd, "imessage-channel.json5"), "{ metrics: { port: 9464 } }");
    const result = await run("service", "install", "--platform", "linux");
    expect(result.code).toBe(0);
    const execStart = /^ExecStart=(.*)$/m.exec(readFileSync(unitPath(), "utf8"))?.[1] ?? "";
    expect(execStart).toMatch(/"gateway" "--config" "[^"]+imessage-channel\.json5"$/);
    expect(execStart).not.toContain("metrics");
    expect(result.out).toContain("The gateway serves /healthz and /metrics on http://127.0.0.1:9464 (metrics.port).");
  });

  it("names the openai key variables the service will not inherit, and never writes their values", async () => {
    writeFileSync(
      join(cwd, "imessage-channel.json5"),
      `{ agents: { list: [{ id: "ai", runtime: { type: "openai", baseUrl: "https://api.example.com/v1", model: "m", apiKeyEnv: "SERVICE_TEST_KEY" } }] } }`,
    );
    const io = capturedIo({ HOME: home, PATH: "/usr/bin:/bin", SERVICE_TEST_KEY: "sk-secret-value" }, cwd);
    expect(await main(["service", "install", "--platform", "linux"], io)).toBe(0);
    expect(io.out()).toContain("The service does not inherit $SERVICE_TEST_KEY");
    expect(io.out() + readFileSync(unitPath(), "utf8")).not.toContain("sk-secret-value");
  });

  it("--dry-run prints exactly the file install then writes, and creates nothing", async () => {
    const dry = await run("service", "install", "--platform", "linux", "--dry-run");
    expect(dry.code).toBe(0);
    expect(existsSync(unitPath())).toBe(false);
    expect(existsSync(join(home, ".imessage-channel"))).toBe(false);
    await run("service", "install", "--platform", "linux");
    expect(dry.out).toContain(`Would write ${unitPath()}:\n\n${readFileSync(unitPath(), "utf8")}`);
  });
});

describe("service install on macOS (launchd agent)", () => {
  it("pins the config found now and the account, and names the TCC context", async () => {
    writeFileSync(
      join(cwd, "imessage-channel.json5"),
      `{ channels: { imessage: { accounts: { work: { cliPath: "/opt/homebrew/bin/imsg" } } } } }`,
    );
    const result = await run("service", "install", "--platform", "darwin", "--account", "work");
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const plistPath = join(home, "Library", "LaunchAgents", "dev.imessage-channel.gateway.work.plist");
    const dict = Object.fromEntries(plistDictEntries(parsePlistXml(readFileSync(plistPath, "utf8")).root.children[0]!));
    expect(dict.ProgramArguments?.children.map((element) => element.text)).toEqual([
      process.execPath,
      expect.stringMatching(/^\/.*\/bin\/imessage-channel\.js$/),
      "gateway",
      "--account",
      "work",
      "--config",
      join(cwd, "imessage-channel.json5"),
    ]);
    expect(dict.StandardOutPath?.text).toBe(join(home, ".imessage-channel", "logs", "gateway-work.out.log"));
    expect(result.out).toContain(`launchctl bootstrap gui/$(id -u) ${plistPath}`);
    expect(result.out).toContain("Full Disk Access");
    expect(result.out).toContain("runs in your user session");

    const removed = await run("service", "uninstall", "--platform", "darwin", "--account", "work");
    expect(removed.out).toContain("launchctl bootout gui/$(id -u)/dev.imessage-channel.gateway.work");
    expect(existsSync(plistPath)).toBe(false);
  });

  it("pins <stateDir>/config.json5 of the HOME it runs for when no other config exists", async () => {
    const stateConfig = join(home, ".imessage-channel", "config.json5");
    mkdirSync(join(home, ".imessage-channel"));
    writeFileSync(stateConfig, "{ channels: { imessage: { dmPolicy: 'pairing' } } }");
    const result = await run("service", "install", "--platform", "darwin", "--dry-run");
    expect(result.code).toBe(0);
    expect(result.out.replace(/>\s+</g, "><")).toContain(`<string>--config</string><string>${stateConfig}</string>`);
  });

  it("refuses an account the config does not declare, and a bad platform, with exit 2", async () => {
    writeFileSync(join(cwd, "imessage-channel.json5"), `{ channels: { imessage: { accounts: { work: {} } } } }`);
    const unknown = await run("service", "install", "--platform", "darwin", "--account", "home");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/home/);
    const platform = await run("service", "install", "--platform", "win32");
    expect(platform.code).toBe(2);
    expect(platform.err).toContain("--platform darwin or --platform linux");
  });
});
