// One fresh Node process per client for the RSS figure, so neither side's heap, modules or JIT code is counted for
// the other: `node --conditions=@imessage-channel/source rss-child.ts ours|reference <imsg> <count> [install]` streams
// `count` notifications through that side's client and prints `{"rssBytes":…}` on stdout. Each side loads its client
// only: ours rpc-client and transport, the reference the chunk that declares createIMessageRpcClient and its imports.
const [side, cliPath, countText, installDirectory] = process.argv.slice(2);
const count = Number(countText);
if ((side !== "ours" && side !== "reference") || !cliPath || !Number.isInteger(count) || count < 2) {
  console.error("rss-child: usage: rss-child.ts ours|reference <imsg path> <count ≥ 2> [install dir]");
  process.exit(2);
}
if (side === "ours") {
  const { ourInboundRate } = await import("./inbound-ours.ts");
  await ourInboundRate(cliPath, count);
} else {
  if (!installDirectory) {
    console.error("rss-child: the reference side needs its install folder");
    process.exit(2);
  }
  const { loadReferenceClient } = await import("./reference.ts");
  const { referenceInboundRate } = await import("./inbound-reference.ts");
  await referenceInboundRate(await loadReferenceClient(installDirectory), cliPath, count);
}
process.stdout.write(`${JSON.stringify({ rssBytes: process.memoryUsage.rss() })}\n`);
process.exit(0);
