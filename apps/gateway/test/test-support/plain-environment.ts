/** npm settings a machine may need to reach its registry; the run's other `npm_*` variables are not npm's business. */
const npmSettings = new Set([
  "registry",
  "cache",
  "userconfig",
  "proxy",
  "https_proxy",
  "noproxy",
  "cafile",
  "strict_ssl",
]);

/**
 * The environment of a shell outside this test run: without the npm/pnpm script variables, Node options and vitest
 * variables of the run that started vitest, so a child npm, pnpm or CLI behaves as it would for a user.
 */
export function plainEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === "NODE_OPTIONS" || key === "NODE_PATH" || key.startsWith("VITEST")) continue;
    const lower = key.toLowerCase();
    if (lower.startsWith("pnpm_")) continue;
    if (lower.startsWith("npm_") && !npmSettings.has(lower.slice(4).replace(/^config_/, ""))) continue;
    env[key] = value;
  }
  return env;
}
