// Deterministic row sums, one pass: X is [rows, n]; workgroup (g, r) sums elements
// [g*1024, (g+1)*1024) of row rowOffset + r into Out[(rowOffset + r) * groups + g].
// Each thread adds 4 strided elements in order, then a fixed binary tree in workgroup memory:
// the same inputs give the same bits on a given adapter. Repeat passes until groups == 1.
// MODE (first pass only) transforms each element as it is loaded (the MODE_* constants are the
// table, REDUCE_MODES in src/ops/reduce.ts): x, x * x, or 1 if x is NaN or +-Inf (exponent bits all
// ones, robust to fast-math) else 0.

override MODE: u32 = 0u;

const MODE_SUM = 0u;
const MODE_SQUARE = 1u;
const MODE_NON_FINITE = 2u;

struct Params { n: u32, groups: u32, rowOffset: u32, pad: u32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

var<workgroup> partial: array<f32, 256>;

fn load(i: u32) -> f32 {
  let x = X[i];
  switch MODE {
    case MODE_SQUARE: { return x * x; }
    case MODE_NON_FINITE: { return select(0.0, 1.0, (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u); }
    case MODE_SUM: { return x; }
    default: { return x; }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = p.rowOffset + wg.y;
  let start = wg.x * 1024u;
  var s = 0.0;
  for (var k = 0u; k < 4u; k = k + 1u) {
    let i = start + lid.x + k * 256u;
    if (i < p.n) { s = s + load(row * p.n + i); }
  }
  partial[lid.x] = s;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride = stride / 2u) {
    if (lid.x < stride) { partial[lid.x] = partial[lid.x] + partial[lid.x + stride]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { Out[row * p.groups + wg.x] = partial[0]; }
}
