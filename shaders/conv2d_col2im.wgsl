// The input gradient of the GEMM-core conv2d path (src/ops/conv2d_im2col.ts), second step: the GEMM
// gives each sample's dCol, the gradient of its im2col operand (K = cin*KH*KW taps k = (ci, ky, kx)
// by oh*ow pixels), stored tap-major (dCol[s] [K, oh*ow] = Wᵀ·dY[s], kStride = oh*ow, pStride = 1) or
// pixel-major (dColᵀ[s] [oh*ow, K] = dY[s]ᵀ·W, kStride = 1, pStride = K); here each input element
// gathers its taps: dX[s0 + s, ci, y, x] = Σ_{ky, kx} dCol[s][(ci, ky, kx)][oy*ow + ox] over the
// windows that cover it (oy*SH + ky - ph = y, ox*SW + kx - pw = x, inside the output), in (ky, kx)
// order: deterministic. One invocation computes a run of RUN elements of one input row, sharing its
// index arithmetic; the window is compile-time (override constants), one pipeline per window shape.
// Loops: RUN·KH·KW iterations at most (the host keeps it in budget). 1-D work on a 2-D grid of
// 64-thread workgroups.

override KH: u32 = 3u;
override KW: u32 = 3u;
override SH: u32 = 1u;
override SW: u32 = 1u;
override RUN: u32 = 8u;

struct Params {
  n: u32, cin: u32, h: u32, w: u32,
  ph: u32, pw: u32, oh: u32, ow: u32,
  s0: u32, rowStride: u32, total: u32, runs: u32,
  kStride: u32, pStride: u32, pad0: u32, pad1: u32,
}

@group(0) @binding(0) var<storage, read> DCol: array<f32>;
@group(0) @binding(1) var<storage, read_write> DX: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.total) { return; }
  let run = i % p.runs;
  let t = i / p.runs;
  let y = t % p.h;
  let plane = t / p.h; // (sample, ci) plane of the chunk
  let ci = plane % p.cin;
  let s = plane / p.cin;
  let colBase = s * p.oh * p.ow * p.cin * KH * KW + ci * KH * KW * p.kStride;
  let outBase = (p.s0 * p.cin + plane) * p.h * p.w + y * p.w;
  let x0 = run * RUN;
  let x1 = min(p.w, x0 + RUN);
  for (var x = x0; x < x1; x = x + 1u) {
    var acc = 0.0;
    for (var ky = 0u; ky < KH; ky = ky + 1u) {
      let ty = i32(y + p.ph) - i32(ky);
      if (ty < 0 || u32(ty) % SH != 0u || u32(ty) / SH >= p.oh) { continue; }
      let oy = u32(ty) / SH;
      for (var kx = 0u; kx < KW; kx = kx + 1u) {
        let tx = i32(x + p.pw) - i32(kx);
        if (tx < 0 || u32(tx) % SW != 0u || u32(tx) / SW >= p.ow) { continue; }
        let ox = u32(tx) / SW;
        acc = acc + DCol[colBase + (ky * KW + kx) * p.kStride + (oy * p.ow + ox) * p.pStride];
      }
    }
    DX[outBase + x] = acc;
  }
}
