// The live page's controller: builds a run recipe from the form (menus filled from the library's
// registries), runs it in a module Worker (dist/worker.js) through comlink, and redraws its status
// lines and SVG plots (renderLinePlot) as the run's events arrive.

import {
  connectSession,
  DATA_SETS,
  MODELS,
  renderLinePlot,
  runRemote,
  SWITCH_RULES,
  terminateSession,
  TRAINING_METHODS,
} from '../dist/ntk-at.js';

const $ = (id) => document.getElementById(id);
const form = $('form');
const PLOTS = {
  loss: { title: 'Training loss (per logging interval)', yLabel: 'cross-entropy', series: ['train loss'] },
  accuracy: {
    title: 'Accuracy',
    yLabel: 'accuracy',
    series: ['train (training inputs)', 'held-out clean', 'held-out PGD'],
    yRange: [0, 1],
  },
  distance: { title: 'Kernel distance', yLabel: '1 − S(K, K′)', series: ['to initial kernel', 'clean vs adversarial probes'] },
  velocity: { title: 'Kernel velocity', yLabel: 'KD(K_prev, K_t) / Δepoch', series: ['velocity'] },
  lambda: { title: 'Top eigenvalue λ_max', yLabel: 'λ_max', series: ['clean probes', 'adversarial probes'] },
  regression: {
    title: 'Kernel regression with the probe kernel (held-out)',
    yLabel: 'accuracy',
    series: ['kernel clean', 'kernel adversarial', 'linearized clean', 'linearized adversarial'],
    yRange: [0, 1],
  },
};
let worker = null;
let session = null;
let points;

/** Fills a select with a registry's names (each option's title: the entry's summary). */
function fillMenu(name, registry, selected) {
  const select = form.elements[name];
  select.innerHTML = '';
  for (const [key, entry] of Object.entries(registry)) {
    const option = new Option(key, key, key === selected, key === selected);
    if (entry?.summary) option.title = entry.summary;
    select.add(option);
  }
}
fillMenu('method', TRAINING_METHODS, 'pgd');
fillMenu('model', MODELS, 'mlp');
fillMenu('dataset', DATA_SETS, 'synthetic-shapes');
fillMenu('switch', Object.fromEntries(SWITCH_RULES.map((r) => [r, null])), 'off');

/** The run recipe: the JSON field if filled in, else the form's fields over small, fast settings. */
function recipeFromForm() {
  const f = new FormData(form);
  const text = String(f.get('recipe') ?? '').trim();
  if (text) return JSON.parse(text);
  const number = (name) => Number(f.get(name));
  const trainSize = number('trainSize');
  const batchSize = 50;
  const stepsPerEpoch = Math.ceil(trainSize / batchSize);
  const heldOut = Math.max(100, Math.ceil((number('probePerClass') + number('regressionPerClass')) / 10) * 100);
  const dir = String(f.get('dir')).replace(/\/$/, '');
  const kernelSwitch = f.get('switch') !== 'off';
  return {
    data: { dataset: String(f.get('dataset')), dir: dir || null, trainSize, validationSize: heldOut, testSize: heldOut },
    model: { kind: String(f.get('model')), ...(f.get('batchNorm') !== 'default' && { batchNorm: f.get('batchNorm') === 'on' }) },
    training: {
      method: String(f.get('method')),
      epochs: number('epochs'),
      batchSize,
      lr: 0.05,
      schedule: 'constant',
      logEvery: Math.max(1, Math.floor(stepsPerEpoch / 10)),
      attack: { eps: number('eps'), steps: 5 },
      validationPgdSteps: 5,
    },
    ntk: {
      enabled: true,
      probePerClass: number('probePerClass'),
      regressionPerClass: number('regressionPerClass'),
      attack: 'pgd',
      attackSteps: 5,
    },
    switch: { rule: String(f.get('switch')), ...(kernelSwitch && { tau: 0.05 }) },
    evaluation: { threats: ['clean', 'fgsm', 'pgd10'] },
  };
}

