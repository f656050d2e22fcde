// Conv2d weight gradient for small cout*cin*kh*kw (e.g. a first layer with one input channel),
// where GEMM tiles would be mostly padding: one workgroup per weight element j = (co, ci, ky, kx)
// and sample group g reduces over k = (sample s, output pixel q) of the group:
//   Out[g, j] = Σ_k dY[s, co, q] · X[s, ci, oy*sh + ky - ph, ox*sw + kx - pw].
// Thread t adds k = t, t+256, ... in order, then a fixed binary tree: deterministic, no atomics.
// Groups as in conv2d_backward_weight.wgsl (spg = 1: per-sample gradients). 2-D grid over j:
// j = wg.x + wg.y * rowStride, the group is wg.z % groups. Split under the loop budget
// (src/device/loop_budget.ts): part wg.z / groups sums k in [part*perPart, (part+1)*perPart) of
// its group into slab wg.z of Out (added in part order by src/ops/conv2d.ts).

struct Params {
  n: u32, cin: u32, h: u32, w: u32,
  cout: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, oh: u32,
  ow: u32, spg: u32, rowStride: u32, perPart: u32,
  groups: u32, pad0: u32, pad1: u32, pad2: u32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> DY: array<f32>;
@group(0) @binding(2) var<storage, read_write> Out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let khw = p.kh * p.kw;
  let N = p.cout * p.cin * khw;
  let j = wg.x + wg.y * p.rowStride;
  let co = j / (p.cin * khw);
  let ci = (j / khw) % p.cin;
  let ky = (j % khw) / p.kw;
  let kx = j % p.kw;
  let plane = p.oh * p.ow;
  let s0 = (wg.z % p.groups) * p.spg;
  let kBegin = (wg.z / p.groups) * p.perPart;
  let K = min(min(p.spg, p.n - s0) * plane, kBegin + p.perPart);
  var acc = 0.0;
  if (j < N) {
    for (var k = kBegin + tid; k < K; k = k + 256u) {
      let s = s0 + k / plane;
      let q = k % plane;
      let iy = i32((q / p.ow) * p.sh + ky) - i32(p.ph);
      let ix = i32((q % p.ow) * p.sw + kx) - i32(p.pw);
      if (iy >= 0 && ix >= 0 && iy < i32(p.h) && ix < i32(p.w)) {
        acc = acc + DY[(s * p.cout + co) * plane + q] * X[((s * p.cin + ci) * p.h + u32(iy)) * p.w + u32(ix)];
      }
    }
  }
  partial[tid] = acc;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride = stride / 2u) {
    if (tid < stride) { partial[tid] = partial[tid] + partial[tid + stride]; }
    workgroupBarrier();
  }
  if (tid == 0u && j < N) { Out[wg.z * N + j] = partial[0]; }
}
