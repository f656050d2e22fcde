// Adds partial results in a fixed order: Out[l] = Σ_{g=g0..g0+G-1} P[g*L + l] (g ascending),
// plus the old Out[l] when ACCUMULATE. Deterministic; used after split-K programs. The host runs
// passes of at most a loop budget of groups (src/ops/sum_partials.ts), later ones accumulating.
// 1-D work on a 2-D grid of 64-thread workgroups: l = gid.x + gid.y * rowStride.

override ACCUMULATE: bool = false;

struct Params { L: u32, G: u32, rowStride: u32, g0: u32 }

@group(0) @binding(0) var<storage, read> P: array<f32>;
@group(0) @binding(1) var<storage, read_write> Out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let l = gid.x + gid.y * p.rowStride;
  if (l >= p.L) { return; }
  var s = 0.0;
  for (var g = p.g0; g < p.g0 + p.G; g = g + 1u) { s = s + P[g * p.L + l]; }
  if (ACCUMULATE) { s = Out[l] + s; }
  Out[l] = s;
}
