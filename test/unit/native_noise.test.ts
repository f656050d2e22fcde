// The CLI's stderr filter of native driver diagnostics (src/platform/node.ts): exactly the listed
// Dawn/Mesa lines (and their context lines) are dropped, everything else passes, in order, however
// the stream is chunked; progress-bar redraws without a newline are not held back.

import { describe, expect, it } from 'vitest';
import { nativeNoiseFilter } from '../../src/platform/node.js';

const NOISE = [
  'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
  'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
  ' - While initializing adapter (backend=BackendType::Vulkan)',
  '    at InitializeImpl (/dawn/src/dawn/native/vulkan/PhysicalDeviceVk.cpp:257)',
  '',
  'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 to fit dynamic offset allocation limit.',
].join('\n');

function run(chunks: string[]): string {
  const filter = nativeNoiseFilter();
  return chunks.map((c) => filter.push(c)).join('') + filter.end();
}

describe('native noise filter', () => {
  it('drops the listed lines with their context, keeps the rest, in any chunking', () => {
    const text = `${NOISE}\nadapter: node: llvmpipe\nWarning: something else went wrong\n    at real (stack.js:1)\nntk-at train: [E_IO] cannot write\n`;
    const expected =
      'adapter: node: llvmpipe\nWarning: something else went wrong\n    at real (stack.js:1)\nntk-at train: [E_IO] cannot write\n';
    expect(run([text])).toBe(expected);
    expect(run(text.split(''))).toBe(expected);
    expect(run([text.slice(0, 50), text.slice(50, 51), text.slice(51)])).toBe(expected);
  });

  it('passes a progress-bar redraw at once, and an unfinished last line at the end', () => {
    const filter = nativeNoiseFilter();
    expect(filter.push('\r[####....] epoch 1/2 50%')).toBe('\r[####....] epoch 1/2 50%');
    expect(filter.push('Warn')).toBe('');
    expect(filter.push('ing: real trouble')).toBe('');
    expect(filter.end()).toBe('Warning: real trouble');
  });
});
