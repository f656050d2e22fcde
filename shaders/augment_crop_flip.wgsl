// Random crop with zero padding, then random horizontal flip, of a batch X [b, c, h, w] into
// Y [b, c, h, w] (torchvision's RandomCrop(padding) + RandomHorizontalFlip order). Sample s draws
// one Philox4x32-10 block at counter (block + s, 0, stream, 0), key (seedLo, seedHi): words
// (w0, w1, w2) give the crop origin oy = mulhi(w0, 2p+1), ox = mulhi(w1, 2p+1) in the padded image
// and flip = top bit of w2; src/reference/augment.ts derives the same numbers on the host.
// One workgroup row per sample (gid.y); thread 0 draws the block and shares it.

struct Params {
  channels: u32, height: u32, width: u32, padding: u32,
  flip: u32, seedLo: u32, seedHi: u32, stream: u32,
  block: u32, pad0: u32, pad1: u32, pad2: u32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

var<workgroup> choice: vec3<u32>; // oy, ox, flip

// #include lib/philox.wgsl

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let sample = wg.y;
  if (lid == 0u) {
    let w = philox(vec4<u32>(p.block + sample, 0u, p.stream, 0u), vec2<u32>(p.seedLo, p.seedHi));
    let positions = 2u * p.padding + 1u;
    choice = vec3<u32>(mulhi(w.x, positions), mulhi(w.y, positions), (w.z >> 31u) & p.flip);
  }
  workgroupBarrier();
  let plane = p.height * p.width;
  let perSample = p.channels * plane;
  let e = wg.x * 256u + lid;
  if (e >= perSample) { return; }
  let ch = e / plane;
  let i = (e % plane) / p.width;
  let j = e % p.width;
  let cj = select(j, p.width - 1u - j, choice.z == 1u);
  // Source pixel in the unpadded image; out of range (the zero padding) wraps to a huge u32.
  let si = i + choice.x - p.padding;
  let sj = cj + choice.y - p.padding;
  var v = 0.0;
  if (si < p.height && sj < p.width) {
    v = X[sample * perSample + ch * plane + si * p.width + sj];
  }
  Y[sample * perSample + e] = v;
}
