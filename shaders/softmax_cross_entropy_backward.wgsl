// Fused softmax cross-entropy, backward: one thread per sample row r of Logits [n, C]:
// DLogits[r, c] = scale * (softmax(x_r)_c - [c == y_r]), scale = 1/n for the mean loss. The
// softmax is recomputed stably (row max subtracted). An invalid label gives a NaN row (the NaN
// bit pattern comes from the host: WGSL rejects a constant NaN).

struct Params { n: u32, classes: u32, rowStride: u32, scale: f32, nanBits: u32, pad0: u32, pad1: u32, pad2: u32 }

@group(0) @binding(0) var<storage, read> Logits: array<f32>;
@group(0) @binding(1) var<storage, read> Labels: array<f32>;
@group(0) @binding(2) var<storage, read_write> DLogits: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x + gid.y * p.rowStride;
  if (r >= p.n) { return; }
  let base = r * p.classes;
  let row = rowStats(base, p.classes);
  let label = Labels[r];
  let valid = label >= 0.0 && label < f32(p.classes) && floor(label) == label;
  let y = select(p.classes, u32(label), valid);
  let inv = 1.0 / row.sumExp;
  for (var c = 0u; c < p.classes; c = c + 1u) {
    let prob = exp(Logits[base + c] - row.max) * inv;
    let g = p.scale * (prob - select(0.0, 1.0, c == y));
    DLogits[base + c] = select(bitcast<f32>(p.nanBits), g, valid);
  }
}

// #include lib/softmax_row.wgsl
