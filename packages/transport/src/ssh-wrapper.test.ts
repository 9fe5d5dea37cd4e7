import { describe, expect, it } from "vitest";
import { inspectSshWrapper, parseSshWrapper } from "./ssh-wrapper.ts";

describe("parseSshWrapper", () => {
  it("finds the host of the reference wrapper", () => {
    expect(parseSshWrapper('#!/usr/bin/env bash\nexec ssh -T gateway-host imsg "$@"\n')).toEqual({
      remoteHost: "gateway-host",
      user: undefined,
      host: "gateway-host",
      port: undefined,
      identityFile: undefined,
      remoteCommand: ["imsg", "$@"],
    });
  });

  it.each([
    [
      "user@host with port and identity",
      'exec ssh -T -p 2222 -i ~/.ssh/mac_key bot@mac.local imsg "$@"',
      "bot@mac.local",
      2222,
      "~/.ssh/mac_key",
    ],
    [
      "attached option values and a flag cluster",
      'exec ssh -Tqp2222 -i/keys/k bot@mac imsg "$@"',
      "bot@mac",
      2222,
      "/keys/k",
    ],
    ["-o Opt=val forms", 'exec ssh -o BatchMode=yes -oPort=2200 -o IdentityFile=/k mac imsg "$@"', "mac", 2200, "/k"],
    [
      "-o 'Opt val' quoted with a space",
      'exec ssh -o \'Port 2201\' -o "User bot" mac imsg "$@"',
      "bot@mac",
      2201,
      undefined,
    ],
    ["-l user", 'exec ssh -l bot -T mac imsg "$@"', "bot@mac", undefined, undefined],
    [
      "an absolute ssh path",
      'exec /usr/bin/ssh -T bot@mac /opt/homebrew/bin/imsg "$@"',
      "bot@mac",
      undefined,
      undefined,
    ],
    [
      "line continuations",
      'exec ssh \\\n  -T \\\n  -p 2222 \\\n  bot@mac \\\n  imsg "$@"\n',
      "bot@mac",
      2222,
      undefined,
    ],
    ["a quoted destination", "exec ssh -T 'bot@mac' imsg \"$@\"", "bot@mac", undefined, undefined],
    ["a double-quoted destination", 'exec "ssh" -T "bot@mac" imsg "$@"', "bot@mac", undefined, undefined],
    ["options after the destination", 'exec ssh bot@mac -p 2022 -T imsg "$@"', "bot@mac", 2022, undefined],
    ["an ssh:// URI", 'exec ssh -T ssh://bot@mac:2023 imsg "$@"', "bot@mac", 2023, undefined],
    ["-- before the destination", 'exec ssh -T -- mac imsg "$@"', "mac", undefined, undefined],
    [
      "env assignments and comments",
      '#!/bin/sh\n# connects to the mac\nset -eu\nLC_ALL=C exec ssh -T mac imsg "$@" # trailing comment\n',
      "mac",
      undefined,
      undefined,
    ],
    ["an IPv6 destination", 'exec ssh -T bot@[2001:db8::7] imsg "$@"', "bot@[2001:db8::7]", undefined, undefined],
    ["the first -p wins, as in OpenSSH", 'exec ssh -p 2000 -o Port=3000 mac imsg "$@"', "mac", 2000, undefined],
    ["user@host wins over a later -l", 'exec ssh bot@mac -l other imsg "$@"', "bot@mac", undefined, undefined],
    ["two ssh lines to the same host", 'ssh mac true || exit 1\nexec ssh mac imsg "$@"', "mac", undefined, undefined],
  ])("reads %s", (_name, script, remoteHost, port, identityFile) => {
    const target = parseSshWrapper(script);
    expect(target).toMatchObject({ remoteHost, port, identityFile });
  });

  it("keeps the remote command words", () => {
    expect(
      parseSshWrapper("exec ssh -T mac /usr/local/bin/imsg rpc --db '/Users/bot/Library/Messages/chat.db'")
        ?.remoteCommand,
    ).toEqual(["/usr/local/bin/imsg", "rpc", "--db", "/Users/bot/Library/Messages/chat.db"]);
  });

  it.each([
    ["no ssh at all", 'exec /usr/local/bin/imsg "$@"'],
    ["an empty script", ""],
    ["a destination from a variable", 'HOST=mac\nexec ssh -T "$HOST" imsg "$@"'],
    ["a destination from command substitution", 'exec ssh -T $(cat ~/.mac-host) imsg "$@"'],
    ["a jump host", 'exec ssh -J bastion -T mac imsg "$@"'],
    ["a ProxyCommand", 'exec ssh -o ProxyCommand="nc %h %p" mac imsg "$@"'],
    ["a HostName override", 'exec ssh -o HostName=10.0.0.5 mac imsg "$@"'],
    ["a config file", 'exec ssh -F ~/.ssh/other mac imsg "$@"'],
    ["two different hosts", 'ssh mac-a true\nexec ssh mac-b imsg "$@"'],
    ["an unknown option", 'exec ssh -Z mac imsg "$@"'],
    ["a non-numeric port", 'exec ssh -p "$PORT" mac imsg "$@"'],
    ["an out-of-range port", 'exec ssh -p 70000 mac imsg "$@"'],
    ["only options", "exec ssh -T -p 22"],
    ["a destination with shell metacharacters", "exec ssh 'mac;id' imsg"],
    ["an unterminated quote", "exec ssh -T 'mac imsg"],
    ["a word mentioning ssh that is not a command", 'echo "use ssh mac"'],
    ["all arguments forwarded", 'exec ssh "$@"'],
  ])("returns undefined for %s", (_name, script) => {
    expect(parseSshWrapper(script)).toBeUndefined();
  });
});

