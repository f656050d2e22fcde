// The GPU context: acquires an adapter and device under the platform's policy, owns the
// pipeline cache (keyed by shader + override constants), the buffer pool, readback and the
// validation/out-of-memory error scopes. Every op runs through `Gpu.run`, which takes params and
// bindings by name (device/dispatch.ts) and records its dispatch into an open command encoder; the
// batch is submitted (one submission, one pair of error scopes) at readbacks, buffer writes,
// synchronize(), and every `submitEvery` commands (SUBMIT_EVERY per adapter class, or an option).

import { NtkError, check } from '../errors.js';
import { resolveOptions } from '../options.js';
import { SHADERS, type ShaderName } from '../generated/shaders.js';
import { explicitChoice, type ProgramChoice, type GemmVariant } from './programs.js';
import { ADAPTER_CHOICES, adapterClass, currentPlatform, type AdapterChoice, type AdapterClass, type Platform } from '../platform/index.js';
import { BufferPool } from './buffers.js';
import { orderBindings, packParams, type Dispatch } from './dispatch.js';

/** Options of createGpu. */
export interface GpuOptions {
  /** Which adapter to use; default: env NTK_AT_ADAPTER, else `auto` (real GPU first, then software). */
  adapter?: AdapterChoice;
  /** Override the runtime platform (tests only). */
  platform?: Platform;
  /** Submit every command on its own with its own error scopes (slower; names the failing op).
   * Default: env NTK_AT_SYNC=1. */
  sync?: boolean;
  /** Force the GEMM variant (and so conv2d's path) instead of measuring (src/ops/program_choice.ts).
   * Default: env NTK_AT_GEMM, else the measured choice for this adapter. */
  gemm?: GemmVariant;
  /** Commands recorded per submission at most, 1 to MAX_SUBMIT_EVERY. Default: env NTK_AT_SUBMIT_EVERY,
   * else SUBMIT_EVERY for the adapter's class. */
  submitEvery?: number;
}

/** Which adapter was chosen and what it can do; `formatAdapterReport` prints it on one line. */
export interface AdapterReport {
  runtime: Platform['runtime'];
  choice: AdapterChoice;
  path: string;
  featureLevel: 'core' | 'compatibility';
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  /** software, hardware or unknown (masked info): see AdapterClass. GEMM variants are measured in every class. */
  adapterClass: AdapterClass;
  limits: {
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxComputeWorkgroupsPerDimension: number;
    maxStorageBuffersPerShaderStage: number;
  };
}

/**
 * One recorded command as a profile replays it (device/profile.ts): `encode` records it again, alone,
 * into an encoder (rewriting its params first). `op` is the shader, or clearBuffer / copyBufferToBuffer.
 */
export interface RecordedCommand {
  op: string;
  label: string;
  encode(encoder: GPUCommandEncoder): void;
}

/** Commands (dispatches, copies, clears) recorded per submission at most, by adapter class; then the batch
 * is submitted. Measured on the software adapters (16 to 1024 in Node and Deno, docs/results/benchmarks.md,
 * "Commands per submission"): no value beat 64 across the training cases. Hardware keeps it, unmeasured. */
export const SUBMIT_EVERY: Readonly<Record<AdapterClass, number>> = { software: 64, hardware: 64, unknown: 64 };
/** The largest submitEvery accepted. */
export const MAX_SUBMIT_EVERY = 1024;
/** Bytes per params slot of the uniform arena (a multiple of every adapter's minUniformBufferOffsetAlignment, 256 at most). */
const UNIFORM_SLOT = 256;

/** The commands recorded since the last submission, under one pair of error scopes. */
interface Batch {
  encoder: GPUCommandEncoder;
  /** The open compute pass (dispatches in a row share it); null after a copy or clear. */
  pass: GPUComputePassEncoder | null;
  /** Each recorded command's label, in order (error messages name them). */
  labels: string[];
  /** The pipelines dispatched, by cache key (checked for WGSL errors when validation fails). */
  shaders: Map<string, ShaderName>;
  /** Bytes of the uniform arena the batch's params use. */
  uniformBytes: number;
}

const live = new Set<Gpu>(); // strong references: a device's owner must outlive the device

/** Error scopes of destroyed devices that have not settled yet (see gpuSettled). */
const unsettled = new Set<Promise<unknown>>();

