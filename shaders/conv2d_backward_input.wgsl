// Conv2d input gradient (NCHW) as an implicit GEMM: with k = (co, ky, kx) and the column
// j = (sample s, input pixel (iy, ix)), dX[s, ci, iy, ix] = Σ_k W[co, ci, ky, kx] · dYcol[k, j],
// where dYcol[k, j] = dY[s, co, oy, ox] when iy + ph - ky = oy*SH and ix + pw - kx = ox*SW
// land on an output pixel, else 0. A gather (no scatter, no atomics): M = cin, K = cout*KH*KW,
// N = n*h*w; the tiled GEMM core (lib/gemm_tiled_core.wgsl) with this shader's hooks, and the same
// per-thread hoisting and split-K (workgroup z = part, one [n, cin, h, w] slab of DX per part) as conv2d.wgsl.

override TY: u32 = 16u; // threads along M: 4, 8, 16, 32 or 64
override KH: u32 = 3u;
override KW: u32 = 3u;
override SH: u32 = 1u;
override SW: u32 = 1u;

struct Params {
  n: u32, cin: u32, h: u32, w: u32,
  cout: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, oh: u32,
  ow: u32, pad0: u32, pad1: u32, perPart: u32,
}

@group(0) @binding(0) var<storage, read> DY: array<f32>;
@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read_write> DX: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

const BK: u32 = 8u;
const TILE_ELEMS: u32 = 2048u;

// this thread's A row (an input channel) and B column (an input pixel), decoded once
var<private> channel: u32;
var<private> pixel: u32;
var<private> columns: u32;
var<private> ty0: i32;
var<private> tx0: i32;
var<private> dySample: u32;
var<private> slab: u32; // this part's slab of DX

fn mmReadA(k: u32) -> f32 {
  if (channel >= p.cin) { return 0.0; }
  let KHW = KH * KW;
  return W[((k / KHW) * p.cin + channel) * KHW + k % KHW];
}

fn mmReadB(k: u32) -> f32 {
  if (pixel >= columns) { return 0.0; }
  let KHW = KH * KW;
  let r = k % KHW;
  let uy = ty0 - i32(r / KW);
  let ux = tx0 - i32(r % KW);
  if (uy >= 0 && ux >= 0 && u32(uy) % SH == 0u && u32(ux) % SW == 0u) {
    let oy = u32(uy) / SH;
    let ox = u32(ux) / SW;
    if (oy < p.oh && ox < p.ow) { return DY[dySample + ((k / KHW) * p.oh + oy) * p.ow + ox]; }
  }
  return 0.0;
}

fn mmWrite(row: u32, col: u32, v: f32) {
  if (row >= p.cin || col >= columns) { return; }
  let plane = p.h * p.w;
  DX[slab + ((col / plane) * p.cin + row) * plane + col % plane] = v;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let TM = 4u * TY;
  let TN = 4u * (256u / TY);
  let kTotal = p.cout * KH * KW;
  let plane = p.h * p.w;
  columns = p.n * plane;
  let rowBase = wg.y * TM;
  let colBase = wg.x * TN;
  channel = rowBase + tid % TM;
  pixel = colBase + tid % TN;
  let q = pixel % plane;
  ty0 = i32(q / p.w + p.ph);
  tx0 = i32(q % p.w + p.pw);
  dySample = (pixel / plane) * p.cout * p.oh * p.ow;
  slab = wg.z * p.cin * columns;
  let kBegin = wg.z * p.perPart;
  gemmStore(tid, rowBase, colBase, gemmTile(tid, kBegin, min(kTotal, kBegin + p.perPart)));
}

// #include lib/gemm_tiled_core.wgsl
