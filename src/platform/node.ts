// Node platform: WebGPU through the npm `webgpu` package (Dawn). Policy for `auto`: a real GPU
// from Dawn's default backends first, then llvmpipe through OpenGL ES (compatibility adapter,
// 3-7x faster than SwiftShader here), then SwiftShader's Vulkan driver shipped with Chromium.
// `webgpu` is an optional peer dependency of the package: only this file loads it, on first use.

import { NtkError } from '../errors.js';
import {
  cacheDirectory,
  checkWritableDirectory,
  makeDirectories,
  staleTemporaries,
  temporaryPrefix,
  type DirectoryOps,
} from './directories.js';
import { takeLock } from './lock_file.js';
import {
  ioError,
  isSoftwareAdapter,
  notRegularFile,
  READ_LIMIT,
  tooLarge,
  type AcquiredAdapter,
  type AdapterChoice,
  type Platform,
} from './types.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Lines Dawn and Mesa print to stderr (natively, past Node's streams) while adapters are probed on
 * machines without a GPU: a software Vulkan driver Dawn declines (with its " - While ..." and
 * "    at ..." context lines), limits Dawn lowers on OpenGL ES, Wayland without XDG_RUNTIME_DIR.
 * The CLI drops exactly these unless --verbose; anything else on stderr passes through.
 */
const NATIVE_NOISE: readonly RegExp[] = [
  /^Warning: Vulkan shaderUniform\*ArrayDynamicIndexing required\.$/,
  /^Warning: max\w+ artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/,
  /^error: XDG_RUNTIME_DIR is invalid or not set in the environment\.$/,
];
const NOISE_CONTEXT = /^( - While | {4}at |$)/;
/** How noise and context lines begin: a partial line that could still become one is held back. */
const NOISE_STARTS = ['Warning: ', 'error: ', ' - ', '    at '];
/** Set in the child of runQuietly (its stderr is filtered by the parent); `tty` when the parent's stderr is a terminal. */
const QUIET_CHILD_ENV = 'NTK_AT_QUIET_CHILD';

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

/**
 * What this process owns and must not outlive it: child processes it started (spawnSelf) and lock
 * files it holds. On exit (normal, process.exit, or after an interrupt's handler) the children get
 * SIGTERM and the locks still holding this process's `host pid` are removed.
 */
const owned = { children: new Set<{ kill(signal: NodeJS.Signals): boolean }>(), locks: new Map<string, string>() };
let ownedHook = false;

async function own(): Promise<void> {
  if (ownedHook) return;
  ownedHook = true;
  const { readFileSync, rmSync } = await import('node:fs');
  process.once('exit', () => {
    for (const child of owned.children) child.kill('SIGTERM');
    for (const [path, me] of owned.locks) {
      try {
        if (readFileSync(path, 'utf8').trim() === me) rmSync(path, { force: true });
      } catch {
        // gone already
      }
    }
  });
}

/**
 * Runs this CLI again as a child whose stderr goes through a filter of NATIVE_NOISE (a matched line
 * also drops its context lines); stdout, stdin and the terminal's signals reach the child directly.
 */
async function runQuietly(args: string[]): Promise<number | null> {
  if (process.env[QUIET_CHILD_ENV] !== undefined || !process.argv[1]) return null;
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...args], {
    stdio: ['inherit', 'inherit', 'pipe'],
    env: { ...process.env, [QUIET_CHILD_ENV]: process.stderr.isTTY ? 'tty' : 'pipe' },
  });
  const filter = nativeNoiseFilter();
  const write = (text: string) => void (text && process.stderr.write(text));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => write(filter.push(chunk)));
  // Signals sent to this process alone (a supervisor, kill PID) reach the child too; a terminal's Ctrl-C
  // reaches both (one process group), and the child's handler runs once (onInterrupt).
  process.on('SIGINT', () => child.kill('SIGINT')).on('SIGTERM', () => child.kill('SIGTERM'));
  const { constants } = await import('node:os');
  const code = await new Promise<number>((resolve) =>
    child.on('close', (status, signal) => resolve(status ?? 128 + (signal ? constants.signals[signal] : 0))),
  );
  write(filter.end());
  return code;
}

/**
 * A line filter of NATIVE_NOISE for a stderr stream: push() returns the text to write now, end()
 * the rest. A matched line also drops the context lines after it; a partial line (a progress bar
 * redrawn with \r) goes out at once unless it could be the start of a noise line.
 */
