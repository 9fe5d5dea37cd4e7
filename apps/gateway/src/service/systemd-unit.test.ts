import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shutdownTimeoutMaximumSeconds } from "@imessage-channel/config";
import { afterAll, describe, expect, it } from "vitest";
import { serviceDefinition } from "./service-definition.ts";
import { quoteExecArgument, renderSystemdUnit, systemdBackoffMinimumVersion } from "./systemd-unit.ts";

const analyze = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
const systemdVersion = analyze.status === 0 ? Number(/^systemd (\d+)/.exec(analyze.stdout)?.[1]) : undefined;
const workDirectory = mkdtempSync(join(tmpdir(), "imessage-channel-unit-"));
afterAll(() => rmSync(workDirectory, { recursive: true, force: true }));

// Directory names with what systemd treats specially: spaces, % and $ (allowed in an executable's path),
// quotes and a backslash (allowed in arguments only).
const hostileDirectory = join(workDirectory, "odd dir 100% $HOME");
const quotedDirectory = join(workDirectory, `odd "q" 'a' \\n`);
mkdirSync(hostileDirectory, { recursive: true });
mkdirSync(quotedDirectory, { recursive: true });
const hostileNode = join(hostileDirectory, "node");
symlinkSync(process.execPath, hostileNode);

function render(accountId: string | undefined, version: number | undefined) {
  const definition = serviceDefinition({
    platform: "linux",
    homeDirectory: "/home/ada",
    stateDir: hostileDirectory,
    nodePath: hostileNode,
    cliPath: join(quotedDirectory, "imessage-channel.js"),
    accountId,
    configPath: join(hostileDirectory, "imessage-channel.json5"),
    searchPath: "/usr/local/bin:/usr/bin:/bin",
  });
  return { definition, text: renderSystemdUnit(definition, { systemdVersion: version }) };
}

/** A minimal INI reading of a unit: sections of key → values (keys may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const [index, line] of text.split("\n").entries()) {
    if (!line.trim() || line.startsWith("#")) continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1]!, current);
      continue;
    }
    const assignment = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!assignment || !current) throw new Error(`line ${index + 1} is neither a section nor key=value: ${line}`);
    current.set(assignment[1]!, [...(current.get(assignment[1]!) ?? []), assignment[2]!]);
  }
  return sections;
}

describe("renderSystemdUnit", () => {
  it("has the sections and keys a user unit needs: on-failure restarts with backoff, env, default.target", () => {
    const { definition, text } = render("work", undefined);
    expect(definition.filePath).toBe("/home/ada/.config/systemd/user/imessage-channel-work.service");
    const unit = parseUnit(text);
    expect([...unit.keys()]).toEqual(["Unit", "Service", "Install"]);
    const service = unit.get("Service")!;
    expect(service.get("Restart")).toEqual(["on-failure"]);
    expect(service.get("RestartSec")).toEqual(["5"]);
    expect(service.get("RestartSteps")).toEqual(["10"]);
    expect(service.get("RestartMaxDelaySec")).toEqual(["300"]);
    expect(service.get("Environment")).toEqual([
      quoteEnvironment(`IMESSAGE_CHANNEL_STATE_DIR=${hostileDirectory}`),
      quoteEnvironment("PATH=/usr/local/bin:/usr/bin:/bin"),
    ]);
    expect(service.get("ExecStart")?.[0]).toContain('"gateway" "--account" "work" "--config"');
    expect(unit.get("Install")!.get("WantedBy")).toEqual(["default.target"]);
    // systemd kills the unit this long after SIGTERM: the gateway's whole shutdown budget fits inside.
    expect(Number(service.get("TimeoutStopSec")?.[0])).toBeGreaterThan(shutdownTimeoutMaximumSeconds);
  });

  it("leaves out RestartSteps/RestartMaxDelaySec for a systemd older than 254", () => {
    const { text } = render(undefined, systemdBackoffMinimumVersion - 1);
    expect(text).not.toMatch(/RestartSteps|RestartMaxDelaySec/);
    expect(text).toMatch(/^RestartSec=5$/m);
  });

  it("refuses a Node path with a quote or backslash, which systemd would reject", () => {
    const definition = serviceDefinition({
      platform: "linux",
      homeDirectory: "/home/ada",
      stateDir: "/home/ada/.imessage-channel",
      nodePath: '/opt/"node"/bin/node',
      cliPath: "/opt/imessage-channel.js",
    });
    expect(() => renderSystemdUnit(definition)).toThrow(/refuses in an executable name/);
  });

  it("quotes ExecStart words so spaces, %, $, quotes and backslashes stay literal", () => {
    expect(quoteExecArgument(`/a b/100% $HOME "q" \\n`)).toBe(`"/a b/100%% $$HOME \\"q\\" \\\\n"`);
  });

  const verifyName =
    systemdVersion === undefined
      ? "parses as INI with ExecStart/Restart/WantedBy (systemd-analyze is not on this machine: INI check only)"
      : `passes systemd-analyze verify (systemd ${systemdVersion}), with no warning at all`;
  it(verifyName, () => {
    const { text } = render("work", systemdVersion);
    expect(text).toContain(
      `ExecStart="${hostileDirectory.replaceAll("%", "%%")}/node" "${quotedDirectory.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}`,
    );
    const unit = parseUnit(text);
    for (const key of ["ExecStart", "Restart", "RestartSec", "Environment"])
      expect(unit.get("Service")!.has(key)).toBe(true);
    console.info(`systemd unit validation: ${verifyName}`);
    if (systemdVersion === undefined) return;
    const unitPath = join(workDirectory, "imessage-channel-work.service");
    writeFileSync(unitPath, text);
    const runtimeDirectory = join(workDirectory, "runtime");
    mkdirSync(runtimeDirectory, { recursive: true, mode: 0o700 });
    const result = spawnSync("systemd-analyze", ["--user", "verify", unitPath], {
      encoding: "utf8",
      env: { ...process.env, XDG_RUNTIME_DIR: runtimeDirectory },
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    // The check can fail: a unit whose executable path was quoted wrongly is rejected.
    writeFileSync(unitPath, text.replace(/^ExecStart="[^"]*"/m, `ExecStart="${hostileDirectory}/nodes"`));
    const broken = spawnSync("systemd-analyze", ["--user", "verify", unitPath], {
      encoding: "utf8",
      env: { ...process.env, XDG_RUNTIME_DIR: runtimeDirectory },
    });
    expect(broken.status).not.toBe(0);
  });
});

function quoteEnvironment(assignment: string): string {
  return `"${assignment.replaceAll("%", "%%").replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}
