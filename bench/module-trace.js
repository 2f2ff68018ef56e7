// Module resolution hook for `node bench/profile.js modules`: prints every ES module
// resolved (`module <url>`), so start-up can be broken down by package. Loaded with
// --experimental-loader (Node 20 has no synchronous in-thread hooks).
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  process._rawDebug(`module ${result.url}`);
  return result;
}
