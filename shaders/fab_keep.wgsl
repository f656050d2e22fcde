// FAB-T's bookkeeping after a step, one workgroup per sample: where the moved point X1 is
// misclassified (CORRECT 0) and the sample not misclassified clean (DIST 0), its NORM distance t
// to X0 replaces the kept one if smaller (DIST <- t, BEST row <- X1 row), and X1 backtracks to
// x0 + beta·(x1 − x0), BACKTRACKED 1 (else 0). 8 threads per sample; the distance is added
// (maximised) in index order by every thread.

override NORM: u32 = 0u;

const NORM_LINF = 0u; // the NORM codes the op reads (Norm, src/ops/attack_step.ts)
const NORM_L2 = 1u;

struct Params { n: u32, d: u32, perThread: u32, beta: f32 }

@group(0) @binding(0) var<storage, read> X0: array<f32>;
@group(0) @binding(1) var<storage, read> CORRECT: array<f32>;
@group(0) @binding(2) var<storage, read_write> DIST: array<f32>;
@group(0) @binding(3) var<storage, read_write> BEST: array<f32>;
@group(0) @binding(4) var<storage, read_write> X1: array<f32>;
@group(0) @binding(5) var<storage, read_write> BACKTRACKED: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;

const WG: u32 = 8u;
var<workgroup> partials: array<f32, 8>;

@compute @workgroup_size(8)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
  let i = wg.x;
  let lid = lid3.x;
  let row = i * p.d;
  let kept = DIST[i];
  let broken = CORRECT[i] != 1.0 && kept != 0.0;
  var s = 0.0;
  for (var j = 0u; j < p.perThread; j = j + 1u) {
    let c = lid + j * WG;
    if (c < p.d) {
      let v = abs(X1[row + c] - X0[row + c]);
      s = select(s + v * v, max(s, v), NORM == NORM_LINF);
    }
  }
  partials[lid] = s;
  workgroupBarrier();
  var t = partials[0];
  for (var k = 1u; k < WG; k = k + 1u) { t = select(t + partials[k], max(t, partials[k]), NORM == NORM_LINF); }
  t = select(sqrt(t), t, NORM == NORM_LINF);
  if (lid == 0u) { BACKTRACKED[i] = select(0.0, 1.0, broken); }
  if (!broken) { return; }
  let closer = t < kept;
  if (closer && lid == 0u) { DIST[i] = t; }
  for (var j = 0u; j < p.perThread; j = j + 1u) {
    let c = lid + j * WG;
    if (c < p.d) {
      let k = row + c;
      if (closer) { BEST[k] = X1[k]; }
      X1[k] = X0[k] + p.beta * (X1[k] - X0[k]);
    }
  }
}
