// Conv2d input gradient for few input channels (e.g. a first layer on 1- or 3-channel images),
// where GEMM tiles of at least 16 rows would be mostly padding: one thread per element
// dX[s, ci, iy, ix] = Σ_{co, ky, kx} W[co, ci, ky, kx] · dY[s, co, oy, ox] over the taps with
// iy + ph - ky = oy*sh and ix + pw - kx = ox*sw on the output grid, in ascending (co, ky, kx)
// order (the k order of conv2d_backward_input.wgsl). No atomics.
// 1-D work on a 2-D grid of 64-thread workgroups: i = gid.x + gid.y * rowStride. Split under the
// loop budget (src/device/loop_budget.ts): z = part sums co in [part*perPart, (part+1)*perPart)
// into its own slab of DX (added in part order by src/ops/conv2d.ts).

struct Params {
  n: u32, cin: u32, h: u32, w: u32,
  cout: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, oh: u32,
  ow: u32, pad0: u32, rowStride: u32, perPart: u32,
}

@group(0) @binding(0) var<storage, read> DY: array<f32>;
@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read_write> DX: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n * p.cin * p.h * p.w) { return; }
  let ix = i % p.w;
  let iy = (i / p.w) % p.h;
  let ci = (i / (p.h * p.w)) % p.cin;
  let s = i / (p.cin * p.h * p.w);
  var acc = 0.0;
  let coEnd = min(p.cout, (gid.z + 1u) * p.perPart);
  for (var co = gid.z * p.perPart; co < coEnd; co = co + 1u) {
    for (var ky = 0u; ky < p.kh; ky = ky + 1u) {
      let ty = i32(iy + p.ph) - i32(ky);
      if (ty < 0 || u32(ty) % p.sh != 0u || u32(ty) / p.sh >= p.oh) { continue; }
      let oy = u32(ty) / p.sh;
      for (var kx = 0u; kx < p.kw; kx = kx + 1u) {
        let tx = i32(ix + p.pw) - i32(kx);
        if (tx < 0 || u32(tx) % p.sw != 0u || u32(tx) / p.sw >= p.ow) { continue; }
        let ox = u32(tx) / p.sw;
        acc = acc + W[((co * p.cin + ci) * p.kh + ky) * p.kw + kx] * DY[((s * p.cout + co) * p.oh + oy) * p.ow + ox];
      }
    }
  }
  DX[gid.z * p.n * p.cin * p.h * p.w + i] = acc;
}
