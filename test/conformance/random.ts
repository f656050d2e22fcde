// PRNG conformance: Philox4x32-10 known-answer vectors (Random123's kat_vectors), and the
// device generator bit-identical to the host generator in every runtime.

import { randomUniform } from '../../src/ops/random.js';
import { philox4x32 } from '../../src/random/philox.js';
import { Rng } from '../../src/random/rng.js';
import { assert, assertBitEqual } from './check.js';
import { defineCase } from './harness.js';

const KAT: Array<[number[], number[], number[]]> = [
  // counter, key, expected
  [
    [0, 0, 0, 0],
    [0, 0],
    [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
  ],
  [
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    [0xffffffff, 0xffffffff],
    [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  ],
  [
    [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    [0xa4093822, 0x299f31d0],
    [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  ],
];

defineCase('philox4x32-10 known-answer vectors', async () => {
  const out = new Uint32Array(4);
  for (const [c, k, expected] of KAT) {
    philox4x32(c[0], c[1], c[2], c[3], k[0], k[1], out);
    assertBitEqual(out, expected, `philox(${c.map((x) => x.toString(16))})`);
  }
});

defineCase('device uniform noise is bit-identical to the host generator', async ({ gpu, output }) => {
  const host = new Rng(20231204, 3);
  host.uniform(10); // start mid-stream
  const device = Rng.fromState(host.state());
  const expected = host.uniform(1000 + 3);
  const t = randomUniform(gpu, [1003], device);
  const got = await t.read();
  assertBitEqual(got, expected, 'device vs host uniforms');
  assert(device.state().position === host.state().position, 'device draw did not advance the generator like the host');
  output('u', got, { mode: 'bitwise' });
  t.dispose();
});

defineCase('host generator: permutation, normal moments, reproducible state', async ({ output }) => {
  const rng = new Rng(7);
  const p = rng.permutation(1000);
  assert(
    [...p].sort((a, b) => a - b).every((v, i) => v === i),
    'not a permutation',
  );
  const z = rng.normal(20000);
  const mean = z.reduce((a, b) => a + b, 0) / z.length;
  const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length;
  assert(Math.abs(mean) < 0.03 && Math.abs(variance - 1) < 0.05, `normal moments off: mean ${mean}, var ${variance}`);
  const again = new Rng(7);
  assertBitEqual(again.permutation(1000), p, 'same seed, same permutation');
  output('permutation', Float64Array.from(p), { mode: 'bitwise' });
  output('normal', z, { mode: 'bitwise' });
});
