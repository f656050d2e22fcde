// TrainingSession requests (pure TS, no device): defaults, and the typed error each bad request
// gets (reported as an `error` event and rethrown) before any Gpu or data work starts.

import { describe, expect, it } from 'vitest';
import { NtkError } from '../../src/errors.js';
import { DEFAULT_SESSION_REQUEST, resolveRequest, TrainingSession, type SessionEvent, type SessionRequest } from '../../src/worker/session.js';

function errorOf(request: Partial<SessionRequest>): NtkError {
  try {
    resolveRequest(request);
  } catch (e) {
    return e as NtkError;
  }
  throw new Error('no error thrown');
}

describe('TrainingSession requests', () => {
  it('fills defaults and keeps the given values', () => {
    const r = resolveRequest({ method: 'fgsm-rs', epochs: 3 });
    expect(r).toEqual({ ...DEFAULT_SESSION_REQUEST, method: 'fgsm-rs', epochs: 3 });
  });

  it.each([
    [{ method: 'sgd' as never }, 'method'],
    [{ epochs: 0 }, 'epochs'],
    [{ trainSize: 205 }, 'trainSize'],
    [{ heldOutSize: 0 }, 'heldOutSize'],
    [{ probePerClass: 30, heldOutSize: 200 }, 'probePerClass'],
    [{ eps: 1.5 }, 'eps'],
    [{ lr: 0 }, 'lr'],
    [{ hidden: [64, 0] }, 'hidden'],
    [{ data: { kind: 'cifar' } as never }, 'data.kind'],
    [{ adapter: 'cuda' as never }, 'adapter'],
  ])('rejects %j naming option %s', (request, option) => {
    const e = errorOf(request);
    expect(e).toBeInstanceOf(NtkError);
    expect(e.code).toBe('E_INVALID_ARGUMENT');
    expect(e.message).toContain(`"${option}"`);
  });

  it('rejects unknown request fields by name', () => {
    expect(errorOf({ epoch: 2 } as never).message).toContain('unknown option "epoch"');
  });

  it('run() reports a bad request as an error event and rethrows it', async () => {
    const events: SessionEvent[] = [];
    await expect(new TrainingSession().run({ batchSize: -1 }, (e) => void events.push(e))).rejects.toThrow(/E_INVALID_ARGUMENT.*batchSize/);
    expect(events).toEqual([{ type: 'error', code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('"batchSize"') }]);
  });
});