/** Hex SHA-256 of bytes (the checkpoint's fingerprint, to compare runs across surfaces). */
async function sha256(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function setState(state, text) {
  document.body.dataset.state = state;
  $('status').textContent = `status: ${text}`;
}

function redraw() {
  $('plots').innerHTML = Object.entries(PLOTS)
    .map(
      ([key, plot]) =>
        `<div class="plot" data-plot="${key}">${renderLinePlot({
          title: plot.title,
          xLabel: 'epoch',
          yLabel: plot.yLabel,
          yRange: plot.yRange,
          width: 520,
          height: 300,
          series: plot.series.map((name) => ({ name, points: points[key][name], markers: points[key][name].length < 12 })),
        })}</div>`,
    )
    .join('');
}

const counts = { step: 0, kernel: 0, epoch: 0 };

/** Applies one session event to the page. */
function onEvent(event) {
  const push = (plot, series, x, y) => y !== null && y !== undefined && points[plot][series].push([x, y]);
  switch (event.type) {
    case 'adapter':
      $('adapter').textContent = `adapter: ${event.line}`;
      $('programs').textContent = event.programs;
      setState('running', 'training');
      return;
    case 'data':
      $('progress').textContent =
        `progress: data ${event.train} / test ${event.test}, ${event.model} (${event.parameters} parameters), ${event.probes} probes`;
      return;
    case 'switch':
      $('switch').textContent = `kernel switch: to ${event.to} at epoch ${event.epochFraction.toFixed(2)} (${event.reason})`;
      return;
    case 'start':
    case 'evaluating':
      return;
    case 'step':
      counts.step++;
      push('loss', 'train loss', event.epochFraction, event.loss);
      push('accuracy', 'train (training inputs)', event.epochFraction, event.accuracy);
      break;
    case 'epoch': {
      counts.epoch++;
      const v = event.validation;
      if (v) {
        push('accuracy', 'held-out clean', event.epoch + 1, v.accuracy.clean);
        const pgdKey = Object.keys(v.accuracy).find((k) => k.startsWith('pgd'));
        if (pgdKey) push('accuracy', 'held-out PGD', event.epoch + 1, v.accuracy[pgdKey]);
      }
      break;
    }
    case 'kernel':
      counts.kernel++;
      push('distance', 'to initial kernel', event.epochFraction, event.distanceToInit);
      push('distance', 'clean vs adversarial probes', event.epochFraction, event.adversarial?.distanceToClean);
      push('velocity', 'velocity', event.epochFraction, event.velocity);
      push('lambda', 'clean probes', event.epochFraction, event.lambdaMax);
      push('lambda', 'adversarial probes', event.epochFraction, event.adversarial?.lambdaMax);
      for (const m of ['kernel', 'linearized']) {
        push('regression', `${m} clean`, event.epochFraction, event.regression?.[m].clean);
        push('regression', `${m} adversarial`, event.epochFraction, event.regression?.[m].adversarial);
      }
      break;
    case 'done': {
      const acc = Object.entries(event.evaluation.accuracy)
        .map(([k, a]) => `${k} ${(100 * a).toFixed(1)}%`)
        .join(', ');
      $('result').textContent = `held-out accuracy on ${event.evaluation.samples} images: ${acc} (${event.seconds.toFixed(1)} s)`;
      return;
    }
    case 'error':
      if (!event.fatal) {
        $('error').textContent = `warning ${event.code}: ${event.message}`;
        return;
      }
      $('error').textContent = `error ${event.code}: ${event.message}`;
      setState('error', 'failed');
      return;
  }
  $('progress').textContent = `progress: epoch ${counts.epoch} done, ${counts.step} logging intervals, ${counts.kernel} kernel checks`;
  $('progress').dataset.kernelChecks = String(counts.kernel);
  redraw();
}

/** Ends the worker: through its session (the pending run rejects with E_CANCELLED), else directly. */
function stop() {
  if (session) void terminateSession(session);
  else worker?.terminate();
  session = null;
  worker = null;
  $('start').disabled = false;
  $('stop').disabled = true;
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  stop();
  points = Object.fromEntries(Object.entries(PLOTS).map(([key, plot]) => [key, Object.fromEntries(plot.series.map((s) => [s, []]))]));
  Object.keys(counts).forEach((k) => {
    counts[k] = 0;
  });
  for (const id of ['result', 'error', 'switch', 'checkpoint']) $(id).textContent = '';
  redraw();
  setState('starting', 'starting the worker and acquiring a GPU adapter');
  $('start').disabled = true;
  $('stop').disabled = false;
  worker = new Worker(new URL('../dist/worker.js', import.meta.url), { type: 'module' });
  worker.addEventListener('error', (ev) => {
    $('error').textContent = `worker error: ${ev.message}`;
    setState('error', 'failed');
    stop();
  });
  try {
    session = await connectSession(worker);
    const result = await runRemote(session, recipeFromForm(), onEvent);
    const digest = await sha256(result.checkpoint);
    $('checkpoint').textContent = `checkpoint: ${result.checkpoint.length} bytes, sha256 ${digest}`;
    $('checkpoint').dataset.sha256 = digest;
    $('result').dataset.accuracy = JSON.stringify(result.evaluation.accuracy);
    setState('done', 'done');
  } catch (err) {
    if (err?.code !== 'E_CANCELLED' && document.body.dataset.state !== 'error')
      onEvent({ type: 'error', code: 'E_UNEXPECTED', message: String(err?.message ?? err) });
  } finally {
    stop();
  }
});
$('stop').addEventListener('click', () => {
  stop();
  setState('stopped', 'stopped');
});
