// A test process that starts a cluster, prints where it is, and exits without stopping it: the exit hook must.
import { startTestPostgres } from "../start-test-postgres.ts";

const cluster = await startTestPostgres();
process.stdout.write(`${JSON.stringify({ directory: cluster.directory, url: cluster.url })}\n`);
process.exit(0);
