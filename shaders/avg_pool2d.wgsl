// Average-pool forward (NCHW): one thread per output element of Y [planes = n*c, oh, ow] sums
// its window's in-bounds inputs row-major and divides by kh*kw (COUNT_INCLUDE_PAD, PyTorch's
// default) or by the number of in-bounds inputs. Global average pooling is the case kernel = h x w.

override COUNT_INCLUDE_PAD: bool = true;

struct Params {
  planes: u32, h: u32, w: u32, kh: u32,
  kw: u32, sh: u32, sw: u32, ph: u32,
  pw: u32, oh: u32, ow: u32, rowStride: u32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = gid.x + gid.y * p.rowStride;
  if (o >= p.planes * p.oh * p.ow) { return; }
  let plane = o / (p.oh * p.ow);
  let oy = (o / p.ow) % p.oh;
  let ox = o % p.ow;
  var s = 0.0;
  var count = 0u;
  for (var ky = 0u; ky < p.kh; ky = ky + 1u) {
    let iy = i32(oy * p.sh + ky) - i32(p.ph);
    if (iy < 0 || iy >= i32(p.h)) { continue; }
    for (var kx = 0u; kx < p.kw; kx = kx + 1u) {
      let ix = i32(ox * p.sw + kx) - i32(p.pw);
      if (ix < 0 || ix >= i32(p.w)) { continue; }
      s = s + X[(plane * p.h + u32(iy)) * p.w + u32(ix)];
      count = count + 1u;
    }
  }
  if (COUNT_INCLUDE_PAD) { count = p.kh * p.kw; }
  Y[o] = s / f32(count);
}
