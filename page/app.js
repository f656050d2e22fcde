// The live page's controller: starts a TrainingSession in a module Worker (dist/worker.js) through
// comlink, and redraws its status lines and SVG plots (renderLinePlot) as the session's events arrive.

import { connectSession, renderLinePlot, runRemote } from '../dist/ntk-at.js';

const $ = (id) => document.getElementById(id);
const form = $('form');
const PLOTS = {
  loss: { title: 'Training loss (per logging interval)', yLabel: 'cross-entropy', series: ['train loss'] },
  accuracy: { title: 'Accuracy', yLabel: 'accuracy', series: ['train (training inputs)', 'held-out clean', 'held-out PGD'], yRange: [0, 1] },
  distance: { title: 'Kernel distance', yLabel: '1 − S(K, K′)', series: ['to initial kernel', 'clean vs adversarial probes'] },
  velocity: { title: 'Kernel velocity', yLabel: 'KD(K_prev, K_t) / Δepoch', series: ['velocity'] },
  lambda: { title: 'Top eigenvalue λ_max', yLabel: 'λ_max', series: ['clean probes', 'adversarial probes'] },
};
let worker = null;
let points;

/** The request from the form: numbers as numbers, the data source as the session expects it. */
function requestFromForm() {
  const f = new FormData(form);
  const number = (name) => Number(f.get(name));
  const trainSize = number('trainSize');
  const batchSize = 50;
  const stepsPerEpoch = Math.ceil(trainSize / batchSize);
  const dir = String(f.get('dir')).replace(/\/$/, '');
  return {
    method: String(f.get('method')),
    eps: number('eps'),
    epochs: number('epochs'),
    trainSize,
    probePerClass: number('probePerClass'),
    heldOutSize: Math.max(100, Math.ceil(number('probePerClass') / 10) * 100),
    batchSize,
    logEvery: Math.max(1, Math.floor(stepsPerEpoch / 10)),
    data: f.get('data') === 'fashion-mnist'
      ? { kind: 'fashion-mnist', images: `${dir}/train-images-idx3-ubyte.gz`, labels: `${dir}/train-labels-idx1-ubyte.gz` }
      : { kind: 'synthetic-shapes' },
  };
}

function setState(state, text) {
  document.body.dataset.state = state;
  $('status').textContent = `status: ${text}`;
}

function redraw() {
  $('plots').innerHTML = Object.entries(PLOTS).map(([key, plot]) => `<div class="plot" data-plot="${key}">${renderLinePlot({
    title: plot.title, xLabel: 'epoch', yLabel: plot.yLabel, yRange: plot.yRange, width: 520, height: 300,
    series: plot.series.map((name) => ({ name, points: points[key][name], markers: points[key][name].length < 12 })),
  })}</div>`).join('');
}

const counts = { step: 0, kernel: 0, epoch: 0 };

/** Applies one session event to the page. */
function onEvent(event) {
  const push = (plot, series, x, y) => y !== null && y !== undefined && points[plot][series].push([x, y]);
  switch (event.type) {
    case 'adapter':
      $('adapter').textContent = `adapter: ${event.line}`;
      setState('running', 'training');
      return;
    case 'data':
      $('progress').textContent = `progress: data ${event.train} / held-out ${event.heldOut}, ${event.probes} probes`;
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
      break;
    case 'done': {
      const acc = Object.entries(event.evaluation.accuracy).map(([k, a]) => `${k} ${(100 * a).toFixed(1)}%`).join(', ');
      $('result').textContent = `held-out accuracy on ${event.evaluation.samples} images: ${acc} (${event.seconds.toFixed(1)} s)`;
      setState('done', 'done');
      return;
    }
    case 'error':
      $('error').textContent = `error ${event.code}: ${event.message}`;
      setState('error', 'failed');
      return;
  }
  $('progress').textContent = `progress: epoch ${counts.epoch} done, ${counts.step} logging intervals, ${counts.kernel} kernel checks`;
  $('progress').dataset.kernelChecks = String(counts.kernel);
  redraw();
}

function stop() {
  worker?.terminate();
  worker = null;
  $('start').disabled = false;
  $('stop').disabled = true;
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  stop();
  points = Object.fromEntries(Object.entries(PLOTS).map(([key, plot]) => [key, Object.fromEntries(plot.series.map((s) => [s, []]))]));
  Object.keys(counts).forEach((k) => { counts[k] = 0; });
  for (const id of ['result', 'error']) $(id).textContent = '';
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
    await runRemote(await connectSession(worker), requestFromForm(), onEvent);
  } catch (err) {
    if (document.body.dataset.state !== 'error') onEvent({ type: 'error', code: 'E_UNEXPECTED', message: String(err?.message ?? err) });
  } finally {
    stop();
  }
});
$('stop').addEventListener('click', () => {
  stop();
  setState('stopped', 'stopped');
});
