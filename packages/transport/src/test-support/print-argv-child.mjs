// Prints its arguments as one JSON line, then exits.
process.stdout.write(`${JSON.stringify(process.argv.slice(2))}\n`);
