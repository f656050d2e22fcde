// Max-pool input gradient as a gather (no atomics): each input element (plane, iy, ix) visits, in
// ascending (oy, ox) order, every window that contains it and adds dY of the windows whose recorded
// argmax (Arg, a window position ky*kw + kx) is this element. One invocation handles a run of RUN
// elements of one input row, sharing its index arithmetic (integer divisions run lane by lane on
// CPU adapters); the window is compile-time (override constants), one pipeline per window shape.
// The general path (overlapping windows; max_pool2d_backward_windows.wgsl takes the others). With
// MASK, the fused ReLU backward: each gradient becomes select(0, g, Mask > 0) (Mask: the pooled ReLU
// output), the bits of reluBackward after the unfused gradient.

override KH: u32 = 2u;
override KW: u32 = 2u;
override SH: u32 = 2u;
override SW: u32 = 2u;
override MASK: bool = false;
const RUN: u32 = 8u;

struct Params {
  planes: u32, h: u32, w: u32, ph: u32,
  pw: u32, oh: u32, ow: u32, rowStride: u32,
  runs: u32, pad0: u32, pad1: u32, pad2: u32,
}

@group(0) @binding(0) var<storage, read> DY: array<f32>;
@group(0) @binding(1) var<storage, read> Arg: array<f32>;
@group(0) @binding(2) var<storage, read> Mask: array<f32>;
@group(0) @binding(3) var<storage, read_write> DX: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

/** First and one-past-last output index whose window (stride s, kernel k, padding pad) covers i. */
fn coveringRange(i: u32, k: u32, s: u32, pad: u32, outSize: u32) -> vec2<u32> {
  let t = i + pad; // position in the padded input
  var lo = 0u;
  if (t + 1u > k) { lo = (t + 1u - k + s - 1u) / s; }
  let hi = min(t / s + 1u, outSize);
  return vec2<u32>(lo, max(lo, hi));
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.planes * p.h * p.runs) { return; }
  let run = i % p.runs;
  let row = i / p.runs; // (plane, iy)
  let iy = row % p.h;
  let plane = row / p.h;
  let ys = coveringRange(iy, KH, SH, p.ph, p.oh);
  let x0 = run * RUN;
  let x1 = min(p.w, x0 + RUN);
  for (var ix = x0; ix < x1; ix = ix + 1u) {
    let xs = coveringRange(ix, KW, SW, p.pw, p.ow);
    var g = 0.0;
    for (var oy = ys.x; oy < ys.y; oy = oy + 1u) {
      for (var ox = xs.x; ox < xs.y; ox = ox + 1u) {
        let o = (plane * p.oh + oy) * p.ow + ox;
        let local = (iy + p.ph - oy * SH) * KW + (ix + p.pw - ox * SW);
        if (Arg[o] == f32(local)) { g = g + DY[o]; }
      }
    }
    if (MASK) { g = select(0.0, g, Mask[row * p.w + ix] > 0.0); }
    DX[row * p.w + ix] = g;
  }
}
