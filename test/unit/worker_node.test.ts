// The comlink session API across a Node worker_threads Worker running the built dist/worker.js:
// the same bundle as in browsers and Deno, with the platform supplying the Node endpoint.

import { Worker } from 'node:worker_threads';
import { expect, it } from 'vitest';
import { connectSession, runRemote } from '../../src/worker/client.js';
import type { SessionEvent } from '../../src/worker/session.js';

it('runs a training session in a worker_threads Worker and streams its events back', async () => {
  const worker = new Worker(new URL('../../dist/worker.js', import.meta.url));
  try {
    const events: SessionEvent[] = [];
    const session = await connectSession(worker);
    const evaluation = await runRemote(session, { method: 'fgsm-rs', epochs: 1, trainSize: 200, heldOutSize: 100, probePerClass: 2, hidden: [16] },
      (e) => void events.push(e));
    const types = new Set(events.map((e) => e.type));
    for (const t of ['adapter', 'data', 'step', 'epoch', 'kernel', 'done']) expect(types.has(t as SessionEvent['type']), t).toBe(true);
    expect(evaluation.samples).toBe(100);
    expect(Object.keys(evaluation.accuracy)).toContain('clean');
    await expect(runRemote(session, { epochs: 0 }, () => undefined)).rejects.toThrow(/E_INVALID_ARGUMENT.*epochs/);
  } finally {
    await worker.terminate();
  }
});
