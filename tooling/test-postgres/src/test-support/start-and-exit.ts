// A test process that starts a cluster, prints where it is, and then exits without stopping it (or, with `hang`,
// waits to be killed): the exit hook or the watchdog must stop the cluster.
import { startTestPostgres } from "../start-test-postgres.ts";

const cluster = await startTestPostgres();
process.stdout.write(`${JSON.stringify({ directory: cluster.directory, url: cluster.url })}\n`);
if (process.argv[2] === "hang") setInterval(() => {}, 60_000);
else process.exit(0);
