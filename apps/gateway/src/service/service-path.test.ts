import { describe, expect, it } from "vitest";
import { programsByBareName, servicePath } from "./service-path.ts";

describe("service PATH", () => {
  it("puts Node's folder first, then the programs' own folders, then the system's, each once and in order", () => {
    expect(servicePath("darwin", "/opt/node/bin/node", ["/Users/me/tools", "/usr/bin", "/opt/node/bin"])).toBe(
      "/opt/node/bin:/Users/me/tools:/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
    );
    expect(servicePath("linux", "/usr/bin/node", [])).toBe("/usr/bin:/usr/local/bin:/bin");
  });

  it("names the programs started by bare name: local cliPaths, exec commands, ACP launchers; not paths or ssh accounts", () => {
    expect(
      programsByBareName({
        channels: {
          imessage: {
            accounts: {
              here: {},
              wrapper: { cliPath: "/usr/local/bin/imsg-over-ssh" },
              remote: { transport: "ssh", remoteHost: "bot@mac" },
            },
          },
        },
        agents: {
          list: [
            { id: "a", runtime: { type: "exec", command: ["my-agent"] } },
            { id: "b", runtime: { type: "exec", command: ["./agent.sh"] } },
            { id: "c", runtime: { type: "acp", acp: { agent: "codex" } } },
            { id: "d", runtime: { type: "acp", acp: { agent: "mystery" } } },
          ],
        },
      }),
    ).toEqual(["imsg", "my-agent", "npx"]);
  });
});
