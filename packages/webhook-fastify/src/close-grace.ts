/**
 * The close grace that fits inside Fastify's `pluginTimeout`. Fastify runs each `preClose`
 * hook under that timeout and makes `app.close()` fail (`FST_ERR_HOOK_TIMEOUT`, and an
 * unhandled rejection exits the process) when a hook outlives it. The grace keeps a margin of a
 * quarter of the timeout, at most 1 s, for the work after it (answering open requests).
 *
 * @param closeGraceMs The grace the user asked for.
 * @param pluginTimeout Fastify's `pluginTimeout` (`0` or less: no timeout).
 * @returns The grace to use: `closeGraceMs`, or less when the timeout demands it.
 */
export function closeGraceWithin(closeGraceMs: number, pluginTimeout: number | undefined): number {
  if (pluginTimeout === undefined || !Number.isFinite(pluginTimeout) || pluginTimeout <= 0)
    return closeGraceMs;
  const margin = Math.min(1000, Math.ceil(pluginTimeout / 4));
  return Math.max(0, Math.min(closeGraceMs, pluginTimeout - margin));
}
