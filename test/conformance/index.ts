// Entry of the conformance bundle (dist/conformance.js): registers every case module and
// exports the runner. The runtime runners in test/runners/ import this built bundle.

import './device.js';
import './batching.js';
import './matmul.js';
import './map_reduce.js';
import './random.js';
import './attacks.js';
import './attack_losses.js';
import './autoattack.js';
import './data.js';
import './binary.js';
import './channel.js';
import './softmax_cross_entropy.js';
import './sgd.js';
import './layers.js';
import './fused_layers.js';
import './model_mlp.js';
import './train_loop.js';
import './ntk.js';
import './predict.js';
import './eigh.js';
import './conv2d.js';
import './pool2d.js';
import './batchnorm.js';
import './conv_layers.js';
import './conv_models.js';
import './batch_stats_ntk.js';
import './model_mlp_bn.js';
import './real_sizes.js';

export { listCases, runConformance, type CaseResult, type ConformanceRun } from './harness.js';
