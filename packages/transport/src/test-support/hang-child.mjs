// Prints a partial answer, then hangs like imsg stuck at a permission prompt (ignores SIGTERM as well).
process.stdout.write("partial\n");
process.on("SIGTERM", () => {});
process.stderr.on("error", () => process.exit(1));
setInterval(() => process.stderr.write("."), 100);