/**
 * Resolves once every error scope of every destroyed Gpu has settled (before terminating a Worker),
 * or after `limitMs`: browsers may never settle the scopes of a destroyed device (and survive termination).
 */
export async function gpuSettled(limitMs = 2000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, limitMs);
  });
  await Promise.race([Promise.all([...unsettled]).then(() => unsettled.clear()), limit]);
  clearTimeout(timer);
}

/** Texels per row of the textures that stand in for buffers (4 KiB rows meet bytesPerRow's 256-byte rule). */
export const TEXTURE_ROW = 256;
const TEXTURE_BYTES_PER_ROW = TEXTURE_ROW * 16;
const TEXTURE_USAGE = 0x04 | 0x02; // TEXTURE_BINDING | COPY_DST

/**
 * A WebGPU device with the adapter report, a buffer pool, a pipeline cache and error scopes; every
 * tensor and op runs on one. Create it with createGpu(); destroy() frees it. Ops record their
 * commands into a batch that is submitted at readbacks, writes, synchronize() and every `submitEvery`
 * commands (with GpuOptions.sync or env NTK_AT_SYNC=1: after every command, to pinpoint a failing op).
 */
export class Gpu {
  readonly pool: BufferPool;
  /** The GPU programs ops use when none is forced: measured at creation (createGpu), or set explicitly. */
  programs: ProgramChoice;
  /** Pipelines by cache key; `compiled` is the module's WGSL check, asked of the device once (a second
   * getCompilationInfo() on a module can hang Chromium's page: see compiled()). */
  private readonly pipelines = new Map<
    string,
    { pipeline: GPUComputePipeline; module: GPUShaderModule; compiled?: Promise<NtkError | null> }
  >();
  private readonly textures = new Map<number, GPUTexture[]>(); // free textures by height
  private pending: Array<Promise<NtkError | null>> = [];
  private lostReason: string | null = null;
  /**
   * Rejects with E_DEVICE_LOST once the device is lost or destroyed. What a run awaits of the device
   * (mapAsync, onSubmittedWorkDone, error scopes) races it: after a destroy, mapAsync rejects with an
   * untyped AbortError, and dawn.node never settles a destroyed device's error scopes (a run awaiting
   * them would hang).
   */
  private readonly gone: Promise<never>;
  private markGone: () => void = () => {};
  private batch: Batch | null = null;
  /** Every batch's params, packed in UNIFORM_SLOT slots: written to `uniforms` just before its submission. */
  private readonly uniformHost: Uint8Array;
  private readonly uniforms: GPUBuffer;
  /** Receives every command's replay while a profile records (device/profile.ts); null otherwise. */
  recorder: ((command: RecordedCommand) => void) | null = null;

  /** Use createGpu(), which applies the adapter policy and requests the device. */
  constructor(
    private readonly raw: GPUDevice,
    readonly report: AdapterReport,
    readonly platform: Platform,
    /** Submit after every command (error scopes per command), e.g. to find which op fails. */
    readonly submitEachCommand = false,
    /** Commands recorded per submission at most (SUBMIT_EVERY). */
    readonly submitEvery = SUBMIT_EVERY[report.adapterClass],
  ) {
    this.uniformHost = new Uint8Array(Math.max(submitEvery, 64) * UNIFORM_SLOT);
    this.pool = new BufferPool(raw, raw.limits.maxStorageBufferBindingSize, raw.limits.maxBufferSize);
    this.uniforms = raw.createBuffer({
      size: this.uniformHost.byteLength,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      label: 'params arena',
    });
    this.gone = new Promise<never>((_, reject) => {
      this.markGone = () => reject(this.lostError());
    });
    this.gone.catch(() => {}); // awaited only through whileAlive
    void raw.lost.then((info) => {
      this.lostReason = `${info.reason}: ${info.message}`;
      this.markGone();
    });
    live.add(this);
    this.programs = explicitChoice('block', ''); // replaced by createGpu's choice before any op runs
  }

  /** Forces the GEMM variant from now on (tests and benchmarks; as GpuOptions.gemm). */
  setGemmVariant(variant: GemmVariant): void {
    this.programs = explicitChoice(variant, this.programs.adapterKey);
  }

  /** The device's features. */
  get features(): GPUSupportedFeatures {
    return this.raw.features;
  }

  /**
   * The WebGPU device, for work outside the ops (e.g. queue.onSubmittedWorkDone in benchmarks).
   * Reading it submits the recorded commands first, so what is done with it directly comes after them.
   */
  get device(): GPUDevice {
    this.flush();
    return this.raw;
  }

