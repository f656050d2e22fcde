// Device-layer conformance: adapter report, every shader compiled in an error scope, compile
// errors quoting the WGSL line, typed errors for bad input, buffer pool hygiene, WASM routines.

import { shaderCodes } from '../../src/device/dispatch.js';
import { createGpu } from '../../src/ops/program_choice.js';
import { SHADERS, type ShaderName } from '../../src/generated/shaders.js';
import { symmetryDefect, symmetrize } from '../../src/linalg/symmetric.js';
import { BINARY_OPS } from '../../src/ops/binary.js';
import { map, MAP_OPS } from '../../src/ops/map.js';
import { matmul } from '../../src/ops/matmul.js';
import type { Platform } from '../../src/platform/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assert, assertBitEqual, expectCode, randomF32 } from './check.js';
import { defineCase } from './harness.js';

const NORM = shaderCodes('attack_step').NORM; // the same NORM_* codes in apgd_step, fab_step and fab_keep
const AVERAGE = shaderCodes('batchnorm_update').AVERAGE;

/** Every override-constant variant the ops use, so each pipeline is compiled here first (codes from the shaders). */
const VARIANTS: Record<ShaderName, Array<Record<string, number | boolean>>> = {
  matmul: [
    { TRANS_A: false, TRANS_B: false },
    { TRANS_A: true, TRANS_B: false },
    { TRANS_A: false, TRANS_B: true },
    { TRANS_A: true, TRANS_B: true, ACCUMULATE: true },
  ],
  map: Object.values(MAP_OPS).map((op) => ({ OP: op })),
  reduce_sum: [{}, { MODE: shaderCodes('reduce_sum').MODE.square }, { MODE: shaderCodes('reduce_sum').MODE.nonFinite }],
  random_uniform: [{}],
  binary: Object.values(BINARY_OPS).flatMap((op) => [
    { OP: op, BROADCAST: false },
    { OP: op, BROADCAST: true },
  ]),
  channel_affine: [
    { HAS_SCALE: true, HAS_SHIFT: true },
    { HAS_SCALE: false, HAS_SHIFT: true },
    { HAS_SCALE: true, HAS_SHIFT: false },
  ],
  channel_sum: [{}, { ACCUMULATE: true }],
  column_sum: [{}, { ACCUMULATE: true }],
  softmax_cross_entropy: [{}],
  softmax_cross_entropy_backward: [{}],
  sgd_update: [
    { MOMENTUM: false, NESTEROV: false },
    { MOMENTUM: true, NESTEROV: false },
    { MOMENTUM: true, NESTEROV: true },
  ],
  grad_norm_scale: [{}],
  augment_crop_flip: [{}],
  attack_step: [
    { NORM: NORM.linf, PROJECT: true },
    { NORM: NORM.linf, PROJECT: false },
    { NORM: NORM.l2, PROJECT: true },
  ],
  attack_project_l2: [{}],
  attack_keep_worst: [{}],
  attack_targets: [{}],
  margin_loss: Object.values(shaderCodes('margin_loss').LOSS).flatMap((LOSS) => [
    { LOSS, GRAD: true },
    { LOSS, GRAD: false },
  ]),
  apgd_step: [{ NORM: NORM.linf }, ...Object.values(shaderCodes('apgd_step').PHASE).map((PHASE) => ({ NORM: NORM.l2, PHASE }))],
  apgd_track: Object.values(shaderCodes('apgd_track').MODE).map((MODE) => ({ MODE })),
  fab_step: [{ NORM: NORM.linf }, { NORM: NORM.l2 }],
  fab_keep: [{ NORM: NORM.linf }, { NORM: NORM.l2 }],
  apgd_copy: [{}],
  copy_columns: [{}],
  ntk_block_product_sum: [{}],
  ...convPoolBatchNormVariants(),
};