export function nativeNoiseFilter(): { push(text: string): string; end(): string } {
  let pending = '';
  let inNoise = false;
  const keep = (line: string): boolean => {
    inNoise = NATIVE_NOISE.some((re) => re.test(line)) || (inNoise && NOISE_CONTEXT.test(line));
    return !inNoise;
  };
  return {
    push(text) {
      const lines = (pending + text).split('\n');
      pending = lines.pop()!;
      let out = lines
        .filter(keep)
        .map((l) => `${l}\n`)
        .join('');
      if (pending && !NOISE_STARTS.some((start) => start.startsWith(pending) || pending.startsWith(start))) {
        out += pending;
        pending = '';
      }
      return out;
    },
    end() {
      const rest = pending && keep(pending) ? pending : '';
      pending = '';
      return rest;
    },
  };
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

/**
 * Dawn instances (the `GPU` objects of `create()`), one per backend set, made once and held for the
 * process's life. dawn.node schedules event processing (adapter and device requests, error scopes,
 * `device.lost`) on an instance through setImmediate without holding it: an instance that the garbage
 * collector frees while such a callback is queued is used after its free, which aborted or hung the
 * process (glibc `tpp.c` assertion, segfaults, std::system_error at exit) when Gpus were created and
 * destroyed in one process, most often for the probe instance `auto` drops on machines without a GPU.
 */
const instances = new Map<string, GPU>();

function dawnInstance(module: DawnModule, key: 'default' | 'opengles' | 'swiftshader', flags: string[]): GPU {
  let gpu = instances.get(key);
  if (!gpu) {
    gpu = module.create(flags);
    instances.set(key, gpu);
  }
  return gpu;
}

async function tryGpu(module: DawnModule): Promise<AcquiredAdapter | null> {
  const gpu = dawnInstance(module, 'default', []);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter || isSoftwareAdapter(adapter.info)) return null;
  return { adapter, path: 'dawn/default', featureLevel: 'core' };
}

async function tryLlvmpipe(module: DawnModule): Promise<AcquiredAdapter | null> {
  const gpu = dawnInstance(module, 'opengles', ['backend=opengles']);
  const adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions);
  if (!adapter) return null;
  return { adapter, path: 'dawn/opengles', featureLevel: 'compatibility' };
}

async function trySwiftshader(module: DawnModule): Promise<AcquiredAdapter | null> {
  const { existsSync } = await import('node:fs');
  if (!existsSync(SWIFTSHADER_ICD)) return null;
  // Its own instance: Vulkan drivers are discovered once per instance, under this VK_ICD_FILENAMES.
  const gpu = dawnInstance(module, 'swiftshader', []);
  const adapter = await withEnv({ VK_ICD_FILENAMES: SWIFTSHADER_ICD }, () => gpu.requestAdapter());
  if (!adapter) return null;
  return { adapter, path: 'dawn/vulkan-swiftshader', featureLevel: 'core' };
}

/** The file-system primitives of src/platform/directories.ts, from node:fs. */
async function nodeDirectoryOps(): Promise<DirectoryOps> {
  const fs = await import('node:fs/promises');
  return {
    kind: (path) =>
      fs.stat(path).then(
        (s) => s.isDirectory(),
        () => null,
      ),
    mkdir: (path) => fs.mkdir(path),
    create: (path) => fs.writeFile(path, '', { flag: 'wx' }),
    remove: (path) => fs.rm(path, { force: true }),
  };
}

/**
 * Whether process `pid` is alive: signal 0 finds it (EPERM: it exists) and, on Linux, it is no
 * zombie (state Z in /proc/<pid>/stat: it has exited, and the pid 1 of many containers reaps
 * orphans late or never, so a killed run's lock and temporaries would otherwise stay its forever).
 */
