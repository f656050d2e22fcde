// Gradient clipping by global norm, on the device: Partials[k] holds the sum of squares of
// parameter k's gradient; one thread adds them in index order (deterministic) and writes
// Out[0] = min(1, maxNorm / (norm + 1e-6)) (PyTorch's clip_grad_norm_) and Out[1] = norm.
// The SGD update shader reads Out[0], so clipping needs no readback.

struct Params { count: u32, maxNorm: f32, pad0: u32, pad1: u32 }

@group(0) @binding(0) var<storage, read> Partials: array<f32>;
@group(0) @binding(1) var<storage, read_write> Out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(1)
fn main() {
  var total = 0.0;
  for (var k = 0u; k < p.count; k = k + 1u) { total = total + Partials[k]; }
  let norm = sqrt(total);
  Out[0] = min(1.0, p.maxNorm / (norm + 1e-6));
  Out[1] = norm;
}