/** The conv2d, pooling and BatchNorm pipelines (every tile layout and switch combination). */
function convPoolBatchNormVariants() {
  // every tile layout with the default 3x3 stride-1 window, plus other windows (KH, KW, SH, SW)
  const windows = [
    { KH: 1, KW: 1, SH: 2, SW: 2 },
    { KH: 5, KW: 5, SH: 1, SW: 1 },
    { KH: 2, KW: 3, SH: 1, SW: 2 },
  ];
  const tiles = [...[4, 8, 16, 32, 64].map((TY) => ({ TY })), ...windows.map((w) => ({ TY: 16, ...w }))];
  const countIncludePad = [{ COUNT_INCLUDE_PAD: true }, { COUNT_INCLUDE_PAD: false }];
  const flags = (a: string, b: string) => [false, true].flatMap((x) => [false, true].map((y) => ({ [a]: x, [b]: y })));
  const gemmBlock = [
    ...flags('TRANS_B', 'ACCUMULATE').map((f) => ({ ...f, HAS_BIAS: false })),
    { TRANS_B: false, ACCUMULATE: false, HAS_BIAS: true },
  ];
  return {
    conv2d: tiles.flatMap((t) => [
      { ...t, HAS_BIAS: false },
      { ...t, HAS_BIAS: true },
    ]),
    conv2d_backward_input: tiles,
    conv2d_backward_input_direct: [{}],
    conv2d_backward_weight: tiles,
    conv2d_backward_weight_reduce: [{}],
    sum_partials: [{ ACCUMULATE: false }, { ACCUMULATE: true }],
    gemm_block: gemmBlock,
    gemm_block_texture: gemmBlock,
    gemm_pack: [{ TRANS: false }, { TRANS: true }],
    conv2d_im2col: [{ ONES_ROW: false }, { ONES_ROW: true }, ...windows],
    conv2d_transpose_dy: [{}],
    conv2d_pad_dy: [{}],
    conv2d_col2im: [{ RUN: 8 }, ...windows.map((w) => ({ ...w, RUN: 4 }))],
    max_pool2d: [
      { KH: 2, KW: 2, SH: 2, SW: 2 },
      { KH: 3, KW: 3, SH: 1, SW: 2 },
    ],
    max_pool2d_backward: [
      { KH: 2, KW: 2, SH: 2, SW: 2, MASK: false },
      { KH: 3, KW: 3, SH: 1, SW: 2, MASK: true },
    ],
    max_pool2d_backward_windows: [
      { KH: 2, KW: 2, SH: 2, SW: 2, MASK: false },
      { KH: 2, KW: 2, SH: 2, SW: 2, MASK: true },
    ],
    avg_pool2d: countIncludePad,
    avg_pool2d_backward: [...countIncludePad.map((c) => ({ ...c, MASK: false })), { COUNT_INCLUDE_PAD: true, MASK: true }],
    batchnorm_stats: [...flags('FROM_RUNNING', 'SPLIT')],
    batchnorm_stats_merge: [{}],
    batchnorm_update: [
      ...flags('UNBIASED', 'DEBIAS').map((f) => ({ AVERAGE: AVERAGE.ema, ...f })),
      { AVERAGE: AVERAGE.cumulative, UNBIASED: true, DEBIAS: false },
      { AVERAGE: AVERAGE.cumulative, UNBIASED: false, DEBIAS: false },
    ],
    batchnorm_apply: [{ AFFINE: true }, { AFFINE: false }],
    batchnorm_backward_reduce: [{}],
    batchnorm_backward_input: flags('AFFINE', 'BATCH_STATS'),
  };
}

defineCase('adapter report names a real WebGPU adapter', async ({ gpu }) => {
  const r = gpu.report;
  assert(r.description.length + r.device.length + r.vendor.length > 0, 'adapter report has no name');
  assert(r.limits.maxStorageBufferBindingSize >= 2 ** 27, `binding limit ${r.limits.maxStorageBufferBindingSize} < 128 MiB`);
  assert(r.limits.maxComputeInvocationsPerWorkgroup >= 256, 'the kernels need 256 invocations per workgroup');
});

defineCase('every shader compiles in a validation error scope', async ({ gpu, metric }) => {
  let count = 0;
  for (const name of Object.keys(SHADERS) as ShaderName[]) {
    for (const constants of VARIANTS[name]) {
      await gpu.compile(name, constants);
      count++;
    }
  }
  metric('pipelines', count);
});

