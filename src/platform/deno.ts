// Deno platform: WebGPU is built in (`navigator.gpu`, wgpu). Deno picks its own backend;
// on GPU-less Debian that is Mesa's lavapipe (Vulkan). Needs --allow-read and --allow-env.

import { ioError, isSoftwareAdapter, type AdapterChoice, type Platform } from './types.js';

declare const Deno: {
  open(path: string, options: { write: boolean; create: boolean; truncate?: boolean; append?: boolean }): Promise<{
    write(bytes: Uint8Array): Promise<number>;
    sync(): Promise<void>;
    close(): void;
  }>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  mkdir(path: string, options: { recursive: boolean }): Promise<void>;
  env: { get(name: string): string | undefined };
  readFile(path: string): Promise<Uint8Array>;
  args: string[];
  exit(code: number): never;
  stdout: { isTerminal(): boolean; writeSync(bytes: Uint8Array): number };
  stderr: { isTerminal(): boolean; writeSync(bytes: Uint8Array): number };
  execPath(): string;
  mainModule: string;
  Command: new (command: string, options: { args: string[]; stdout: 'piped'; stderr: 'piped' }) => {
    output(): Promise<{ code: number; stdout: Uint8Array; stderr: Uint8Array }>;
  };
};

const encoder = new TextEncoder();

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
    const tmp = `${path}.tmp-${Math.random().toString(36).slice(2)}`;
    try {
      await makeParent(path);
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
      throw ioError(path, e);
    }
  },
  async appendText(path, text) {
    try {
      await makeParent(path);
      const file = await Deno.open(path, { write: true, create: true, append: true });
      try {
        await writeAll(file, encoder.encode(text));
      } finally {
        file.close();
      }
    } catch (e) {
      throw ioError(path, e);
    }
  },
  workerScope: async () => globalThis,
  workerEndpoint: async (worker) => worker,
  cli: {
    args: () => Deno.args,
    stdout: { get isTTY() { return Deno.stdout.isTerminal(); }, write: (t) => void Deno.stdout.writeSync(encoder.encode(t)) },
    stderr: { get isTTY() { return Deno.stderr.isTerminal(); }, write: (t) => void Deno.stderr.writeSync(encoder.encode(t)) },
    exit: (code) => Deno.exit(code),
    async spawnSelf(args, output) {
      const result = await new Deno.Command(Deno.execPath(), { args: ['run', '-A', Deno.mainModule, ...args], stdout: 'piped', stderr: 'piped' }).output();
      const file = await Deno.open(output, { write: true, append: true, create: true });
      try {
        await file.write(result.stdout);
        await file.write(result.stderr);
      } finally {
        file.close();
      }
      return result.code;
    },
  },
  async requestAdapter(choice: AdapterChoice) {
    if (!('gpu' in navigator)) return null;
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return null;
    const software = isSoftwareAdapter(adapter.info);
    if (choice === 'gpu' && software) return null;
    if (choice === 'lavapipe' && !/lavapipe|llvmpipe/i.test(`${adapter.info.device} ${adapter.info.description}`)) {
      return null;
    }
    return { adapter, path: 'deno/wgpu', featureLevel: 'core', keepAlive: null };
  },
  readFile: (path: string) => Deno.readFile(path), // needs --allow-read
};

async function makeParent(path: string): Promise<void> {
  const slash = path.lastIndexOf('/');
  if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true });
}

async function writeAll(file: { write(bytes: Uint8Array): Promise<number> }, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length; ) done += await file.write(bytes.subarray(done));
}
