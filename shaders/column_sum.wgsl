// Column sums of X [rows, C] (dense bias gradients, the [n, c] case of channel_sum.wgsl) without
// workgroup memory or barriers: invocation c adds X[r, c] over its part's rows in order, so
// neighbouring invocations read neighbouring columns. Deterministic, no atomics. Split under the loop
// budget (src/device/loop_budget.ts): workgroup z = part sums rows [part*perPart, (part+1)*perPart)
// into Out[part * C + c] (partials that src/ops/channel_sum.ts adds in part order); Out[c] += ... when ACCUMULATE.

override ACCUMULATE: bool = false;

struct Params { channels: u32, rows: u32, perPart: u32, rowStride: u32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x + gid.y * p.rowStride;
  if (c >= p.channels) { return; }
  let end = min(p.rows, (gid.z + 1u) * p.perPart);
  var s = 0.0;
  for (var r = gid.z * p.perPart; r < end; r = r + 1u) {
    s = s + X[r * p.channels + c];
  }
  let o = gid.z * p.channels + c;
  if (ACCUMULATE) {
    Out[o] = Out[o] + s;
  } else {
    Out[o] = s;
  }
}
