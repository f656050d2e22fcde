// BatchNorm backward reductions per channel and sample group of X, DY viewed as [n, C, L]:
// workgroup (c, g) writes SumDy[g*C + c] = Σ dy and SumDyXhat[g*C + c] = Σ dy·xhat over samples
// s in [g*spg, min(n, (g+1)*spg)) and all l, with xhat = (x - mean[c]) * invstd[c] from Stats.
// These are dbeta and dgamma (batch-summed with spg = n, per sample with spg = 1) and the two
// means the batch-statistics input gradient needs. Strided sequential sums then a fixed tree.
// Split under the loop budget (src/device/loop_budget.ts): workgroup y = part * groups + g sums
// the values [part*perPart, (part+1)*perPart) of its group into slot part * groups + g
// (partials that src/ops/batchnorm.ts adds in part order).

struct Params { n: u32, C: u32, L: u32, spg: u32, perPart: u32, groups: u32, pad0: u32, pad1: u32 }

@group(0) @binding(0) var<storage, read> DY: array<f32>;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> SumDy: array<f32>;
@group(0) @binding(4) var<storage, read_write> SumDyXhat: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

var<workgroup> partialDy: array<f32, 256>;
var<workgroup> partialDyXhat: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let c = wg.x;
  let group = wg.y % p.groups;
  let part = wg.y / p.groups;
  let s0 = group * p.spg;
  let count = min(p.spg, p.n - s0) * p.L;
  let begin = part * p.perPart;
  let end = min(count, begin + p.perPart);
  let mean = Stats[c];
  let invstd = Stats[p.C + c];
  var a = 0.0;
  var b = 0.0;
  for (var t = begin + tid; t < end; t = t + 256u) {
    let i = ((s0 + t / p.L) * p.C + c) * p.L + t % p.L;
    let dy = DY[i];
    a = a + dy;
    b = b + dy * (X[i] - mean) * invstd;
  }
  partialDy[tid] = a;
  partialDyXhat[tid] = b;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride = stride / 2u) {
    if (tid < stride) {
      partialDy[tid] = partialDy[tid] + partialDy[tid + stride];
      partialDyXhat[tid] = partialDyXhat[tid] + partialDyXhat[tid + stride];
    }
    workgroupBarrier();
  }
  if (tid == 0u) {
    SumDy[wg.y * p.C + c] = partialDy[0];
    SumDyXhat[wg.y * p.C + c] = partialDyXhat[0];
  }
}
