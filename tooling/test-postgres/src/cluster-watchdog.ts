// Stops one test cluster when the process that started it is gone, however it went (exit, SIGKILL, a test
// runner killing its worker): `node cluster-watchdog.ts <pg_ctl> <dataDir> <directory> [uid gid]`, spawned with a
// pipe on stdin that only the starting process holds. The pipe's end is the signal.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";

const [pgCtl, dataDir, directory, uid, gid] = process.argv.slice(2);
if (pgCtl === undefined || dataDir === undefined || directory === undefined) {
  process.stderr.write("usage: cluster-watchdog <pg_ctl> <dataDir> <directory> [uid gid]\n");
  process.exit(2);
}

const stopCluster = () => {
  spawnSync(pgCtl, ["stop", "-D", dataDir, "-m", "immediate", "-w", "-s"], {
    cwd: "/",
    stdio: "ignore",
    ...(uid !== undefined && gid !== undefined ? { uid: Number(uid), gid: Number(gid) } : {}),
  });
  rmSync(directory, { recursive: true, force: true });
  process.exit(0);
};

process.stdin.on("data", () => {});
process.stdin.once("end", stopCluster);
process.stdin.once("close", stopCluster);
process.stdin.once("error", stopCluster);
