import { packageProject } from "@imessage-channel/vitest-config";

export default packageProject(import.meta.dirname, {
  tags: [
    {
      name: "slow",
      description: "starts a real OpenSSH sshd on loopback; skip with --tags-filter='!slow' for a fast loop",
    },
  ],
});
