import { packageProject } from "@imessage-channel/vitest-config";

export default packageProject(import.meta.dirname, {
  tags: [
    {
      name: "slow",
      description: "spawns real imsg-sim and pass child processes; skip with --tags-filter='!slow' for a fast loop",
    },
  ],
});