  /** The device's limits. */
  get limits(): GPUSupportedLimits {
    return this.raw.limits;
  }

  /** Records one compute dispatch into the current batch (see the class comment); a misnamed or
   * missing param or binding of the shader is a type error (device/dispatch.ts). */
  run<S extends ShaderName>(spec: Dispatch<S>): void {
    this.assertAlive();
    const [x, y = 1, z = 1] = spec.workgroups;
    const maxGroups = this.limits.maxComputeWorkgroupsPerDimension;
    if (x > maxGroups || y > maxGroups || z > maxGroups) {
      throw new NtkError(
        'E_BUFFER_TOO_LARGE',
        `${spec.label}: dispatch of ${x}x${y}x${z} workgroups exceeds maxComputeWorkgroupsPerDimension=${maxGroups}; ` +
          'split the problem into smaller pieces.',
        { workgroups: [x, y, z], maxGroups },
      );
    }
    const storage = orderBindings(spec);
    for (const s of storage) {
      check(
        !s.asTexture || this.textureFits(s.buffer, s.bytes),
        `${spec.label}: ${s.bytes} bytes do not fit a texture binding; check textureFits() first.`,
      );
    }
    const params = packParams(spec);
    const paramBytes = Math.ceil(params.byteLength / UNIFORM_SLOT) * UNIFORM_SLOT;
    check(
      paramBytes <= this.uniformHost.byteLength,
      `${spec.label}: params of ${params.byteLength} bytes exceed ${this.uniformHost.byteLength}.`,
    );
    if (this.batch && this.batch.uniformBytes + paramBytes > this.uniformHost.byteLength) this.flush();
    const batch = this.openBatch();
    const { pipeline } = this.pipeline(spec.shader, spec.constants ?? {});
    batch.shaders.set(pipelineKey(spec.shader, spec.constants ?? {}), spec.shader);
    const copies: Array<{ buffer: GPUBuffer; bytes: number; texture: GPUTexture }> = [];
    const entries: GPUBindGroupEntry[] = storage.map((s, i) => {
      if (!s.asTexture) return { binding: i, resource: { buffer: s.buffer, offset: 0, size: alignedSize(s.bytes) } };
      const texture = this.textureFor(this.endPass(batch), s.buffer, s.bytes);
      copies.push({ buffer: s.buffer, bytes: s.bytes, texture });
      return { binding: i, resource: texture.createView() };
    });
    for (const { texture: t } of copies) {
      // reusable by later commands: the encoder keeps their order
      const free = this.textures.get(t.height);
      if (free) free.push(t);
      else this.textures.set(t.height, [t]);
    }
    const paramsOffset = batch.uniformBytes;
    if (params.byteLength > 0) {
      this.uniformHost.set(new Uint8Array(params), paramsOffset);
      entries.push({ binding: entries.length, resource: { buffer: this.uniforms, offset: paramsOffset, size: params.byteLength } });
      batch.uniformBytes += paramBytes;
    }
    const bindGroup = this.raw.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries, label: spec.label });
    batch.pass ??= batch.encoder.beginComputePass({ label: 'batch' });
    batch.pass.setPipeline(pipeline);
    batch.pass.setBindGroup(0, bindGroup);
    batch.pass.dispatchWorkgroups(x, y, z);
    this.recorder?.({
      op: spec.shader,
      label: spec.label,
      encode: (encoder) => {
        if (params.byteLength > 0) this.raw.queue.writeBuffer(this.uniforms, paramsOffset, params);
        for (const c of copies) this.copyToTexture(encoder, c.buffer, c.bytes, c.texture);
        const pass = encoder.beginComputePass({ label: spec.label });
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        pass.dispatchWorkgroups(x, y, z);
        pass.end();
      },
    });
    this.recorded(batch, spec.label);
  }

  /**
   * Whether the first `bytes` bytes of `buffer` can be bound as a texture (a `texture_2d<f32>` binding of a Dispatch):
   * the rows fit maxTextureDimension2D and the copy's whole rows lie inside the buffer.
   */
  textureFits(buffer: GPUBuffer, bytes: number): boolean {
    const rows = Math.ceil(bytes / TEXTURE_BYTES_PER_ROW);
    return rows <= this.limits.maxTextureDimension2D && (rows === 1 || rows * TEXTURE_BYTES_PER_ROW <= buffer.size);
  }

  /** A pooled rgba32float texture (rows of TEXTURE_ROW texels) filled from `buffer` by `encoder`. */
  private textureFor(encoder: GPUCommandEncoder, buffer: GPUBuffer, bytes: number): GPUTexture {
    const rows = Math.ceil(Math.max(1, Math.ceil(bytes / 16)) / TEXTURE_ROW);
    let height = 1;
    while (height < rows) height *= 2;
    height = Math.min(height, this.limits.maxTextureDimension2D);
    const texture =
      this.textures.get(height)?.pop() ??
      this.raw.createTexture({
        size: [TEXTURE_ROW, height],
        format: 'rgba32float',
        usage: TEXTURE_USAGE,
        label: `operand texture ${TEXTURE_ROW}x${height}`,
      });
    this.copyToTexture(encoder, buffer, bytes, texture);
    return texture;
  }

  /** Records the copy of a buffer's first `bytes` bytes into a texture of textureFor. */
  private copyToTexture(encoder: GPUCommandEncoder, buffer: GPUBuffer, bytes: number, texture: GPUTexture): void {
    const texels = Math.max(1, Math.ceil(bytes / 16));
    const rows = Math.ceil(texels / TEXTURE_ROW);
    encoder.copyBufferToTexture({ buffer, offset: 0, bytesPerRow: TEXTURE_BYTES_PER_ROW }, { texture }, [
      rows === 1 ? texels : TEXTURE_ROW,
      rows,
    ]);
  }

  /** Fills the first `bytes` bytes of a buffer with zeros (recorded in order with the ops). */
  zero(buffer: GPUBuffer, bytes: number): void {
    this.assertAlive();
    const batch = this.openBatch();
    this.endPass(batch).clearBuffer(buffer, 0, alignedSize(bytes));
    this.recorder?.({ op: 'clearBuffer', label: 'zero', encode: (encoder) => encoder.clearBuffer(buffer, 0, alignedSize(bytes)) });
    this.recorded(batch, 'zero');
  }

  /** Copies `bytes` bytes (multiples of 4, offsets too) between device buffers, in order with the ops. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.assertAlive();
    check(
      srcOffset % 4 === 0 && dstOffset % 4 === 0 && bytes % 4 === 0,
      `copy: offsets and size must be multiples of 4 bytes, got ${srcOffset}, ${dstOffset}, ${bytes}`,
    );
    const batch = this.openBatch();
    this.endPass(batch).copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
    this.recorder?.({
      op: 'copyBufferToBuffer',
      label: 'copy',
      encode: (encoder) => encoder.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes),
    });
    this.recorded(batch, 'copy');
  }

  /**
   * Writes host bytes into a device buffer at `offset` (a multiple of 4), after every command
   * recorded so far (they are submitted first, so the write cannot overtake them).
   */
  write(buffer: GPUBuffer, offset: number, data: ArrayBufferView): void {
    this.assertAlive();
    this.flush();
    this.raw.queue.writeBuffer(buffer, offset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Copies `bytes` bytes of a buffer back to the host (submits the batch and waits for all work). */
  async read(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    this.assertAlive();
    const size = alignedSize(bytes);
    const staging = this.raw.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      const batch = this.openBatch();
      this.endPass(batch).copyBufferToBuffer(buffer, 0, staging, 0, size);
      batch.labels.push('readback');
      this.flush();
      await this.whileAlive(staging.mapAsync(GPUMapMode.READ));
      const copy = staging.getMappedRange(0, size).slice(0, bytes);
      staging.unmap();
      await this.checkErrors();
      return copy;
    } finally {
      staging.destroy(); // after the submission that copies into it
    }
  }

  /** Submits the recorded commands and waits until the device has run them (then checkErrors()). */
  async synchronize(): Promise<void> {
    this.assertAlive();
    this.flush();
    await this.whileAlive(this.raw.queue.onSubmittedWorkDone());
    await this.checkErrors();
  }

  /**
   * Submits the commands recorded so far as one command buffer and closes their error scopes
   * (their result is awaited by checkErrors() and every read). No-op when nothing is recorded.
   */
  flush(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = null;
    try {
      batch.pass?.end();
      const queue = this.raw.queue;
      if (batch.uniformBytes > 0) queue.writeBuffer(this.uniforms, 0, this.uniformHost, 0, batch.uniformBytes);
      queue.submit([batch.encoder.finish()]);
    } finally {
      const validation = this.raw.popErrorScope();
      const memory = this.raw.popErrorScope();
      this.pending.push(this.scopeResult(batch, validation, memory));
    }
  }

  /** Submits the batch, awaits the error scopes of every submission so far; throws the first error found. */
  async checkErrors(): Promise<void> {
    this.flush();
    const pending = this.pending;
    this.pending = [];
    const errors = (await this.whileAlive(Promise.all(pending))).filter((e): e is NtkError => e !== null);
    if (errors.length > 0) throw errors[0];
    this.assertAlive();
  }

  /**
   * Compiles a shader variant ahead of use and reports WGSL errors with the offending line
   * quoted (E_SHADER_COMPILE). Tests call this for every shader.
   */
  async compile(shader: ShaderName, constants: Record<string, number | boolean> = {}): Promise<void> {
    this.raw.pushErrorScope('validation');
    const entry = this.pipeline(shader, constants);
    const error = await this.whileAlive(this.raw.popErrorScope());
    const compileError = await this.whileAlive(this.compiled(shader, entry));
    if (compileError) throw compileError;
    if (error) throw new NtkError('E_GPU_VALIDATION', `pipeline for ${shader}: ${error.message}`, { shader });
  }

  /** Compiles WGSL source (e.g. a user's own compute shader); throws E_SHADER_COMPILE quoting the line. */
  async compileSource(label: string, code: string): Promise<void> {
    this.raw.pushErrorScope('validation');
    const module = this.raw.createShaderModule({ code, label });
    const error = await this.whileAlive(this.raw.popErrorScope());
    const compileError = await this.whileAlive(shaderCompileError(label, code, module));
    if (compileError) throw compileError;
    if (error) throw new NtkError('E_GPU_VALIDATION', `shader ${label}: ${error.message}`, { shader: label });
  }

  /**
   * Destroys pooled buffers and the device; the Gpu can no longer be used. Error scopes still in
   * flight settle later: gpuSettled() waits for them (a Worker must not be terminated before).
   */
  destroy(): void {
    if (this.lostReason === null) this.flush(); // before the buffers it uses are destroyed
    this.batch = null;
    unsettled.add(Promise.allSettled(this.pending));
    this.pending = [];
    this.pool.clear();
    this.textures.forEach((list) => list.forEach((t) => t.destroy()));
    this.textures.clear();
    this.pipelines.clear();
    this.uniforms.destroy();
    this.raw.destroy();
    this.lostReason = 'destroyed';
    this.markGone();
    live.delete(this);
  }

  /**
   * `work` (a promise of the device), or E_DEVICE_LOST as soon as the device is lost or destroyed,
   * or when `work` rejects because it was (mapAsync's AbortError).
   */
  private async whileAlive<T>(work: Promise<T>): Promise<T> {
    try {
      return await Promise.race([work, this.gone]);
    } catch (e) {
      if (this.lostReason !== null) throw this.lostError();
      throw e;
    }
  }

  private pipeline(shader: ShaderName, constants: Record<string, number | boolean>) {
    const key = pipelineKey(shader, constants);
    let entry = this.pipelines.get(key);
    if (!entry) {
      const code = SHADERS[shader];
      check(code !== undefined, `unknown shader "${shader}"`);
      const module = this.raw.createShaderModule({ code, label: shader });
      const numeric: Record<string, number> = {};
      for (const [name, value] of Object.entries(constants)) numeric[name] = Number(value);
      const pipeline = this.raw.createComputePipeline({
        layout: 'auto',
        compute: { module, entryPoint: 'main', constants: numeric },
        label: key,
      });
      entry = { pipeline, module };
      this.pipelines.set(key, entry);
    }
    return entry;
  }

  /**
   * The WGSL errors of a pipeline's module (E_SHADER_COMPILE) or null, asked once per module: in
   * headless Chromium (ANGLE on llvmpipe) a second getCompilationInfo() on a module blocked the page
   * for minutes (the conformance suite compiles every shader first, so an op's validation error
   * asked a second time).
   */
  private compiled(shader: ShaderName, entry: { module: GPUShaderModule; compiled?: Promise<NtkError | null> }): Promise<NtkError | null> {
    entry.compiled ??= shaderCompileError(shader, SHADERS[shader], entry.module);
    return entry.compiled;
  }

  /** The open batch, or a new one: a command encoder under fresh out-of-memory and validation scopes. */
  private openBatch(): Batch {
    if (this.batch) return this.batch;
    this.raw.pushErrorScope('out-of-memory');
    this.raw.pushErrorScope('validation');
    this.batch = {
      encoder: this.raw.createCommandEncoder({ label: 'batch' }),
      pass: null,
      labels: [],
      shaders: new Map(),
      uniformBytes: 0,
    };
    return this.batch;
  }

  /** The batch's encoder with no compute pass open (copies and clears go between passes). */
  private endPass(batch: Batch): GPUCommandEncoder {
    batch.pass?.end();
    batch.pass = null;
    return batch.encoder;
  }

  /** Notes a recorded command; submits the batch when it is full or in submit-each-command mode. */
  private recorded(batch: Batch, label: string): void {
    batch.labels.push(label);
    if (this.submitEachCommand || batch.labels.length >= this.submitEvery) this.flush();
  }

  /** The batch's error, if any, as an NtkError naming its commands (the one command when submitted alone). */
  private async scopeResult(
    batch: Batch,
    validation: Promise<GPUError | null>,
    memory: Promise<GPUError | null>,
  ): Promise<NtkError | null> {
    const [v, m] = await Promise.all([validation, memory]);
    if (!v && !m) return null;
    const where =
      batch.labels.length === 1
        ? batch.labels[0]
        : `one of ${batch.labels.length} commands submitted together (${summarize(batch.labels)})`;
    const pinpoint = batch.labels.length === 1 ? '' : ' Set NTK_AT_SYNC=1 to submit each command alone and name the failing one.';
    const details = { commands: [...new Set(batch.labels)] };
    if (m) return new NtkError('E_GPU_OUT_OF_MEMORY', `${where}: ${m.message}. Free tensors or use smaller batches.${pinpoint}`, details);
    for (const [key, shader] of batch.shaders) {
      const entry = this.pipelines.get(key);
      const compileError = entry ? await this.compiled(shader, entry) : null;
      if (compileError) return compileError;
    }
    const shaders = [...new Set(batch.shaders.values())];
    return new NtkError('E_GPU_VALIDATION', `${where}: ${v?.message}${pinpoint}`, {
      ...details,
      shader: shaders.length === 1 ? shaders[0] : shaders,
    });
  }

  private assertAlive(): void {
    if (this.lostReason !== null) throw this.lostError();
  }

  private lostError(): NtkError {
    return new NtkError('E_DEVICE_LOST', `the GPU device is gone (${this.lostReason}); create a new Gpu with createGpu().`);
  }
}

