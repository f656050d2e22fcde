// ntk-at's public surface: re-exports only, one module per topic (src/api/, the sections of the API
// reference built by `npm run docs`). See README.md for the tour.

export * from './api/device.js';
export * from './api/tensor.js';
export * from './api/ops.js';
export * from './api/nn.js';
export * from './api/data.js';
export * from './api/attacks.js';
export * from './api/train.js';
export * from './api/ntk.js';
export * from './api/report.js';
export * from './api/run.js';
export * from './api/experiments.js';
export * from './api/worker.js';
