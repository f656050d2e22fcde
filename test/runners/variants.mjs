// Per-variant counts of a conformance run (cases name the program variants they select explicitly:
// `matmul/tiled`, `conv2d/implicit`, ...): printed by every conformance runner and by the summary.

/** Passed, failed and skipped cases per variant, variants sorted by name. */
export function variantCounts(results) {
  const counts = new Map();
  for (const r of results) {
    for (const v of r.variants ?? []) {
      const c = counts.get(v) ?? { passed: 0, failed: 0, skipped: 0 };
      c[r.status]++;
      counts.set(v, c);
    }
  }
  return [...counts.keys()].sort().map((variant) => ({ variant, ...counts.get(variant) }));
}

/** Lines `[label] variant: N passed[, N failed][, N skipped]`, then the adapter's program choice. */
export function variantLines(label, run) {
  const lines = variantCounts(run.results).map(
    ({ variant, passed, failed, skipped }) =>
      `[${label}] ${variant.padEnd(36)} ${passed} passed${failed ? `, ${failed} failed` : ''}${skipped ? `, ${skipped} skipped` : ''}`,
  );
  if (run.programLine) lines.push(`[${label}] ${run.programLine}`);
  return lines;
}
