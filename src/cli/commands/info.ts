// `ntk-at info`: which WebGPU adapter the policy picks in this runtime, its limits, and the GPU programs
// chosen for it by measurement (with the probe's timings).

import { formatAdapterReport } from '../../device/gpu.js';
import { createGpu, formatProgramChoice } from '../../ops/program_choice.js';
import type { AdapterChoice } from '../../platform/index.js';
import { ADAPTER_OPTION, type Command } from '../command.js';

export const infoCommand: Command = {
  summary: 'show the WebGPU adapter this runtime would use, its limits, and the GEMM variant measured fastest on it',
  examples: ['ntk-at info                       # the adapter the policy picks here', 'ntk-at info --adapter swiftshader --json'],
  options: {
    adapter: ADAPTER_OPTION,
    json: { type: 'flag', description: 'print the full report as JSON' },
  },
  async run(options, io) {
    const gpu = await createGpu({ adapter: options.adapter as AdapterChoice | undefined });
    try {
      io.out(
        options.json
          ? JSON.stringify({ ...gpu.report, programs: gpu.programs }, null, 2)
          : `${formatAdapterReport(gpu.report)}\n${formatProgramChoice(gpu.programs)}`,
      );
    } finally {
      gpu.destroy();
    }
  },
};
