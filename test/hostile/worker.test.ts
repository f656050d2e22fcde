// The worker API under hostile use, over a Node worker_threads Worker running dist/worker.js:
// errors keep their code and details across the boundary; prototype keys and oversized requests
// are refused up front; an AbortSignal cancels a run (E_CANCELLED) and stops the worker; a worker
// that exits or is terminated rejects the pending run (E_WORKER_EXITED / E_CANCELLED), never hangs.

import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { NtkError } from '../../src/errors.js';
import { connectSession, runRemote, terminateSession } from '../../src/worker/client.js';
import type { PartialRecipe } from '../../src/run/recipe.js';
import type { SessionEvent } from '../../src/worker/session.js';

const SMALL: PartialRecipe = {
  data: { dataset: 'synthetic-clusters', trainSize: 200, validationSize: 20, testSize: 50 },
  model: { kind: 'mlp', hidden: [16] },
  training: { method: 'pgd', epochs: 3, batchSize: 50, logEvery: 1, attack: { eps: 0.1, steps: 3 }, validationPgdSteps: 2 },
  ntk: { enabled: true, probePerClass: 2, attackSteps: 2 },
};
const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

async function open() {
  const worker = new Worker(new URL('../../dist/worker.js', import.meta.url));
  workers.push(worker);
  return { worker, session: await connectSession(worker) };
}

/** Resolves with the rejection of `promise` within `ms` (a hang fails the test). */
async function rejection(promise: Promise<unknown>, ms: number): Promise<NtkError> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([
      promise.then(() => {
        throw new Error('resolved, expected a rejection');
      }),
      timeout,
    ]);
    throw new Error('unreachable');
  } catch (e) {
    if (!(e instanceof NtkError)) throw e;
    return e;
  } finally {
    clearTimeout(timer);
  }
}

describe('hostile worker requests', () => {
  it('errors cross the boundary as NtkError with code and details; prototype keys and oversized requests are refused up front', async () => {
    const { session } = await open();
    const events: SessionEvent[] = [];
    const bad = await rejection(
      runRemote(session, { training: { epochs: 0 } }, (e) => void events.push(e)),
      10_000,
    );
    expect(bad.code).toBe('E_INVALID_ARGUMENT');
    expect(bad.details).toMatchObject({ field: 'training.epochs' });
    expect(events).toEqual([expect.objectContaining({ type: 'error', code: 'E_INVALID_ARGUMENT', fatal: true })]);
    const proto = await rejection(
      runRemote(session, JSON.parse('{"__proto__": {"training": {"epochs": 1}}}'), () => undefined),
      10_000,
    );
    expect(proto.code).toBe('E_INVALID_ARGUMENT');
    expect(proto.message).toMatch(/"__proto__" is not allowed/);
    const start = Date.now();
    const huge = await rejection(
      runRemote(session, { data: { dataset: 'synthetic-shapes', trainSize: 1_000_000 } }, () => undefined),
      10_000,
    );
    expect(huge.code).toBe('E_RESOURCE_LIMIT');
    expect(huge.message).toMatch(/limit of \d+ pixels/);
    expect(Date.now() - start).toBeLessThan(10_000);
  });

  it('listeners that throw or reject (step, kernel) neither crash the host nor stop the run: non-fatal E_LISTENER events', async () => {
    const { session } = await open();
    const events: SessionEvent[] = [];
    const result = await runRemote(session, { ...SMALL, training: { ...SMALL.training, epochs: 1 } }, async (e) => {
      events.push(e);
      if (e.type === 'step') throw new Error('listener bug on step');
      if (e.type === 'kernel') await Promise.reject(new Error('listener bug on kernel'));
    });
    expect(result.evaluation.samples).toBe(50);
    const failures = events.filter((e) => e.type === 'error');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((e) => e.type === 'error' && e.code === 'E_LISTENER' && !e.fatal)).toBe(true);
    expect(events.at(-1)?.type).toBe('done');
  });

  it('an AbortSignal rejects a running request with E_CANCELLED at once; the worker stops after its current step and stays usable', async () => {
    const { session } = await open();
    const controller = new AbortController();
    const events: SessionEvent[] = [];
    let stopped!: () => void;
    const workerStopped = new Promise<void>((resolve) => {
      stopped = resolve;
    });
    const run = runRemote(
      session,
      SMALL,
      (e) => {
        events.push(e);
        if (e.type === 'step') controller.abort();
        if (e.type === 'error') stopped();
      },
      { signal: controller.signal },
    );
    const error = await rejection(run, 60_000);
    expect(error.code).toBe('E_CANCELLED');
    await workerStopped; // the session ended its run with an error event of its own
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'E_CANCELLED' });
    expect(events.filter((e) => e.type === 'epoch')).toHaveLength(0);
    const again = await rejection(
      runRemote(session, { training: { epochs: -1 } }, () => undefined),
      10_000,
    ); // still answering
    expect(again.code).toBe('E_INVALID_ARGUMENT');
  });

  it('terminateSession rejects the pending run with E_CANCELLED and ends the worker; a worker that exits gives E_WORKER_EXITED', async () => {
    const a = await open();
    const exited = new Promise<number>((resolve) => a.worker.once('exit', resolve));
    let terminating: Promise<void> | null = null;
    const pendingA = runRemote(a.session, SMALL, (e) => {
      if (e.type === 'data') terminating ??= terminateSession(a.session);
    });
    expect((await rejection(pendingA, 60_000)).code).toBe('E_CANCELLED');
    await terminating;
    await exited;
    expect(
      (
        await rejection(
          runRemote(a.session, SMALL, () => undefined),
          1000,
        )
      ).code,
    ).toBe('E_CANCELLED');
    // A worker that exits by itself (here a stand-in that never serves) while a run is pending.
    const dying = new Worker('setTimeout(() => process.exit(3), 300);', { eval: true });
    workers.push(dying);
    const pendingB = runRemote(await connectSession(dying), SMALL, () => undefined);
    const gone = await rejection(pendingB, 30_000);
    expect(gone.code).toBe('E_WORKER_EXITED');
    expect(gone.message).toMatch(/exited \(code 3\)/);
  });
});
