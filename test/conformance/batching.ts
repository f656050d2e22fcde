// Command batching (src/device/gpu.ts): recorded dispatches, copies and clears keep their order
// with host writes and readbacks across many submissions; a failing command is a typed error
// naming it (alone with `sync`); a Gpu destroyed with commands still recorded is safe.

import { gpuSettled, type Gpu } from '../../src/device/gpu.js';
import { createGpu } from '../../src/ops/program_choice.js';
import { map, MAP_OPS } from '../../src/ops/map.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assert, assertBitEqual, expectCode } from './check.js';
import { defineCase } from './harness.js';

/** Records a dispatch that binds one buffer as both input and output: invalid in any batch. */
function conflictingDispatch(gpu: Gpu, t: Tensor, label: string): void {
  gpu.run({
    shader: 'map',
    label,
    constants: { OP: MAP_OPS.affine },
    bindings: { X: t, Y: t },
    params: { n: t.size, rowStride: 64, alpha: 1, beta: 0 },
    workgroups: [1],
  });
}

defineCase('batched commands keep their order with writes, copies, clears and readbacks', async ({ gpu }) => {
  const n = 1000;
  const ones = new Float32Array(n).fill(1);
  // a chain longer than several batches: x <- x + 1, each op reading the previous one's output
  let x = Tensor.fromArray(gpu, new Float32Array(n), [n]);
  const chain = 3 * gpu.submitEvery + 7;
  for (let i = 0; i < chain; i++) {
    const next = map(x, 'affine', 1, 1);
    x.dispose();
    x = next;
  }
  assertBitEqual(await x.read(), new Float32Array(n).fill(chain), 'chain of affine ops across batches');
  // a write issued while a dispatch that reads the buffer is still recorded must not overtake it
  const a = Tensor.fromArray(gpu, ones, [n]);
  const doubled = map(a, 'affine', 2, 0);
  gpu.write(a.buffer, 0, new Float32Array(n).fill(5));
  const after = map(a, 'affine', 2, 0);
  assertBitEqual(await doubled.read(), new Float32Array(n).fill(2), 'dispatch recorded before the write sees the old data');
  assertBitEqual(await after.read(), new Float32Array(n).fill(10), 'dispatch recorded after the write sees the new data');
  // a buffer handed back while a recorded dispatch still reads it, reused by a fresh upload
  const b = Tensor.fromArray(gpu, ones, [n]);
  const fromB = map(b, 'affine', 3, 0);
  b.dispose();
  const reused = Tensor.fromArray(gpu, new Float32Array(n).fill(7), [n]);
  assertBitEqual(await fromB.read(), new Float32Array(n).fill(3), 'dispatch reading a buffer released and rewritten after it');
  assertBitEqual(await reused.read(), new Float32Array(n).fill(7), 'the upload into the reused buffer');
  // copies and clears between dispatches
  const c = map(after, 'affine', 1, 1); // 11
  gpu.zero(after.buffer, after.bytes);
  const d = map(after, 'affine', 1, 1); // 1
  gpu.copy(c.buffer, 0, d.buffer, 0, 8);
  const e = map(d, 'affine', 1, 0);
  const expected = new Float32Array(n).fill(1);
  expected[0] = expected[1] = 11;
  assertBitEqual(await e.read(), expected, 'dispatch, clear, dispatch, copy, dispatch');
  [x, a, doubled, after, fromB, reused, c, d, e].forEach((t) => t.dispose());
});

defineCase('a failing command in a batch is E_GPU_VALIDATION naming it; with sync it is named alone', async ({ gpu }) => {
  const t = Tensor.fromArray(gpu, [1, 2, 3, 4], [4]);
  const good = map(t, 'relu');
  conflictingDispatch(gpu, t, 'deliberately invalid dispatch');
  const batched = await expectCode('E_GPU_VALIDATION', () => gpu.checkErrors());
  assert(batched.includes('deliberately invalid dispatch'), `message does not name the failing op: ${batched}`);
  // the next batch works again
  const y = map(t, 'affine', 2, 0);
  assertBitEqual(await y.read(), Float32Array.of(2, 4, 6, 8), 'a batch after the failed one');
  [good, y].forEach((u) => u.dispose());
  t.dispose();

  const sync = await createGpu({ adapter: gpu.report.choice, sync: true });
  try {
    const s = Tensor.fromArray(sync, [1, 2, 3, 4], [4]);
    map(s, 'relu').dispose();
    conflictingDispatch(sync, s, 'the one invalid dispatch');
    map(s, 'relu').dispose();
    const alone = await expectCode('E_GPU_VALIDATION', () => sync.checkErrors());
    assert(alone.startsWith('[E_GPU_VALIDATION] the one invalid dispatch:'), `sync mode should name the op alone: ${alone}`);
    s.dispose();
  } finally {
    sync.destroy();
  }
});

defineCase('destroying a Gpu with commands still recorded is safe', async ({ gpu }) => {
  const other = await createGpu({ adapter: gpu.report.choice });
  const t = Tensor.fromArray(other, new Float32Array(4096).fill(1), [4096]);
  const y = map(t, 'exp');
  t.dispose(); // its buffer is back in the pool, which destroy() frees after submitting the batch
  other.destroy();
  await expectCode('E_DEVICE_LOST', () => map(y, 'relu'));
  await gpuSettled();
});
