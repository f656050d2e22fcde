// BatchNorm statistics per channel of X viewed as [n, C, L] (L = h*w for 2-D BN, 1 for 1-D):
// workgroup c writes Stats[c] = mean, Stats[C + c] = 1/sqrt(var + eps), Stats[2C + c] = var.
// FROM_RUNNING = false: batch statistics over the n*L values, two-pass (mean, then the mean of
// squared deviations: the biased variance used for normalisation), each pass a strided
// sequential sum per thread and a fixed binary tree: deterministic, no atomics.
// FROM_RUNNING = true: the running buffers' mean and variance (evaluation mode).
// SPLIT (more values per channel than one invocation's loop budget allows, src/device/loop_budget.ts):
// workgroup (c, part) takes values [part*perPart, min(n*L, (part+1)*perPart)) of the channel and
// writes that part's own mean and sum of squared deviations to Stats[(2*part)*C + c] and
// Stats[(2*part + 1)*C + c]; batchnorm_stats_merge.wgsl combines the parts in order.

override FROM_RUNNING: bool = false;
override SPLIT: bool = false;

struct Params { n: u32, C: u32, L: u32, eps: f32, perPart: u32, pad0: u32, pad1: u32, pad2: u32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> RunMean: array<f32>;
@group(0) @binding(2) var<storage, read> RunVar: array<f32>;
@group(0) @binding(3) var<storage, read_write> Stats: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

// Two separate arrays: workgroup memory is never rewritten after other threads read it. On
// llvmpipe (GL) a load whose value is used only after a barrier can be moved past it, so reusing
// one array for both passes lets threads read the second pass's partial sums as the mean.
var<workgroup> partialMean: array<f32, 256>;
var<workgroup> partialVar: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let c = wg.x;
  var mean = 0.0;
  var variance = 0.0;
  var squares = 0.0;
  if (FROM_RUNNING) {
    mean = RunMean[c];
    variance = RunVar[c];
  } else {
    let begin = wg.y * p.perPart;
    let end = min(p.n * p.L, begin + p.perPart);
    let count = end - begin;
    var s = 0.0;
    for (var t = begin + tid; t < end; t = t + 256u) { s = s + X[((t / p.L) * p.C + c) * p.L + t % p.L]; }
    partialMean[tid] = s;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride = stride / 2u) {
      if (tid < stride) { partialMean[tid] = partialMean[tid] + partialMean[tid + stride]; }
      workgroupBarrier();
    }
    mean = partialMean[0] / f32(count);
    var q = 0.0;
    for (var t = begin + tid; t < end; t = t + 256u) {
      let d = X[((t / p.L) * p.C + c) * p.L + t % p.L] - mean;
      q = q + d * d;
    }
    partialVar[tid] = q;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride = stride / 2u) {
      if (tid < stride) { partialVar[tid] = partialVar[tid] + partialVar[tid + stride]; }
      workgroupBarrier();
    }
    squares = partialVar[0];
    variance = squares / f32(count);
  }
  if (tid == 0u) {
    if (SPLIT) {
      Stats[2u * wg.y * p.C + c] = mean;
      Stats[(2u * wg.y + 1u) * p.C + c] = squares;
    } else {
      Stats[c] = mean;
      Stats[p.C + c] = 1.0 / sqrt(variance + p.eps);
      Stats[2u * p.C + c] = variance;
    }
  }
}