/** A value of each GpuOptions key, for resolveOptions' check of names and kinds (the defaults come from the environment, in openGpu). */
const GPU_OPTION_KINDS: Required<Omit<GpuOptions, 'platform'>> & { platform: null } = {
  adapter: 'auto',
  platform: null,
  sync: false,
  gemm: 'block',
  submitEvery: 64,
};

/**
 * Acquires an adapter and a device with the adapter's full limits; its GPU programs are the option's GEMM variant
 * (or the block variant) until set. Use createGpu (ops/program_choice.ts), which also chooses them by measurement.
 */
export async function openGpu(options: GpuOptions = {}): Promise<Gpu> {
  if (options !== null && typeof options === 'object' && 'matmulKernel' in options) {
    throw new NtkError('E_INVALID_ARGUMENT', 'createGpu: option "matmulKernel" is now "gemm" (block, block-storage or tiled).', {
      where: 'createGpu',
      option: 'matmulKernel',
      renamed: 'gemm',
    });
  }
  resolveOptions('createGpu', GPU_OPTION_KINDS, options);
  const platform = options.platform ?? currentPlatform();
  const choice = (options.adapter ?? platform.env('NTK_AT_ADAPTER') ?? 'auto') as AdapterChoice;
  check(
    ADAPTER_CHOICES.includes(choice),
    `adapter "${choice}" is unknown; use one of ${ADAPTER_CHOICES.join(', ')} (option \`adapter\` or env NTK_AT_ADAPTER).`,
  );
  if (!platform.supportedChoices.includes(choice)) {
    throw new NtkError(
      'E_ADAPTER_UNAVAILABLE',
      `adapter "${choice}" is not available in ${platform.runtime}; choose one of ${platform.supportedChoices.join(', ')}.`,
      { choice, runtime: platform.runtime },
    );
  }
  const submitEvery = resolveSubmitEvery(options.submitEvery, platform.env('NTK_AT_SUBMIT_EVERY'));
  const acquired = await platform.requestAdapter(choice);
  if (!acquired) {
    throw new NtkError(
      'E_NO_ADAPTER',
      `no WebGPU adapter found in ${platform.runtime} for adapter choice "${choice}". ${platform.installHint}`,
      { choice, runtime: platform.runtime },
    );
  }
  const { adapter } = acquired;
  const requiredLimits: Record<string, number> = {};
  for (const key in adapter.limits) {
    const value = (adapter.limits as unknown as Record<string, unknown>)[key];
    if (typeof value === 'number') requiredLimits[key] = value;
  }
  const device = await adapter.requestDevice({ requiredLimits, label: 'ntk-at' });
  const info = adapter.info;
  const l = device.limits;
  const report: AdapterReport = {
    runtime: platform.runtime,
    choice,
    path: acquired.path,
    featureLevel: acquired.featureLevel,
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter),
    adapterClass: adapterClass(info),
    limits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    },
  };
  const sync = options.sync ?? platform.env('NTK_AT_SYNC') === '1';
  return new Gpu(device, report, platform, sync, submitEvery ?? SUBMIT_EVERY[report.adapterClass]);
}

