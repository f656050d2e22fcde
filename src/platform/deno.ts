// Deno platform: WebGPU is built in (`navigator.gpu`, wgpu). Deno picks its own backend;
// on GPU-less Debian that is Mesa's lavapipe (Vulkan). Needs --allow-read and --allow-env.

import { isSoftwareAdapter, type AdapterChoice, type Platform } from './types.js';

declare const Deno: { env: { get(name: string): string | undefined }; readFile(path: string): Promise<Uint8Array> };

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
