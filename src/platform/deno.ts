// Deno platform: WebGPU is built in (`navigator.gpu`, wgpu). Deno picks its own backend;
// on GPU-less Debian that is Mesa's lavapipe (Vulkan). Needs --allow-read and --allow-env.

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
import { ioError, isSoftwareAdapter, notRegularFile, READ_LIMIT, tooLarge, type AdapterChoice, type Platform } from './types.js';

declare const Deno: {
  open(
    path: string,
    options: { write: boolean; create: boolean; truncate?: boolean; append?: boolean },
  ): Promise<{
    write(bytes: Uint8Array): Promise<number>;
    sync(): Promise<void>;
    stat(): Promise<{ size: number }>;
    truncate(length?: number): Promise<void>;
    close(): void;
  }>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  mkdir(path: string, options?: { recursive: boolean }): Promise<void>;
  stat(path: string): Promise<{ isDirectory: boolean; isFile: boolean; size: number }>;
  readDir(path: string): AsyncIterable<{ name: string }>;
  writeFile(path: string, data: Uint8Array, options?: { createNew?: boolean }): Promise<void>;
  pid: number;
  build?: { os: string };
  env: { get(name: string): string | undefined; set(name: string, value: string): void };
  readFile(path: string): Promise<Uint8Array>;
  args: string[];
  exit(code: number): never;
  addSignalListener(signal: 'SIGINT' | 'SIGTERM', handler: () => void): void;
  stdout: { isTerminal(): boolean; writeSync(bytes: Uint8Array): number };
  stderr: { isTerminal(): boolean; writeSync(bytes: Uint8Array): number };
  execPath(): string;
  mainModule: string;
  cwd(): string;
  hostname(): string;
  readTextFile(path: string): Promise<string>;
  Command: new (
    command: string,
    options: { args: string[]; stdout: 'piped'; stderr: 'piped' },
  ) => {
    output(): Promise<{ code: number; stdout: Uint8Array; stderr: Uint8Array }>;
    spawn(): DenoChild;
  };
};

/** A running child process (Deno.ChildProcess, what spawnSelf uses of it). */
interface DenoChild {
  kill(signal: 'SIGTERM'): void;
  output(): Promise<{ code: number; stdout: Uint8Array; stderr: Uint8Array }>;
}

/** Children spawnSelf started that are still running: they get SIGTERM when this process exits (normally, by Deno.exit or after an interrupt's handler), so none outlives it. */
const children = new Set<DenoChild>();
let childrenHook = false;

function ownChild(child: DenoChild): void {
  if (!childrenHook) {
    childrenHook = true;
    globalThis.addEventListener('unload', () => {
      for (const c of children) {
        try {
          c.kill('SIGTERM');
        } catch {
          // exited meanwhile
        }
      }
    });
  }
  children.add(child);
}

const encoder = new TextEncoder();

/**
 * Linux: a live process has /proc/<pid>/stat and is no zombie (state Z: exited, not yet reaped,
 * which the pid 1 of many containers does late or never); elsewhere every process counts as alive
 * (nothing is taken over or removed).
 */
async function processAlive(pid: number): Promise<boolean> {
  if (Deno.build?.os !== 'linux') return true;
  return Deno.readTextFile(`/proc/${pid}/stat`).then(
    (stat) => !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2)),
    () => false,
  );
}

/** This host's name (needs --allow-sys; without it "localhost"). */
function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return 'localhost';
  }
}

/** The script Deno runs (Deno.mainModule is a file: URL). */
const mainScript = (): string => decodeURIComponent(new URL(Deno.mainModule).pathname);

/**
 * Mesa prints "XDG_RUNTIME_DIR is invalid or not set" twice when that variable is missing (headless
 * sessions, containers); any directory silences it. Needs --allow-env; without it nothing changes.
 */
function setHeadlessEnv(): void {
  try {
    if (Deno.env.get('XDG_RUNTIME_DIR') === undefined) Deno.env.set('XDG_RUNTIME_DIR', Deno.env.get('TMPDIR') ?? '/tmp');
  } catch {
    // no --allow-env: the two lines stay
  }
}

