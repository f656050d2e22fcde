// Average-pool input gradient as a gather (no atomics): one thread per input element adds, in
// ascending (oy, ox) order, dY / divisor of every window containing it; the divisor is kh*kw
// (COUNT_INCLUDE_PAD) or the window's number of in-bounds inputs, as in avg_pool2d.wgsl. With MASK,
// the fused ReLU backward: each gradient becomes select(0, g, Mask > 0) (Mask: the pooled ReLU
// output), the bits of reluBackward after the unfused gradient.

override COUNT_INCLUDE_PAD: bool = true;
override MASK: bool = false;

struct Params {
  planes: u32, h: u32, w: u32, kh: u32,
  kw: u32, sh: u32, sw: u32, ph: u32,
  pw: u32, oh: u32, ow: u32, rowStride: u32,
}

@group(0) @binding(0) var<storage, read> DY: array<f32>;
@group(0) @binding(1) var<storage, read> Mask: array<f32>;
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

/** In-bounds length of the window starting at padded position start * s over an axis of size n. */
fn inBounds(start: u32, k: u32, pad: u32, n: u32) -> u32 {
  let lo = max(i32(start), i32(pad));
  let hi = min(i32(start + k), i32(n + pad));
  return u32(hi - lo);
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
      var count = p.kh * p.kw;
      if (!COUNT_INCLUDE_PAD) {
        count = inBounds(oy * p.sh, p.kh, p.ph, p.h) * inBounds(ox * p.sw, p.kw, p.pw, p.w);
      }
      g = g + DY[(plane * p.oh + oy) * p.ow + ox] / f32(count);
    }
  }
  if (MASK) { g = select(0.0, g, Mask[i] > 0.0); }
  DX[i] = g;
}
