// Fused, numerically stable softmax cross-entropy, forward: one thread per sample row r of
// Logits [n, C] with class index Labels[r] (stored as f32): Losses[r] = logsumexp(x_r) - x_r[y]
// with the row max subtracted before exp; Correct[r] = 1 when the first arg-max equals y, else 0.
// A label that is not an integer in [0, C) gives a NaN loss (caught by the NaN checks); the NaN
// bit pattern comes from the host (nanBits) because WGSL rejects a constant NaN.

struct Params { n: u32, classes: u32, rowStride: u32, nanBits: u32 }

@group(0) @binding(0) var<storage, read> Logits: array<f32>;
@group(0) @binding(1) var<storage, read> Labels: array<f32>;
@group(0) @binding(2) var<storage, read_write> Losses: array<f32>;
@group(0) @binding(3) var<storage, read_write> Correct: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x + gid.y * p.rowStride;
  if (r >= p.n) { return; }
  let base = r * p.classes;
  let row = rowStats(base, p.classes);
  let label = Labels[r];
  if (!(label >= 0.0 && label < f32(p.classes) && floor(label) == label)) {
    Losses[r] = bitcast<f32>(p.nanBits);
    Correct[r] = 0.0;
    return;
  }
  let y = u32(label);
  Losses[r] = log(row.sumExp) + row.max - Logits[base + y];
  Correct[r] = select(0.0, 1.0, row.argmax == y);
}

// #include lib/softmax_row.wgsl