function processAlive(pid: number, readText: (path: string) => string): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
  let stat: string;
  try {
    stat = readText(`/proc/${pid}/stat`);
  } catch {
    return true; // no /proc (macOS, Windows): signal 0 is all there is
  }
  return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2)); // "pid (name) state ..."; the name may hold spaces and parentheses
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
    const { basename, dirname } = await import('node:path');
    const tmp = `${temporaryPrefix(path, process.pid)}${Math.random().toString(36).slice(2)}`;
    try {
      await makeDirectories(dirname(path), await nodeDirectoryOps());
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
      throw e instanceof NtkError ? e : ioError(path, e);
    }
    const { readFileSync } = await import('node:fs');
    const stale = staleTemporaries(basename(path), await fs.readdir(dirname(path)), (pid) =>
      processAlive(pid, (p) => readFileSync(p, 'utf8')),
    );
    await Promise.all(stale.map((name) => fs.rm(`${dirname(path)}/${name}`, { force: true })));
  },
  async appendText(path, text) {
    const fs = await import('node:fs/promises');
    const { dirname } = await import('node:path');
    try {
      await makeDirectories(dirname(path), await nodeDirectoryOps());
      const handle = await fs.open(path, 'a');
      try {
        const size = (await handle.stat()).size;
        try {
          await handle.appendFile(text);
        } catch (e) {
          await handle.truncate(size).catch(() => undefined); // a failed append (a full disk) leaves no part of a line behind
          throw e;
        }
      } finally {
        await handle.close();
      }
    } catch (e) {
      throw e instanceof NtkError ? e : ioError(path, e);
    }
  },
  async checkOutputDirectory(path) {
    await checkWritableDirectory(path, await nodeDirectoryOps());
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
  watchWorker(worker, onGone) {
    const w = worker as { once(event: string, listener: (value: unknown) => void): void };
    w.once('exit', (code) => onGone(`exited (code ${String(code)})`));
    w.once('error', (e) => onGone(`failed: ${(e as Error)?.message ?? String(e)}`));
  },
  // Getters: this module is imported (not used) in browsers and Deno, where `process` may be absent.
  cli: {
    args: () => process.argv.slice(2),
    stdout: {
      get isTTY() {
        return Boolean(process.stdout.isTTY);
      },
      write: (t) => void process.stdout.write(t),
    },
    // In runQuietly's child, stderr is a pipe to the parent: a terminal if the parent's is.
    stderr: {
      get isTTY() {
        return Boolean(process.stderr.isTTY) || process.env[QUIET_CHILD_ENV] === 'tty';
      },
      write: (t) => void process.stderr.write(t),
    },
    exit: (code) => process.exit(code),
    async spawnSelf(args, output) {
      const { spawn } = await import('node:child_process');
      const { openSync, closeSync, mkdirSync } = await import('node:fs');
      const { dirname } = await import('node:path');
      mkdirSync(dirname(output), { recursive: true });
      const fd = openSync(output, 'a');
      try {
        await own();
        const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...args], { stdio: ['ignore', fd, fd] });
        owned.children.add(child);
        return await new Promise<number>((resolve, reject) => {
          child.on('error', reject);
          child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
        }).finally(() => owned.children.delete(child));
      } finally {
        closeSync(fd);
      }
    },
    selfCommand: () => [process.execPath, ...process.execArgv, process.argv[1]],
    absolutePath: (path) => (path.startsWith('/') ? path : `${process.cwd()}/${path.replace(/^(\.\/)+/, '')}`),
    async lockFile(path) {
      const fs = await import('node:fs');
      const { hostname } = await import('node:os');
      const { dirname } = await import('node:path');
      await makeDirectories(dirname(path), await nodeDirectoryOps()); // E_IO naming the path (a dangling or looping link, a file)
      await own();
      const me = `${hostname()} ${process.pid}`;
      const lock = await takeLock(path, {
        host: hostname(),
        pid: process.pid,
        async createExclusive(file, text) {
          try {
            const fd = fs.openSync(file, 'wx');
            fs.writeSync(fd, text);
            fs.closeSync(fd);
            return true;
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
            throw ioError(file, e);
          }
        },
        read: async (file) => fs.readFileSync(file, 'utf8'),
        remove: async (file) => fs.rmSync(file, { force: true }),
        alive: async (pid) => processAlive(pid, (p) => fs.readFileSync(p, 'utf8')),
      });
      if (!lock.held) return lock;
      owned.locks.set(path, me);
      return { held: true, release: () => lock.release().finally(() => owned.locks.delete(path)) };
    },
    onInterrupt(handler) {
      let interrupted = false;
      const once = (signal: 'SIGINT' | 'SIGTERM') => () => {
        if (interrupted) return;
        interrupted = true;
        handler(signal);
      };
      process.on('SIGINT', once('SIGINT')).on('SIGTERM', once('SIGTERM'));
    },
    runQuietly,
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
  async readCache(name) {
    const dir = cacheDirectory((key) => process.env[key]);
    if (!dir) return null;
    const { readFile } = await import('node:fs/promises');
    return readFile(`${dir}/${name}`, 'utf8').catch(() => null);
  },
  async writeCache(name, text) {
    const dir = cacheDirectory((key) => process.env[key]);
    if (!dir) return false;
    return nodePlatform.writeFileAtomic(`${dir}/${name}`, new TextEncoder().encode(text)).then(
      () => true,
      () => false,
    );
  },
  async readFile(path: string, maxBytes = READ_LIMIT) {
    const fs = await import('node:fs/promises');
    const stat = await fs.stat(path); // before opening: opening a pipe would wait for a writer
    if (!stat.isFile()) throw notRegularFile(path);
    if (stat.size > maxBytes) throw tooLarge(path, stat.size, maxBytes);
    const handle = await fs.open(path, 'r');
    try {
      const data = new Uint8Array(stat.size);
      let read = 0;
      while (read < data.length) {
        const { bytesRead } = await handle.read(data, read, data.length - read, read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      return data.subarray(0, read); // never more than stat gave (a file that grows meanwhile is read to that size)
    } finally {
      await handle.close();
    }
  },
};
