// Per-channel sums of X viewed as [n, C, L] over groups of samples: workgroup (c, g) writes
// Out[g*C + c] = Σ X[s, c, l] over samples s in [g*spg, min(n, (g+1)*spg)) and all l.
// spg = n gives batch sums [C]; spg = 1 gives per-sample sums [n, C]. Each thread adds a
// strided slice in order, then a fixed binary tree: deterministic, no atomics.

struct Params { n: u32, C: u32, L: u32, spg: u32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let c = wg.x;
  let s0 = wg.y * p.spg;
  let count = min(p.spg, p.n - s0) * p.L;
  var s = 0.0;
  for (var t = tid; t < count; t = t + 256u) {
    s = s + X[((s0 + t / p.L) * p.C + c) * p.L + t % p.L];
  }
  partial[tid] = s;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride = stride / 2u) {
    if (tid < stride) { partial[tid] = partial[tid] + partial[tid + stride]; }
    workgroupBarrier();
  }
  if (tid == 0u) { Out[wg.y * p.C + c] = partial[0]; }
}