export const denoPlatform: Platform = {
  runtime: 'deno',
  env: (name) => {
    try {
      return Deno.env.get(name);
    } catch {
      return undefined; // --allow-env not granted
    }
  },
  now: () => performance.now(),
  supportedChoices: ['auto', 'gpu', 'lavapipe'],
  installHint:
    'Deno uses the system Vulkan drivers: on Debian run `bash scripts/setup.sh` as root ' +
    '(installs libvulkan1 and mesa-vulkan-drivers for lavapipe), or install a GPU driver with Vulkan support.',
  async writeFileAtomic(path, bytes) {
    const tmp = `${temporaryPrefix(path, Deno.pid)}${Math.random().toString(36).slice(2)}`;
    try {
      await makeDirectories(parentOf(path), DENO_DIRECTORY_OPS);
      const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
      try {
        await writeAll(file, bytes);
        await file.sync();
      } finally {
        file.close();
      }
      await Deno.rename(tmp, path);
    } catch (e) {
      await Deno.remove(tmp).catch(() => undefined);
      throw e instanceof NtkError ? e : ioError(path, e);
    }
    const entries: string[] = [];
    for await (const entry of Deno.readDir(parentOf(path))) entries.push(entry.name);
    const alive = new Set<number>();
    for (const pid of new Set(entries.map((n) => Number(/\.tmp-(\d+)-/.exec(n)?.[1])).filter((p) => p > 0))) {
      if (await processAlive(pid)) alive.add(pid);
    }
    const stale = staleTemporaries(path.slice(path.lastIndexOf('/') + 1), entries, (pid) => alive.has(pid));
    await Promise.all(stale.map((name) => Deno.remove(`${parentOf(path)}/${name}`).catch(() => undefined)));
  },
  async appendText(path, text) {
    try {
      await makeDirectories(parentOf(path), DENO_DIRECTORY_OPS);
      const file = await Deno.open(path, { write: true, create: true, append: true });
      try {
        const size = (await file.stat()).size;
        try {
          await writeAll(file, encoder.encode(text));
        } catch (e) {
          await file.truncate(size).catch(() => undefined); // a failed append (a full disk) leaves no part of a line behind
          throw e;
        }
      } finally {
        file.close();
      }
    } catch (e) {
      throw e instanceof NtkError ? e : ioError(path, e);
    }
  },
  checkOutputDirectory: (path) => checkWritableDirectory(path, DENO_DIRECTORY_OPS),
  workerScope: async () => globalThis,
  workerEndpoint: async (worker) => worker,
  watchWorker: (worker, onGone) => {
    (worker as Worker).addEventListener('error', (e) => onGone(`failed: ${(e as ErrorEvent).message ?? 'error event'}`), { once: true });
  },
  cli: {
    args: () => Deno.args,
    stdout: {
      get isTTY() {
        return Deno.stdout.isTerminal();
      },
      write: (t) => void Deno.stdout.writeSync(encoder.encode(t)),
    },
    stderr: {
      get isTTY() {
        return Deno.stderr.isTerminal();
      },
      write: (t) => void Deno.stderr.writeSync(encoder.encode(t)),
    },
    exit: (code) => Deno.exit(code),
    async spawnSelf(args, output) {
      const child = new Deno.Command(Deno.execPath(), {
        args: ['run', '-A', Deno.mainModule, ...args],
        stdout: 'piped',
        stderr: 'piped',
      }).spawn();
      ownChild(child);
      const result = await child.output().finally(() => children.delete(child));
      const file = await Deno.open(output, { write: true, append: true, create: true });
      try {
        await file.write(result.stdout);
        await file.write(result.stderr);
      } finally {
        file.close();
      }
      return result.code;
    },
    selfCommand: () => [Deno.execPath(), 'run', '-A', mainScript()],
    absolutePath: (path) => (path.startsWith('/') ? path : `${Deno.cwd()}/${path.replace(/^(\.\/)+/, '')}`),
    async lockFile(path) {
      await makeDirectories(parentOf(path), DENO_DIRECTORY_OPS);
      return takeLock(path, {
        host: hostName(),
        pid: Deno.pid,
        async createExclusive(file, text) {
          try {
            await Deno.writeFile(file, encoder.encode(text), { createNew: true });
            return true;
          } catch (e) {
            if ((e as Error).name === 'AlreadyExists') return false;
            throw ioError(file, e);
          }
        },
        read: (file) => Deno.readTextFile(file),
        remove: (file) => Deno.remove(file).catch(() => undefined),
        alive: processAlive,
      });
    },
    onInterrupt(handler) {
      let interrupted = false;
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        Deno.addSignalListener(signal, () => {
          if (interrupted) return;
          interrupted = true;
          handler(signal);
        });
      }
    },
  },
  async requestAdapter(choice: AdapterChoice) {
    if (!('gpu' in navigator)) return null;
    setHeadlessEnv();
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return null;
    const software = isSoftwareAdapter(adapter.info);
    if (choice === 'gpu' && software) return null;
    if (choice === 'lavapipe' && !/lavapipe|llvmpipe/i.test(`${adapter.info.device} ${adapter.info.description}`)) {
      return null;
    }
    return { adapter, path: 'deno/wgpu', featureLevel: 'core' };
  },
  async readCache(name) {
    const dir = cacheDirectory((key) => denoPlatform.env(key));
    if (!dir) return null;
    try {
      return await Deno.readTextFile(`${dir}/${name}`);
    } catch {
      return null; // none yet, or no --allow-read there
    }
  },
  async writeCache(name, text) {
    const dir = cacheDirectory((key) => denoPlatform.env(key));
    if (!dir) return false; // without --allow-write there (e.g. the conformance runner) the write fails: no cache
    return denoPlatform.writeFileAtomic(`${dir}/${name}`, encoder.encode(text)).then(
      () => true,
      () => false,
    );
  },
  async readFile(path: string, maxBytes = READ_LIMIT) {
    // needs --allow-read
    const stat = await Deno.stat(path);
    if (!stat.isFile) throw notRegularFile(path);
    if (stat.size > maxBytes) throw tooLarge(path, stat.size, maxBytes);
    return Deno.readFile(path);
  },
};

/** The directory holding `path` ('.' for a bare name). */
function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash > 0 ? path.slice(0, slash) : slash === 0 ? '/' : '.';
}

const DENO_DIRECTORY_OPS: DirectoryOps = {
  kind: (path) =>
    Deno.stat(path).then(
      (s) => s.isDirectory,
      () => null,
    ),
  mkdir: (path) => Deno.mkdir(path),
  create: (path) => Deno.writeFile(path, new Uint8Array(0), { createNew: true }),
  remove: (path) => Deno.remove(path).catch(() => undefined),
};

async function writeAll(file: { write(bytes: Uint8Array): Promise<number> }, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length; ) done += await file.write(bytes.subarray(done));
}
