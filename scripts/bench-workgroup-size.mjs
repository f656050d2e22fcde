// Workgroup-size A/B on llvmpipe (Dawn OpenGL ES, ntk-at's Node path): the map shader (vec4, ReLU) and the
// max-pool forward (one output per invocation) at @workgroup_size 16..128 (compatibility mode's limit),
// interleaved rounds, median of
// 5 submits per variant per round, median over rounds; every shader ships with 64. Usage:
// node scripts/bench-workgroup-size.mjs [rounds]
import { create, globals } from 'webgpu';
import { readFileSync } from 'node:fs';
process.env.EGL_PLATFORM ??= 'surfaceless';
Object.assign(globalThis, globals);
const gpu = create(['backend=opengles']);
const adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' });
const device = await adapter.requestDevice();
const S = new URL('../shaders/', import.meta.url).pathname;
const rnd = (n, seed = 1) => {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    a[i] = (s / 2 ** 32) * 2 - 1;
  }
  return a;
};
function buf(data, bytes) {
  const b = device.createBuffer({
    size: Math.max(256, Math.ceil((bytes ?? data.length * 4) / 16) * 16),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
  });
  if (data) device.queue.writeBuffer(b, 0, data);
  return b;
}
function uni(words) {
  const u = new Uint32Array(Math.ceil(words.length / 4) * 4);
  words.forEach((w, i) => {
    if (typeof w === 'object') new Float32Array(u.buffer, i * 4, 1)[0] = w.f;
    else u[i] = w;
  });
  const b = device.createBuffer({ size: u.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(b, 0, u);
  return b;
}
function variant(file, wg, constants, buffers, paramsOf, threads) {
  const code = readFileSync(file, 'utf8').replace('@workgroup_size(64)', `@workgroup_size(${wg})`);
  const module = device.createShaderModule({ code });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main', constants } });
  const gx = Math.ceil(threads / wg);
  const entries = [
    ...buffers.map((b, i) => ({ binding: i, resource: { buffer: b } })),
    { binding: buffers.length, resource: { buffer: uni(paramsOf(gx * wg)) } },
  ];
  const bg = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  return async () => {
    const e = device.createCommandEncoder();
    const p = e.beginComputePass();
    p.setPipeline(pipeline);
    p.setBindGroup(0, bg);
    p.dispatchWorkgroups(gx, 1);
    p.end();
    const t0 = performance.now();
    device.queue.submit([e.finish()]);
    await device.queue.onSubmittedWorkDone();
    return performance.now() - t0;
  };
}
const med = (xs) => {
  const t = [...xs].sort((a, b) => a - b);
  return t[t.length >> 1];
};
const SIZES = [16, 32, 64, 128].filter((s) => s <= device.limits.maxComputeInvocationsPerWorkgroup);
const n = 128 * 16 * 26 * 26,
  planes = 128 * 16,
  H = 26,
  oh = 13;
const x = buf(rnd(n, 3)),
  y = buf(null, n * 4),
  py = buf(null, (n / 4) * 4),
  arg = buf(null, (n / 4) * 4);
const variants = {};
for (const wg of SIZES) {
  variants[`map relu wg${wg}`] = variant(`${S}map.wgsl`, wg, { OP: 1 }, [x, y], (rs) => [n, rs, { f: 1 }, { f: 0 }], Math.ceil(n / 4));
  variants[`maxPool2d wg${wg}`] = variant(
    `${S}max_pool2d.wgsl`,
    wg,
    { KH: 2, KW: 2, SH: 2, SW: 2, PADDED: 0 },
    [x, py, arg],
    (rs) => [planes, H, H, 0, 0, oh, oh, rs],
    planes * oh * oh,
  );
}
const rounds = +(process.argv[2] ?? 7),
  R = 5;
const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (const f of Object.values(variants)) for (let i = 0; i < 2; i++) await f();
for (let r = 0; r < rounds; r++)
  for (const [k, f] of Object.entries(variants)) {
    const t = [];
    for (let i = 0; i < R; i++) t.push(await f());
    times[k].push(med(t));
  }
for (const [k, t] of Object.entries(times)) {
  const s = [...t].sort((a, b) => a - b);
  console.log(`${k.padEnd(20)} median ${med(t).toFixed(2)} ms [${s[0].toFixed(2)}-${s.at(-1).toFixed(2)}] over ${rounds} rounds`);
}
process.exit(0);
