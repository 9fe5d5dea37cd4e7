// Writes the base64-encoded bytes given as argv[2] to stdout in the chunks given (comma-separated sizes), then exits.
const bytes = Buffer.from(process.argv[2], "base64");
const sizes = (process.argv[3] ?? String(bytes.length)).split(",").map(Number);
let offset = 0;
for (const size of sizes) {
  if (offset >= bytes.length) break;
  process.stdout.write(bytes.subarray(offset, offset + size));
  offset += size;
}
if (offset < bytes.length) process.stdout.write(bytes.subarray(offset));
