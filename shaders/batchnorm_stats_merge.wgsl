// Combines the per-part statistics of batchnorm_stats.wgsl (SPLIT) into Stats[c] = mean,
// Stats[C + c] = 1/sqrt(var + eps), Stats[2C + c] = var, one thread per channel, parts in order:
// mean = Σ n_g·mean_g / N, then N·var = Σ (M2_g + n_g·(mean_g - mean)²) (the exact two-level
// form of the two-pass variance). Part g holds n_g = min(perPart, N - g·perPart) values.

struct Params { C: u32, parts: u32, perPart: u32, N: u32, eps: f32, pad0: u32, pad1: u32, pad2: u32 }

@group(0) @binding(0) var<storage, read> Parts: array<f32>;
@group(0) @binding(1) var<storage, read_write> Stats: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= p.C) { return; }
  var weighted = 0.0;
  for (var g = 0u; g < p.parts; g = g + 1u) {
    let ng = f32(min(p.perPart, p.N - g * p.perPart));
    weighted = weighted + ng * Parts[2u * g * p.C + c];
  }
  let mean = weighted / f32(p.N);
  var squares = 0.0;
  for (var g = 0u; g < p.parts; g = g + 1u) {
    let ng = f32(min(p.perPart, p.N - g * p.perPart));
    let d = Parts[2u * g * p.C + c] - mean;
    squares = squares + Parts[(2u * g + 1u) * p.C + c] + ng * d * d;
  }
  let variance = squares / f32(p.N);
  Stats[c] = mean;
  Stats[p.C + c] = 1.0 / sqrt(variance + p.eps);
  Stats[2u * p.C + c] = variance;
}
