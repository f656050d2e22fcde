// Projects [n, d] inputs onto the l2 eps-ball around X0 and into [0, 1], in place on X:
// delta_i <- delta_i * min(1, eps / ||delta_i||) with squared norms DNORM2 from a row reduction.

struct Params { n: u32, d: u32, rowStride: u32, eps: f32 }

@group(0) @binding(0) var<storage, read> X0: array<f32>;
@group(0) @binding(1) var<storage, read> DNORM2: array<f32>;
@group(0) @binding(2) var<storage, read_write> X: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n * p.d) { return; }
  let norm = sqrt(DNORM2[i / p.d]);
  let scale = select(1.0, p.eps / norm, norm > p.eps);
  X[i] = clamp(X0[i] + (X[i] - X0[i]) * scale, 0.0, 1.0);
}
