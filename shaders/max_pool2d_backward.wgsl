// Max-pool input gradient as a gather (no atomics): one thread per input element (plane, iy, ix)
// visits, in ascending (oy, ox) order, every window that contains it and adds dY of the windows
// whose recorded argmax (Arg, a window position ky*kw + kx) is this element.

struct Params {
  planes: u32, h: u32, w: u32, kh: u32,
  kw: u32, sh: u32, sw: u32, ph: u32,
  pw: u32, oh: u32, ow: u32, rowStride: u32,
}

@group(0) @binding(0) var<storage, read> DY: array<f32>;
@group(0) @binding(1) var<storage, read> Arg: array<f32>;
@group(0) @binding(2) var<storage, read_write> DX: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

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
  if (i >= p.planes * p.h * p.w) { return; }
  let plane = i / (p.h * p.w);
  let iy = (i / p.w) % p.h;
  let ix = i % p.w;
  let ys = coveringRange(iy, p.kh, p.sh, p.ph, p.oh);
  let xs = coveringRange(ix, p.kw, p.sw, p.pw, p.ow);
  var g = 0.0;
  for (var oy = ys.x; oy < ys.y; oy = oy + 1u) {
    for (var ox = xs.x; ox < xs.y; ox = ox + 1u) {
      let o = (plane * p.oh + oy) * p.ow + ox;
      let local = (iy + p.ph - oy * p.sh) * p.kw + (ix + p.pw - ox * p.sw);
      if (Arg[o] == f32(local)) { g = g + DY[o]; }
    }
  }
  DX[i] = g;
}
