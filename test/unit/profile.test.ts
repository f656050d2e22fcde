// The per-command profile (src/device/profile.ts) on the Node adapter: the recorded commands of a
// piece of work are replayed exactly `replays` times each with their own params (an SGD step without
// momentum, replayed, moves the weights by (1 + replays) steps), grouped by op and by label, and nothing is
// recorded once the profile ends, also when the work throws.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gpu } from '../../src/device/gpu.js';
import { profileCommands, PROFILE_METHOD } from '../../src/device/profile.js';
import { createParameter, disposeParameter } from '../../src/nn/parameter.js';
import { createGpu } from '../../src/ops/program_choice.js';
import { Sgd } from '../../src/optim/sgd.js';
import { Tensor } from '../../src/tensor/tensor.js';

let gpu: Gpu;
beforeAll(async () => {
  gpu = await createGpu({ gemm: 'block' });
});
afterAll(() => gpu.destroy());

describe('profileCommands', () => {
  it('replays every recorded command `replays` times with its own params and sums by op', async () => {
    const n = 1000;
    const w = Float32Array.from({ length: n }, (_, i) => i / n);
    const params = [createParameter(gpu, 'w', w, [n], false), createParameter(gpu, 'b', w.subarray(0, 10), [10], true)];
    params.forEach((p) => {
      p.grad = Tensor.fromArray(gpu, new Float32Array(p.value.size).fill(1), p.value.shape);
    });
    const sgd = new Sgd(gpu, params, { lr: 0.125, momentum: 0, weightDecay: 0 });
    const a = Tensor.fromArray(gpu, new Float32Array(64 * 64).fill(1), [64, 64]);
    const profile = await profileCommands(
      gpu,
      async () => {
        sgd.step();
        gpu.zero(a.buffer, a.bytes);
      },
      3,
    );
    const got = await params[0].value.read();
    expect(got[500]).toBe(Math.fround(0.5 - 4 * 0.125)); // one step in the work, three replayed
    expect(profile.method).toBe(PROFILE_METHOD);
    expect(profile.ops.find((o) => o.op === 'clearBuffer')?.calls).toBe(1);
    const update = profile.ops.filter((o) => o.op.startsWith('sgd'));
    expect(update.length).toBeGreaterThan(0);
    expect(profile.ops.reduce((s, o) => s + o.share, 0)).toBeCloseTo(profile.commandsMs > 0 ? 1 : 0, 9);
    expect(profile.ops.every((o, i) => i === 0 || o.ms <= profile.ops[i - 1].ms)).toBe(true);
    expect(profile.workMs).toBeGreaterThan(0);
    const groups = profile.commandGroups;
    expect(groups.reduce((s, g) => s + g.calls, 0)).toBe(profile.ops.reduce((s, o) => s + o.calls, 0));
    expect(groups.reduce((s, g) => s + g.ms, 0)).toBeCloseTo(profile.commandsMs, 9);
    expect(groups.every((g, i) => i === 0 || g.ms <= groups[i - 1].ms)).toBe(true);
    expect(groups.find((g) => g.op === 'clearBuffer')?.calls).toBe(1);
    expect(gpu.recorder).toBeNull();
    sgd.dispose();
    params.forEach(disposeParameter);
    a.dispose();
  });

  it('rejects a replay count below 1 before running the work', async () => {
    let ran = false;
    await expect(
      profileCommands(
        gpu,
        async () => {
          ran = true;
        },
        0,
      ),
    ).rejects.toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(ran).toBe(false);
  });

  it('stops recording when the work throws', async () => {
    await expect(
      profileCommands(gpu, async () => {
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(gpu.recorder).toBeNull();
  });
});
