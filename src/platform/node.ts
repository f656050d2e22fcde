// Node platform: WebGPU through the npm `webgpu` package (Dawn). Policy for `auto`: a real GPU
// from Dawn's default backends first, then llvmpipe through OpenGL ES (compatibility adapter,
// 3-7x faster than SwiftShader here), then SwiftShader's Vulkan driver shipped with Chromium.
// `webgpu` is an optional peer dependency of the package: only this file loads it, on first use.

import { NtkError } from '../errors.js';
import { ioError, isSoftwareAdapter, type AcquiredAdapter, type AdapterChoice, type Platform } from './types.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

type DawnModule = { create(flags: string[]): GPU; globals: Record<string, unknown> };

let dawn: DawnModule | null = null;

async function loadDawn(): Promise<DawnModule> {
  if (!dawn) {
    // Imported dynamically and by a non-literal name so browser and Deno bundles never see it.
    const name = 'webgpu';
    setHeadlessEnv();
    try {
      dawn = (await import(name)) as DawnModule;
    } catch (e) {
      if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND' || !String((e as Error).message).includes(`'${name}'`)) throw e;
      throw new NtkError(
        'E_MISSING_DEPENDENCY',
        'WebGPU in Node comes from the npm package `webgpu` (Dawn), an optional peer dependency of ntk-at that is not ' +
          'installed: run `npm install webgpu@0.6` in your project. (Deno and browsers have WebGPU built in.)',
        { package: name, install: 'npm install webgpu@0.6' },
      );
    }
    // WebGPU's constant tables (GPUBufferUsage, GPUMapMode, ...) are globals in browsers.
    for (const [key, value] of Object.entries(dawn.globals)) {
      if (!(key in globalThis)) (globalThis as Record<string, unknown>)[key] = value;
    }
  }
  return dawn;
}

/**
 * EGL reads EGL_PLATFORM once, at its first initialisation (which Dawn's default backends also
 * trigger): headless machines have no display, so default to surfaceless. Mesa's Wayland code prints
 * "XDG_RUNTIME_DIR is invalid or not set" twice when that variable is missing (headless sessions,
 * containers); any directory silences it, and without a Wayland socket there nothing connects. Only the main thread
 * changes the process environment natively (a worker_threads Worker's process.env is a copy), so the
 * caller's side of a Worker sets it too (workerEndpoint) before the Worker first touches WebGPU.
 */
function setHeadlessEnv(): void {
  process.env.EGL_PLATFORM ??= 'surfaceless';
  process.env.XDG_RUNTIME_DIR ??= process.env.TMPDIR ?? '/tmp';
}

/** comlink's adapter from a worker_threads port/Worker to a comlink endpoint (loaded by name, like webgpu). */
async function loadNodeAdapter(): Promise<(port: unknown) => unknown> {
  const name = 'comlink/dist/esm/node-adapter.mjs';
  return ((await import(name)) as { default: (port: unknown) => unknown }).default;
}

/** Runs `fn` with extra environment variables set (Dawn reads them when it discovers adapters). */
async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const key of Object.keys(env)) {
    saved[key] = process.env[key];
    process.env[key] = env[key];
  }
  try {
    return await fn();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

async function tryGpu(module: DawnModule): Promise<AcquiredAdapter | null> {
  const gpu = module.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter || isSoftwareAdapter(adapter.info)) return null;
  return { adapter, path: 'dawn/default', featureLevel: 'core', keepAlive: gpu };
}

async function tryLlvmpipe(module: DawnModule): Promise<AcquiredAdapter | null> {
  const gpu = module.create(['backend=opengles']);
  const adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions);
  if (!adapter) return null;
  return { adapter, path: 'dawn/opengles', featureLevel: 'compatibility', keepAlive: gpu };
}

async function trySwiftshader(module: DawnModule): Promise<AcquiredAdapter | null> {
  const { existsSync } = await import('node:fs');
  if (!existsSync(SWIFTSHADER_ICD)) return null;
  const gpu = module.create([]);
  const adapter = await withEnv({ VK_ICD_FILENAMES: SWIFTSHADER_ICD }, () => gpu.requestAdapter());
  if (!adapter) return null;
  return { adapter, path: 'dawn/vulkan-swiftshader', featureLevel: 'core', keepAlive: gpu };
}

export const nodePlatform: Platform = {
  runtime: 'node',
  env: (name) => process.env[name],
  now: () => performance.now(),
  supportedChoices: ['auto', 'gpu', 'llvmpipe', 'swiftshader'],
  installHint:
    'Install a GPU driver with Vulkan support, or the software adapters (Debian: `apt-get install libvulkan1 ' +
    'mesa-vulkan-drivers libegl1 libegl-mesa0 libgl1-mesa-dri`, plus `chromium` for SwiftShader; in the ntk-at ' +
    'repository `bash scripts/setup.sh` does this).',
  async writeFileAtomic(path, bytes) {
    const fs = await import('node:fs/promises');
    const { dirname } = await import('node:path');
    const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      await fs.mkdir(dirname(path), { recursive: true });
      const handle = await fs.open(tmp, 'w');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, path);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw ioError(path, e);
    }
  },
  async appendText(path, text) {
    const fs = await import('node:fs/promises');
    const { dirname } = await import('node:path');
    try {
      await fs.mkdir(dirname(path), { recursive: true });
      await fs.appendFile(path, text);
    } catch (e) {
      throw ioError(path, e);
    }
  },
  async workerScope() {
    const { parentPort } = await import('node:worker_threads');
    if (!parentPort) {
      throw new NtkError('E_INVALID_ARGUMENT', 'workerScope: not running inside a worker_threads Worker; start one on dist/worker.js.');
    }
    return (await loadNodeAdapter())(parentPort);
  },
  async workerEndpoint(worker) {
    setHeadlessEnv();
    return (await loadNodeAdapter())(worker);
  },
  // Getters: this module is imported (not used) in browsers and Deno, where `process` may be absent.
  cli: {
    args: () => process.argv.slice(2),
    stdout: { get isTTY() { return Boolean(process.stdout.isTTY); }, write: (t) => void process.stdout.write(t) },
    stderr: { get isTTY() { return Boolean(process.stderr.isTTY); }, write: (t) => void process.stderr.write(t) },
    exit: (code) => process.exit(code),
  },
  async requestAdapter(choice: AdapterChoice) {
    const module = await loadDawn();
    const order: Record<string, Array<(m: DawnModule) => Promise<AcquiredAdapter | null>>> = {
      auto: [tryGpu, tryLlvmpipe, trySwiftshader],
      gpu: [tryGpu],
      llvmpipe: [tryLlvmpipe],
      swiftshader: [trySwiftshader],
    };
    for (const attempt of order[choice] ?? []) {
      const found = await attempt(module);
      if (found) return found;
    }
    return null;
  },
  async readFile(path: string) {
    const { readFile } = await import('node:fs/promises');
    const data = await readFile(path);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  },
};
