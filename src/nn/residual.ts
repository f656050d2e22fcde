// Residual container: y = body(x) + shortcut(x), with an identity shortcut when none is given
// (PreAct-ResNet blocks). Backward adds the two branches' input gradients.
// A pre-activation shared by both branches goes before the Residual in a Sequential.

import { NtkError } from '../errors.js';
import { add } from '../ops/binary.js';
import type { Shape, Tensor } from '../tensor/tensor.js';
import type { BackwardOptions, Buffer, ForwardOptions, Layer, Parameter } from './layer.js';

/** y = body(x) + shortcut(x) (identity shortcut when none is given), as in PreAct-ResNet blocks. */
export class Residual implements Layer {
  /** `name`: the block's path in its model; `body` and `shortcut` (null: identity) must give the same output shape. */
  constructor(
    readonly name: string,
    readonly body: Layer,
    /** null: identity shortcut. */
    readonly shortcut: Layer | null = null,
  ) {}

  outputShape(input: Shape): Shape {
    const a = this.body.outputShape(input);
    const b = this.shortcut ? this.shortcut.outputShape(input) : input;
    if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
      throw new NtkError(
        'E_SHAPE_MISMATCH',
        `layer "${this.name}" (Residual): body output [${a}] and shortcut output [${b}] differ for input [${input}]; ` +
          'give a shortcut layer that maps the input to the body output shape.',
        { layer: this.name, body: [...a], shortcut: [...b] },
      );
    }
    return a;
  }

  forward(x: Tensor, options: ForwardOptions): Tensor {
    this.outputShape(x.shape);
    const a = this.body.forward(x, options);
    const b = this.shortcut ? this.shortcut.forward(x, options) : x;
    const y = add(a, b);
    a.dispose();
    if (b !== x) b.dispose();
    return y;
  }

  backward(dy: Tensor, options: BackwardOptions = {}): Tensor {
    const inner = { ...options, inputGrad: true }; // both branches' dx make this layer's
    const da = this.body.backward(dy, inner);
    const db = this.shortcut ? this.shortcut.backward(dy, inner) : dy;
    const dx = add(da, db);
    da.dispose();
    if (db !== dy) db.dispose();
    return dx;
  }

  parameters(): Parameter[] {
    return [...this.body.parameters(), ...(this.shortcut?.parameters() ?? [])];
  }

  buffers(): Buffer[] {
    return [...this.body.buffers(), ...(this.shortcut?.buffers() ?? [])];
  }

  clearRecord(): void {
    this.body.clearRecord();
    this.shortcut?.clearRecord();
  }

  dispose(): void {
    this.body.dispose();
    this.shortcut?.dispose();
  }
}
