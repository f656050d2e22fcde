// Helpers shared by layers: creating named parameters from host data, the summed gradient's
// lazy allocation, and the typed errors a layer raises for bad shapes or call order.

import type { Gpu } from '../device/gpu.js';
import { NtkError } from '../errors.js';
import { Tensor, type Shape } from '../tensor/tensor.js';
import type { Parameter } from './layer.js';

/**
 * A parameter named `name` with `shape`, holding `data` (uploaded). The device buffer is acquired
 * before `data` is made, so a shape past the device's limits is E_BUFFER_TOO_LARGE naming the limit
 * instead of a host allocation that fails (RangeError) or takes minutes.
 */
export function createParameter(
  gpu: Gpu,
  name: string,
  data: Float32Array | (() => Float32Array),
  shape: Shape,
  noDecay: boolean,
): Parameter {
  const value = Tensor.empty(gpu, shape);
  try {
    const host = typeof data === 'function' ? data() : data;
    value.dispose();
    return { name, value: Tensor.fromArray(gpu, host, shape), grad: null, noDecay };
  } catch (e) {
    if (!value.disposed) value.dispose();
    throw e;
  }
}

/** The parameter's summed-gradient tensor, allocated (zeroed) on first use. */
export function gradOf(p: Parameter): Tensor {
  if (!p.grad) p.grad = Tensor.zeros(p.value.gpu, p.value.shape);
  return p.grad;
}

/** Frees a parameter's value and summed gradient. */
export function disposeParameter(p: Parameter): void {
  p.value.dispose();
  p.grad?.dispose();
  p.grad = null;
}

/** E_SHAPE_MISMATCH naming the layer, what it expects and what it got. */
export function shapeError(layer: string, kind: string, expected: string, got: Shape, hint = ''): NtkError {
  return new NtkError('E_SHAPE_MISMATCH', `layer "${layer}" (${kind}) expects input ${expected}, got [${got}]${hint ? `; ${hint}` : ''}.`, {
    layer,
    expected,
    got: [...got],
  });
}

/** The recorded tensor, or E_INVALID_ARGUMENT when backward() runs without a recorded forward. */
export function recorded<T>(layer: string, value: T | null): T {
  if (value === null) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `layer "${layer}": backward() needs a preceding forward() with record: true (the record was cleared or never made).`,
      { layer },
    );
  }
  return value;
}

/** E_SHAPE_MISMATCH unless dy has the shape the recorded forward produced. */
export function checkGradShape(layer: string, dy: Shape, expected: Shape): void {
  if (dy.length !== expected.length || dy.some((d, i) => d !== expected[i])) {
    throw new NtkError('E_SHAPE_MISMATCH', `layer "${layer}": backward() got dy [${dy}] but the recorded forward produced [${expected}].`, {
      layer,
      dy: [...dy],
      expected: [...expected],
    });
  }
}
