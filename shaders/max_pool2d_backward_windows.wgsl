// Max-pool input gradient for windows that do not overlap (stride >= kernel, the common stride ==
// kernel among them): one invocation per output window (plane, oy, ox) writes every input of its
// tile, the window's argmax input (Arg, a window position ky*kw + kx) 0 + dY and every other input
// 0. Tile rows are [oy*SH - ph, (oy+1)*SH - ph) clipped to the input, the last tile row reaching to
// h (columns alike), so the tiles cover each input once and inputs in no window get 0. With MASK,
// the fused ReLU backward: the argmax input gets select(0, 0 + dY, Mask > 0) (Mask: the ReLU output
// that was pooled), the bits of reluBackward after the unfused gradient. The window is compile-time:
// the SH x SW tile loops unroll (runtime loops only for the inputs past the last window).

override KH: u32 = 2u;
override KW: u32 = 2u;
override SH: u32 = 2u;
override SW: u32 = 2u;
override MASK: bool = false;

struct Params {
  planes: u32, h: u32, w: u32, ph: u32,
  pw: u32, oh: u32, ow: u32, rowStride: u32,
}

@group(0) @binding(0) var<storage, read> DY: array<f32>;
@group(0) @binding(1) var<storage, read> Arg: array<f32>;
@group(0) @binding(2) var<storage, read> Mask: array<f32>;
@group(0) @binding(3) var<storage, read_write> DX: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = gid.x + gid.y * p.rowStride;
  if (o >= p.planes * p.oh * p.ow) { return; }
  let q = o / p.ow;
  let ox = o - q * p.ow;
  let plane = q / p.oh;
  let oy = q - plane * p.oh;
  let arg = u32(Arg[o]); // every window holds an input (padding <= kernel / 2)
  let ky = arg / KW;
  let ay = oy * SH + ky - p.ph; // the argmax input
  let ax = ox * SW + (arg - ky * KW) - p.pw;
  let base = plane * p.h;
  var g = 0.0 + DY[o];
  if (MASK) { g = select(0.0, g, Mask[(base + ay) * p.w + ax] > 0.0); }
  let y0 = max(oy * SH, p.ph) - p.ph;
  let y1 = min((oy + 1u) * SH - p.ph, p.h);
  let x0 = max(ox * SW, p.pw) - p.pw;
  let x1 = min((ox + 1u) * SW - p.pw, p.w);
  for (var ty = 0u; ty < SH; ty = ty + 1u) { // compile-time bounds: unrolled
    let y = y0 + ty;
    if (y >= y1) { break; }
    for (var tx = 0u; tx < SW; tx = tx + 1u) {
      let x = x0 + tx;
      if (x >= x1) { break; }
      DX[(base + y) * p.w + x] = select(0.0, g, y == ay && x == ax);
    }
  }
  // inputs past the last window of their row or column (no window reaches them) get 0 from it
  let xe = select(x1, p.w, ox + 1u == p.ow);
  let ye = select(y1, p.h, oy + 1u == p.oh);
  if (xe > x1 || ye > y1) {
    for (var y = y0; y < ye; y = y + 1u) {
      for (var x = select(x0, x1, y < y1); x < xe; x = x + 1u) { DX[(base + y) * p.w + x] = 0.0; }
    }
  }
}
