// The input gradient of the GEMM-core conv2d path (src/ops/conv2d.ts), second step: the GEMM gives
// dCol[s] [oh*ow, K] = dY[s]ᵀ [oh*ow, cout] · W [cout, K] (K = cin*kh*kw, k = (ci, ky, kx)); here
// each input element gathers its taps: dX[s0 + s, ci, y, x] = Σ_{ky, kx} dCol[s][oy*ow + ox][(ci, ky, kx)]
// over the windows that cover it (oy*sh + ky - ph = y, ox*sw + kx - pw = x, inside the output),
// in (ky, kx) order: deterministic. The loop runs kh*kw times per invocation (far below the loop
// budget for any kernel size). 1-D work on a 2-D grid of 64-thread workgroups.

struct Params {
  n: u32, cin: u32, h: u32, w: u32,
  cout: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, oh: u32,
  ow: u32, s0: u32, rowStride: u32, total: u32,
}

@group(0) @binding(0) var<storage, read> DCol: array<f32>;
@group(0) @binding(1) var<storage, read_write> DX: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.total) { return; }
  let x = i % p.w;
  let y = (i / p.w) % p.h;
  let ci = (i / (p.w * p.h)) % p.cin;
  let s = i / (p.w * p.h * p.cin);
  let plane = p.oh * p.ow;
  let K = p.cin * p.kh * p.kw;
  var acc = 0.0;
  for (var t = 0u; t < p.kh * p.kw; t = t + 1u) {
    let ky = t / p.kw;
    let kx = t % p.kw;
    let ty = i32(y + p.ph) - i32(ky);
    let tx = i32(x + p.pw) - i32(kx);
    if (ty >= 0 && tx >= 0 && u32(ty) % p.sh == 0u && u32(tx) % p.sw == 0u) {
      let oy = u32(ty) / p.sh;
      let ox = u32(tx) / p.sw;
      if (oy < p.oh && ox < p.ow) {
        acc = acc + DCol[(s * plane + oy * p.ow + ox) * K + ci * p.kh * p.kw + t];
      }
    }
  }
  DX[p.s0 * p.cin * p.h * p.w + i] = acc;
}
