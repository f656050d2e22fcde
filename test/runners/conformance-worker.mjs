// Runs the built conformance bundle inside a dedicated module Worker (same module graph as the
// page), streaming results to the page that started it (test/runners/conformance.html?worker=1).

import { runConformance } from '/dist/conformance.js';

self.onmessage = async ({ data }) => {
  try {
    const run = await runConformance({ filter: data.filter, onResult: (r) => self.postMessage({ type: 'result', result: r }) });
    self.postMessage({ type: 'done', run });
  } catch (e) {
    self.postMessage({ type: 'done', run: { error: String(e?.stack || e) } });
  }
};
