/**
 * Training and evaluation: the standard and adversarial trainers (PGD-AT, FGSM-AT, FGSM-RS, N-FGSM,
 * anisotropic FGSM), robust evaluation, the kernel-switch rule, step monitoring, and checkpoints.
 * @module train
 */

export {
  train,
  detectCatastrophicOverfitting,
  DEFAULT_TRAIN,
  TRAIN_METHODS,
  type TrainOptions,
  type TrainMethod,
  type BnStatsSource,
  type TrainHooks,
  type StepContext,
  type EpochRecord,
  type TrainRun,
} from '../train/trainer.js';
export { evaluate, threatName, DEFAULT_EVALUATE, type EvaluateOptions, type EvaluationResult, type Threat } from '../train/evaluate.js';
export { TRAINING_METHODS, trainingMethod, type TrainingMethod, type MethodState } from '../train/methods.js';
export { StepMonitor, type LogEntry } from '../train/monitor.js';
export { KernelSwitch, DEFAULT_SWITCH, type SwitchOptions, type SwitchDecision } from '../train/switch.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  captureCheckpoint,
  encodeCheckpoint,
  decodeCheckpoint,
  CHECKPOINT_FORMAT,
  attachCheckpointPart,
  lastSavedCheckpoint,
  type TrainingCheckpoint,
  type CheckpointPart,
  type CheckpointPartSource,
} from '../train/checkpoint.js';
export { SpectrumMonitor, DEFAULT_SPECTRUM_MONITOR, type SpectrumMonitorOptions, type MonitorFiring } from '../train/spectrum_monitor.js';
