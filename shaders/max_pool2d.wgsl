// Max-pool forward (NCHW): one thread per output element of Y [planes = n*c, oh, ow]. Scans the
// window row-major over in-bounds inputs only (padding never wins) and keeps the FIRST maximum
// (strict >), writing the value to Y and its window position ky*kw + kx (an exact f32) to Arg
// for the backward pass. 1-D work on a 2-D grid: o = gid.x + gid.y * rowStride.

struct Params {
  planes: u32, h: u32, w: u32, kh: u32,
  kw: u32, sh: u32, sw: u32, ph: u32,
  pw: u32, oh: u32, ow: u32, rowStride: u32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Y: array<f32>;
@group(0) @binding(2) var<storage, read_write> Arg: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = gid.x + gid.y * p.rowStride;
  if (o >= p.planes * p.oh * p.ow) { return; }
  let plane = o / (p.oh * p.ow);
  let oy = (o / p.ow) % p.oh;
  let ox = o % p.ow;
  var best = 0.0;
  var arg = -1;
  for (var ky = 0u; ky < p.kh; ky = ky + 1u) {
    let iy = i32(oy * p.sh + ky) - i32(p.ph);
    if (iy < 0 || iy >= i32(p.h)) { continue; }
    for (var kx = 0u; kx < p.kw; kx = kx + 1u) {
      let ix = i32(ox * p.sw + kx) - i32(p.pw);
      if (ix < 0 || ix >= i32(p.w)) { continue; }
      let v = X[(plane * p.h + u32(iy)) * p.w + u32(ix)];
      if (arg < 0 || v > best) {
        best = v;
        arg = i32(ky * p.kw + kx);
      }
    }
  }
  Y[o] = best;
  Arg[o] = f32(arg);
}
