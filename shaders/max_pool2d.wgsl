// Max-pool forward (NCHW): one thread per output element of Y [planes = n*c, oh, ow]. Scans the
// window row-major over in-bounds inputs only (padding never wins) and keeps the FIRST maximum
// (strict >), writing the value to Y and its window position ky*kw + kx (an exact f32) to Arg
// for the backward pass. The window is compile-time (override constants, one pipeline per window
// shape); two integer divisions per output (they run lane by lane on CPU adapters). Without
// PADDED (padding 0) every window lies inside the input (floor output size): no bounds checks.
// 1-D work on a 2-D grid: o = gid.x + gid.y * rowStride.

override KH: u32 = 2u;
override KW: u32 = 2u;
override SH: u32 = 2u;
override SW: u32 = 2u;
override PADDED: bool = true; // padding > 0

struct Params {
  planes: u32, h: u32, w: u32, ph: u32,
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
  let q = o / p.ow;
  let ox = o - q * p.ow;
  let plane = q / p.oh;
  let oy = q - plane * p.oh;
  var best = 0.0;
  var arg = -1;
  for (var ky = 0u; ky < KH; ky = ky + 1u) {
    let iy = i32(oy * SH + ky) - i32(p.ph);
    if (PADDED && (iy < 0 || iy >= i32(p.h))) { continue; }
    let row = (plane * p.h + u32(iy)) * p.w;
    for (var kx = 0u; kx < KW; kx = kx + 1u) {
      let ix = i32(ox * SW + kx) - i32(p.pw);
      if (PADDED && (ix < 0 || ix >= i32(p.w))) { continue; }
      let v = X[row + u32(ix)];
      if (arg < 0 || v > best) {
        best = v;
        arg = i32(ky * KW + kx);
      }
    }
  }
  Y[o] = best;
  Arg[o] = f32(arg);
}
