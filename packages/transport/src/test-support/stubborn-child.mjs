// Ignores stdin EOF and, with "ignore-term", SIGTERM too: only SIGKILL ends it.
process.stdin.resume();
process.stdin.on("end", () => {});
if (process.argv.includes("ignore-term")) process.on("SIGTERM", () => process.stdout.write("ignored SIGTERM\n"));
setInterval(() => {}, 1000);
process.stdout.write("stubborn ready\n");