defineCase('WGSL compile error quotes the offending line', async ({ gpu }) => {
  const code = '@compute @workgroup_size(1)\nfn main() {\n  let x: f32 = undefined_thing;\n}\n';
  const message = await expectCode('E_SHADER_COMPILE', () => gpu.compileSource('broken_example', code));
  assert(message.includes('broken_example.wgsl:3'), `message lacks file:line: ${message}`);
  assert(message.includes('undefined_thing'), `message does not quote the line: ${message}`);
  // An error inside an included file (appended by codegen after its marker) names that file and line.
  const included =
    '@compute @workgroup_size(1)\nfn main() {}\n\n// ---- shaders/lib/example.wgsl ----\n// header\nfn helper() -> f32 { return missing_name; }\n';
  const inLib = await expectCode('E_SHADER_COMPILE', () => gpu.compileSource('with_include', included));
  assert(inLib.includes('shaders/lib/example.wgsl:2'), `message does not name the included file and line: ${inLib}`);
});

defineCase('shape mismatch gives E_SHAPE_MISMATCH', async ({ gpu }) => {
  const a = Tensor.zeros(gpu, [3, 4]);
  const b = Tensor.zeros(gpu, [5, 2]);
  const message = await expectCode('E_SHAPE_MISMATCH', () => matmul(a, b));
  assert(message.includes('inner dimensions'), message);
  await expectCode('E_SHAPE_MISMATCH', () => Tensor.fromArray(gpu, [1, 2, 3], [2, 2]));
  await expectCode('E_INVALID_ARGUMENT', () => Tensor.zeros(gpu, [2, 0]));
  a.dispose();
  b.dispose();
});

defineCase('a buffer beyond the device limits gives E_BUFFER_TOO_LARGE', async ({ gpu }) => {
  const limit = gpu.limits.maxStorageBufferBindingSize;
  const message = await expectCode('E_BUFFER_TOO_LARGE', () => Tensor.empty(gpu, [Math.floor(limit / 4) + 1024]));
  assert(message.includes(String(limit)), `message does not name the limit: ${message}`);
});

defineCase('a missing adapter gives E_NO_ADAPTER with an install hint', async ({ gpu }) => {
  const none: Platform = { ...gpu.platform, requestAdapter: async () => null };
  const message = await expectCode('E_NO_ADAPTER', () => createGpu({ platform: none }));
  assert(message.includes(gpu.platform.installHint), 'hint missing');
  await expectCode('E_INVALID_ARGUMENT', () => createGpu({ adapter: 'no-such-adapter' as never }));
});

defineCase('use after dispose gives E_DISPOSED; pooled buffers are returned', async ({ gpu }) => {
  const before = gpu.pool.liveCount;
  const t = Tensor.fromArray(gpu, [1, 2, 3], [3]);
  const y = map(t, 'relu');
  t.dispose();
  await expectCode('E_DISPOSED', () => map(t, 'relu'));
  y.dispose();
  assert(gpu.pool.liveCount === before, `pool live count ${gpu.pool.liveCount} != ${before} after dispose`);
});

defineCase('WASM symmetric routines (float64)', async ({ output }) => {
  const n = 37;
  const r = Float64Array.from(randomF32(n * n, 9));
  const defect = await symmetryDefect(r, n);
  assert(defect > 0.01, `random matrix reported symmetric: ${defect}`);
  const s = await symmetrize(r, n);
  assert((await symmetryDefect(s, n)) === 0, 'symmetrize() result is not symmetric');
  const expected = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expected[i * n + j] = 0.5 * (r[i * n + j] + r[j * n + i]);
  assertBitEqual(s, expected, 'symmetrize vs (A + Aᵀ)/2');
  const bad = s.slice();
  bad[5] = NaN;
  assert(Number.isNaN(await symmetryDefect(bad, n)), 'NaN entry not reported');
  await expectCode('E_SHAPE_MISMATCH', () => symmetryDefect(s, n + 1));
  output('symmetrized', s, { mode: 'bitwise' });
});
