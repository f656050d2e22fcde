// dy for the tap-rows input gradient of the GEMM-core conv2d (src/ops/conv2d_im2col.ts): each sample's
// DY[s] [cout, plane] copied to Dyp[s] [coutP, planeP] (coutP, planeP: multiples of 4, zero-padded), so
// every line is whole vec4s, the B operand layout of gemm_block.wgsl. One invocation writes one vec4.
// 1-D work on a 2-D grid of 64-thread workgroups.

struct Params { cout: u32, plane: u32, coutP: u32, planeP4: u32, total: u32, rowStride: u32, pad0: u32, pad1: u32 }

@group(0) @binding(0) var<storage, read> DY: array<f32>;
@group(0) @binding(1) var<storage, read_write> Dyp: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.total) { return; }
  let q = (i % p.planeP4) * 4u;
  let line = i / p.planeP4;
  let c = line % p.coutP;
  let s = line / p.coutP;
  var v = vec4<f32>(0.0);
  if (c < p.cout) {
    let src = (s * p.cout + c) * p.plane + q;
    if (q < p.plane) { v.x = DY[src]; }
    if (q + 1u < p.plane) { v.y = DY[src + 1u]; }
    if (q + 2u < p.plane) { v.z = DY[src + 2u]; }
    if (q + 3u < p.plane) { v.w = DY[src + 3u]; }
  }
  Dyp[i] = v;
}
