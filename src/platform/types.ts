// The one interface every runtime adapter implements (node.ts, deno.ts, browser.ts): how to get
// a WebGPU adapter under the project's policy, read the environment, and tell the time.

/** Which adapter to acquire. `auto`: a real GPU first, then the fastest software adapter. */
export type AdapterChoice = 'auto' | 'gpu' | 'llvmpipe' | 'swiftshader' | 'lavapipe';

export const ADAPTER_CHOICES: readonly AdapterChoice[] = ['auto', 'gpu', 'llvmpipe', 'swiftshader', 'lavapipe'];

/** An adapter found by a platform, with how it was reached. */
export interface AcquiredAdapter {
  adapter: GPUAdapter;
  /** How the adapter was reached, e.g. `dawn/vulkan`, `dawn/opengles`, `deno/wgpu`, `browser`. */
  path: string;
  featureLevel: 'core' | 'compatibility';
  /**
   * Objects that must stay alive as long as any device from this adapter is in use
   * (dawn.node segfaults if its `create()` result is garbage-collected).
   */
  keepAlive: unknown;
}

export interface Platform {
  runtime: 'node' | 'deno' | 'browser';
  /** Reads an environment variable; undefined where the runtime has none or denies access. */
  env(name: string): string | undefined;
  /** Milliseconds from a monotonic clock. */
  now(): number;
  /** Acquires an adapter following `choice`; returns null when none of the allowed paths gives one. */
  requestAdapter(choice: AdapterChoice): Promise<AcquiredAdapter | null>;
  /** Adapter choices this runtime can honour. */
  supportedChoices: readonly AdapterChoice[];
  /** What to install or enable when no adapter is found. */
  installHint: string;
  /**
   * Reads a whole file: a path in Node and Deno, a URL (relative to the page) in browsers and
   * Workers. Rejects with the runtime's own error; src/data/files.ts turns it into E_DATA_READ.
   */
  readFile?(path: string): Promise<Uint8Array>;
}

/** True when an adapter is a CPU (software) implementation rather than a real GPU. */
export function isSoftwareAdapter(info: GPUAdapterInfo): boolean {
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  return Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter) ||
    /swiftshader|llvmpipe|lavapipe|softpipe|software|warp/i.test(text);
}
