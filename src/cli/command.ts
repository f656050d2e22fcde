// What a CLI command is (summary, declared options, examples, run) and the helpers commands share:
// output streams and acquiring the Gpu named by --adapter.

import { formatAdapterReport, type Gpu } from '../device/gpu.js';
import { createGpu, formatProgramChoice } from '../ops/program_choice.js';
import type { AdapterChoice, Platform } from '../platform/index.js';
import type { OptionSpec, ParsedOptions } from './args.js';
import type { ProgressSink } from './progress.js';

/** Where a command writes: results on `out` (stdout), messages and usage errors on `err` (stderr). */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  /** Where progress bars draw (the terminal's stderr). */
  progress: ProgressSink;
  platform: Platform;
}

/** One `ntk-at <command>`: its help (summary, options, examples) and what it runs. */
export interface Command {
  summary: string;
  /** One positional argument, stored in the parsed options under `name` (`many`: a list of them). */
  positional?: { name: string; description: string; many?: boolean };
  options: Record<string, OptionSpec>;
  /** Example command lines for the help, each with a `# comment` saying what it does. */
  examples?: string[];
  run(options: ParsedOptions, io: CommandIo): Promise<void>;
}

export const ADAPTER_OPTION: OptionSpec = {
  type: 'string',
  description: 'auto | gpu | llvmpipe | swiftshader | lavapipe (or env NTK_AT_ADAPTER)',
  group: 'device',
};

/** Acquires the Gpu named by the --adapter option (or the default policy) and logs which it is. */
export async function gpuFromOptions(options: ParsedOptions, io: CommandIo): Promise<Gpu> {
  const gpu = await createGpu({ adapter: options.adapter as AdapterChoice | undefined });
  io.err(`adapter: ${formatAdapterReport(gpu.report)}`);
  io.err(formatProgramChoice(gpu.programs));
  return gpu;
}