/** The submitEvery option or env NTK_AT_SUBMIT_EVERY, checked (an integer from 1 to MAX_SUBMIT_EVERY); undefined: the class default. */
function resolveSubmitEvery(option: number | undefined, env: string | undefined): number | undefined {
  const [value, source] =
    option !== undefined ? [option, 'option submitEvery'] : [env === undefined ? undefined : Number(env), 'env NTK_AT_SUBMIT_EVERY'];
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > MAX_SUBMIT_EVERY) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `createGpu: ${source} must be an integer from 1 to ${MAX_SUBMIT_EVERY} (commands per submission), got ${option ?? JSON.stringify(env)}.`,
      { option: 'submitEvery', value: option ?? env },
    );
  }
  return value;
}

/** One line naming the runtime, adapter and path, e.g. for logs and test output. */
export function formatAdapterReport(r: AdapterReport): string {
  const name = [r.vendor, r.architecture, r.device, r.description].filter((s) => s).join(' / ');
  return (
    `${r.runtime}: ${name || '(adapter info not exposed)'} [path ${r.path}, ${r.featureLevel}, ${r.adapterClass}` +
    `${r.isFallbackAdapter ? ', fallback' : ''}, max binding ${(r.limits.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB]`
  );
}

async function shaderCompileError(shader: string, code: string, module: GPUShaderModule): Promise<NtkError | null> {
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length === 0) return null;
  const lines = code.split('\n');
  const text = errors
    .map((m) => `${sourceLocation(shader, lines, m.lineNum)}:${m.linePos}: ${m.message}\n  ${lines[m.lineNum - 1] ?? ''}`)
    .join('\n');
  return new NtkError('E_SHADER_COMPILE', `WGSL compile error\n${text}`, { shader });
}

/**
 * `file:line` of a line of an expanded shader: lines after a `// ---- shaders/lib/x.wgsl ----`
 * marker (scripts/codegen.mjs appends included files that way) belong to the included file.
 */
function sourceLocation(shader: string, lines: string[], lineNum: number): string {
  for (let i = lineNum - 1; i >= 0; i--) {
    const marker = /^\/\/ ---- (shaders\/lib\/[a-z0-9_]+\.wgsl) ----$/.exec(lines[i] ?? '');
    if (marker) return `${marker[1]}:${lineNum - i - 1}`;
  }
  return `shaders/${shader}.wgsl:${lineNum}`;
}

function pipelineKey(shader: string, constants: Record<string, number | boolean>): string {
  return `${shader}|${JSON.stringify(constants, Object.keys(constants).sort())}`;
}

/** The distinct labels of a batch in order, the first few of them. */
function summarize(labels: string[]): string {
  const distinct = [...new Set(labels)];
  const shown = distinct.slice(0, 6).join('; ');
  return distinct.length > 6 ? `${shown}; and ${distinct.length - 6} more` : shown;
}

function alignedSize(bytes: number): number {
  return Math.max(4, Math.ceil(bytes / 4) * 4);
}
