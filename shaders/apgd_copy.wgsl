// APGD's row copies on [n, d], one thread per element, as FLAGS[s] (apgd_track.wgsl) says, in
// this order: 1 X, G -> XBEST, GBEST; 2 X -> XADV; 4 XBEST, GBEST -> X, G; 8 XBEST -> XADV.

struct Params { n: u32, d: u32, rowStride: u32, pad: u32 }

@group(0) @binding(0) var<storage, read> FLAGS: array<u32>;
@group(0) @binding(1) var<storage, read_write> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> G: array<f32>;
@group(0) @binding(3) var<storage, read_write> XBEST: array<f32>;
@group(0) @binding(4) var<storage, read_write> GBEST: array<f32>;
@group(0) @binding(5) var<storage, read_write> XADV: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n * p.d) { return; }
  let f = FLAGS[i / p.d];
  if (f == 0u) { return; }
  if ((f & 1u) != 0u) { XBEST[i] = X[i]; GBEST[i] = G[i]; }
  if ((f & 2u) != 0u) { XADV[i] = X[i]; }
  if ((f & 4u) != 0u) { X[i] = XBEST[i]; G[i] = GBEST[i]; }
  if ((f & 8u) != 0u) { XADV[i] = XBEST[i]; }
}
