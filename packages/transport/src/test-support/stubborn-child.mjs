// Ignores stdin EOF and, with "ignore-term", SIGTERM too: only SIGKILL (or a broken stderr pipe) ends it.
// The stderr heartbeat makes an orphan die once its SSH session is gone, so tests leak no process.
process.stdin.resume();
process.stdin.on("end", () => {});
if (process.argv.includes("ignore-term")) process.on("SIGTERM", () => process.stdout.write("ignored SIGTERM\n"));
process.stderr.on("error", () => process.exit(1));
setInterval(() => process.stderr.write("."), 100);
process.stdout.write(`pid:${process.pid}\n`);
process.stdout.write("stubborn ready\n");
