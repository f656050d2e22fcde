// BatchNorm normalisation, elementwise over X viewed as [n, C, L]:
// Y = (X - mean[c]) * invstd[c] * gamma[c] + beta[c] (gamma = 1, beta = 0 unless AFFINE), with
// mean and invstd from Stats (batchnorm_stats.wgsl). 1-D work on a 2-D grid: i = gid.x + gid.y * rowStride.

override AFFINE: bool = true;

struct Params { total: u32, C: u32, L: u32, rowStride: u32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Stats: array<f32>;
@group(0) @binding(2) var<storage, read> Gamma: array<f32>;
@group(0) @binding(3) var<storage, read> Beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.total) { return; }
  let c = (i / p.L) % p.C;
  var y = (X[i] - Stats[c]) * Stats[p.C + c];
  if (AFFINE) { y = y * Gamma[c] + Beta[c]; }
  Y[i] = y;
}