describe("inspectSshWrapper", () => {
  it("reads the reference wrapper as a target", () => {
    expect(inspectSshWrapper('#!/usr/bin/env bash\nexec ssh -T gateway-host imsg "$@"\n')).toEqual({
      kind: "target",
      target: {
        remoteHost: "gateway-host",
        user: undefined,
        host: "gateway-host",
        port: undefined,
        identityFile: undefined,
        remoteCommand: ["imsg", "$@"],
      },
    });
  });

  it("says none for a script that never runs ssh", () => {
    expect(inspectSshWrapper('#!/bin/sh\n# ssh is not used here\nexec /usr/local/bin/imsg "$@"\n')).toEqual({
      kind: "none",
    });
    expect(inspectSshWrapper('echo "use ssh mac"')).toEqual({ kind: "none" });
  });

  it.each([
    ["a jump host with -J", 'exec ssh -J bastion -T mac imsg "$@"', "the ssh command uses a jump host (-J bastion)"],
    [
      "a jump host with -o ProxyJump=",
      'exec ssh -o ProxyJump=bastion mac imsg "$@"',
      "the ssh command uses a jump host (-o ProxyJump=bastion)",
    ],
    [
      "two different destinations",
      'ssh mac-a true\nexec ssh mac-b imsg "$@"',
      "it runs ssh to two different destinations (mac-a and mac-b)",
    ],
    [
      "the same host on two ports",
      'ssh -p 2222 mac true\nexec ssh mac imsg "$@"',
      "it runs ssh to two different destinations (mac port 2222 and mac)",
    ],
    [
      "a destination from a variable",
      'HOST=mac\nexec ssh -T "$HOST" imsg "$@"',
      'the ssh command takes its destination from a variable or command substitution ("$HOST")',
    ],
    [
      "all arguments forwarded",
      'exec ssh "$@"',
      'the ssh command takes its destination from a variable or command substitution ("$@")',
    ],
    [
      "a ProxyCommand",
      'exec ssh -o ProxyCommand="nc %h %p" mac imsg',
      "the ssh command uses a proxy command (-o ProxyCommand=nc %h %p)",
    ],
    [
      "a config file",
      "exec ssh -F ~/.ssh/other mac imsg",
      "the ssh command reads an ssh config file (-F ~/.ssh/other)",
    ],
    ["an unknown option", "exec ssh -Z mac imsg", "the ssh command uses an option this reader does not know (-Z)"],
    ["an out-of-range port", "exec ssh -p 70000 mac imsg", "the ssh command has a port outside 1..65535 (70000)"],
    ["only options", "exec ssh -T -p 22", "the ssh command names no destination"],
    [
      "a jump host inside if/then",
      'if true; then exec ssh -J bastion mac imsg "$@"; fi',
      "the ssh command uses a jump host (-J bastion)",
    ],
  ])("says ambiguous, with the reason, for %s", (_name, script, reason) => {
    expect(inspectSshWrapper(script)).toEqual({ kind: "ambiguous", reason });
  });
});
