/**
 * Getting a WebGPU device in any runtime: the adapter policy (a real GPU first, else the fastest
 * software adapter), the runtime's platform, typed errors, and the package version.
 * @module device
 */

export { NtkError, type NtkErrorCode } from '../errors.js';
export {
  ADAPTER_CHOICES,
  currentPlatform,
  type AdapterChoice,
  type Platform,
  type AcquiredAdapter,
  type CliIo,
  type CliStream,
} from '../platform/index.js';
export { Gpu, formatAdapterReport, type AdapterReport, type GpuOptions } from '../device/gpu.js';
export { createGpu } from '../ops/program_choice.js';
export { VERSION } from '../version.js';
