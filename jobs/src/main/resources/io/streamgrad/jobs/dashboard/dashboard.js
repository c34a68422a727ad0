// streamgrad dashboard: everything shown goes through textContent (model ids come from producers,
// and are never parsed as HTML); charts are Chart.js, served from the jar.
'use strict';

const state = { selected: null, sort: 'loss', query: '', pending: false, charts: {} };

function el(id) { return document.getElementById(id); }

function fmt(v, digits) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0)) return v.toExponential(digits || 4);
  return Number(v).toPrecision(digits || 5);
}

function age(ms) {
  if (!ms) return '–';
  if (ms < 1000) return ms + ' ms';
  if (ms < 120000) return (ms / 1000).toFixed(1) + ' s';
  return (ms / 60000).toFixed(1) + ' min';
}

/** Sets a figure: readable text, and the exact value in data-value. */
function setFigure(id, value, text) {
  const e = el(id);
  e.textContent = text !== undefined ? text : fmt(value);
  e.dataset.value = value === null || value === undefined ? '' : String(value);
}

async function getJson(url) {
  const r = await fetch(url, { cache: 'no-store' });
  if (!r.ok) throw new Error(url + ': ' + r.status);
  return r.json();
}

function lineChart(canvas, yTitle, xTitle) {
  return new Chart(canvas, {
    type: 'line',
    data: { datasets: [] },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false, parsing: false,
      normalized: true, spanGaps: true,
      elements: { point: { radius: 0 }, line: { borderWidth: 1.5 } },
      scales: {
        x: { type: 'linear', title: { display: true, text: xTitle || 'samples seen' } },
        y: { title: { display: true, text: yTitle } },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}

function charts() {
  if (state.charts.loss) return state.charts;
  state.charts.loss = lineChart(el('loss-chart'), 'loss');
  state.charts.error = lineChart(el('error-chart'), 'max |w - w*|');
  state.charts.served = lineChart(el('served-chart'), 'recent ~1,000 outcomes', 'events');
  state.charts.weights = new Chart(el('weights-chart'), {
    type: 'bar',
    data: { labels: [], datasets: [] },
    options: { animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { legend: { position: 'bottom' } } },
  });
  state.charts.dead = new Chart(el('dead-chart'), {
    type: 'bar',
    data: { labels: [], datasets: [] },
    options: { animation: false, responsive: true, maintainAspectRatio: false,
      scales: { x: { stacked: true, display: false }, y: { stacked: true, beginAtZero: true } },
      plugins: { legend: { display: true, position: 'right', labels: { boxWidth: 8 } },
        title: { display: true, text: 'dead letters/s, last minute' } } },
  });
  return state.charts;
}

function points(samples, values) {
  const out = [];
  for (let i = 0; i < samples.length; i++) {
    if (values[i] !== null) out.push({ x: samples[i], y: values[i] });
  }
  return out;
}

function renderSummary(s) {
  const status = el('status');
  if (s.waitingFor.length > 0) {
    status.textContent = 'waiting for ' + s.waitingFor.join(', ') + ' on ' + s.bootstrapServers;
    status.className = 'status waiting';
  } else {
    status.textContent = 'live';
    status.className = 'status';
  }
  setFigure('job-models', s.models, String(s.models));
  setFigure('job-samples-rate', s.samplesPerSecond, fmt(s.samplesPerSecond, 4));
  setFigure('job-samples', s.samplesSeen, String(s.samplesSeen));
  const dead = Object.values(s.deadLetters).reduce((a, b) => a + b, 0);
  setFigure('job-dead', dead, String(dead));
  setFigure('job-restarts', s.restarts, s.restarts === null ? 'n/a' : String(s.restarts));
  const c = charts().dead;
  const reasons = Object.keys(s.deadLettersPerSecond);
  c.data.labels = reasons.length ? s.deadLettersPerSecond[reasons[0]].map((_, i) => i - 60) : [];
  c.data.datasets = reasons.map((r) => ({ label: r, data: s.deadLettersPerSecond[r] }));
  c.update('none');
}

function renderList(list) {
  el('matching').textContent = list.matching + ' of ' + list.total + ' models'
    + (list.models.length < list.matching ? ', first ' + list.models.length + ' shown' : '');
  const body = el('models');
  const rows = [];
  for (const m of list.models) {
    const tr = document.createElement('tr');
    tr.dataset.id = m.id;
    if (m.id === state.selected) tr.className = 'selected';
    const cells = [m.id, String(m.version), fmt(m.prequentialLoss),
      m.metric ? m.metric + ' ' + fmt(m.windowMetric, 4) : '', age(m.stalenessMs),
      fmt(m.updatesPerSecond, 3)];
    cells.forEach((text, i) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (i === 0) { td.className = 'id'; td.title = text; }
      tr.appendChild(td);
    });
    tr.addEventListener('click', () => { select(m.id); });
    rows.push(tr);
  }
  body.replaceChildren(...rows);
  if (state.selected === null && list.models.length > 0) select(list.models[0].id);
}

function renderModel(m) {
  el('detail-id').textContent = m.id;
  setFigure('detail-version', m.version, String(m.version));
  setFigure('detail-samples', m.samplesSeen, String(m.samplesSeen));
  setFigure('detail-loss', m.batchLoss);
  setFigure('detail-preq', m.prequentialLoss);
  el('detail-metric-name').textContent = m.metric ? 'window ' + m.metric : 'window metric';
  setFigure('detail-metric', m.windowMetric);
  setFigure('detail-updates', m.updatesPerSecond, fmt(m.updatesPerSecond, 3));
  setFigure('detail-age', m.stalenessMs, age(m.stalenessMs));
  setFigure('detail-predictions', m.predictions, String(m.predictions));
  setFigure('detail-drifts', m.drifts, String(m.drifts));
  setFigure('detail-gated', m.gatedSnapshots, String(m.gatedSnapshots));
  const c = charts();
  const curve = m.curve;
  const sets = [
    { label: 'batch loss', data: points(curve.samples, curve.batchLoss), borderColor: '#3b6fd8' },
    { label: 'prequential loss', data: points(curve.samples, curve.prequentialLoss), borderColor: '#d8623b' },
  ];
  if (m.metric) {
    sets.push({ label: 'window ' + m.metric, data: points(curve.samples, curve.windowMetric),
      borderColor: '#2e9e5b', yAxisID: 'y' });
  }
  c.loss.data.datasets = sets;
  c.loss.update('none');
  el('loss-chart').dataset.points = String(curve.samples.length);
  el('loss-chart').dataset.lastSamples = String(curve.samples[curve.samples.length - 1] || 0);
  const hasTruth = m.trueWeights !== null;
  el('error-box').hidden = !hasTruth;
  if (hasTruth) {
    c.error.data.datasets = [{ label: 'max |w - w*|', data: points(curve.samples, curve.weightError),
      borderColor: '#8a3bd8' }];
    c.error.update('none');
  }
  c.weights.data.labels = m.weights.map((_, i) => 'w' + i);
  c.weights.data.datasets = [{ label: 'learned', data: m.weights, backgroundColor: '#3b6fd8' }];
  if (hasTruth) c.weights.data.datasets.push({ label: 'true', data: m.trueWeights, backgroundColor: '#c9ced8' });
  c.weights.update('none');
  renderFeedback(m.feedback, c.served);
}

/** The feedback join of a model that learns from outcomes: its accounting and what was served. */
function renderFeedback(f, chart) {
  el('feedback-box').hidden = f === null;
  if (f === null) return;
  for (const [id, v] of [['fb-events', f.events], ['fb-labels', f.labels], ['fb-joined', f.joined],
    ['fb-expired', f.expired], ['fb-pending', f.pending], ['fb-late', f.lateLabels],
    ['fb-orphans', f.orphanLabels], ['fb-duplicates', f.duplicateLabels]]) {
    setFigure(id, v, String(v));
  }
  const auc = f.metric === 'auc';
  el('fb-metric-name').textContent = 'served ' + f.metric;
  setFigure('fb-metric', auc ? f.servedAuc : f.servedRmse);
  el('fb-loss-name').textContent = auc ? 'served log loss' : 'served MAE';
  setFigure('fb-loss', auc ? f.servedLogLoss : f.servedMae);
  setFigure('fb-calibration', f.observedRate > 0 && f.meanServedPrediction !== null
    ? f.meanServedPrediction / f.observedRate : null);
  const curve = f.curve;
  const sets = [{ label: 'served ' + f.metric, data: points(curve.events, curve.servedMetric),
    borderColor: '#2e9e5b' }];
  if (auc) {
    sets.push({ label: 'served log loss', data: points(curve.events, curve.servedLoss),
      borderColor: '#d8623b' });
    sets.push({ label: 'calibration (served / observed)',
      data: points(curve.events, curve.calibration), borderColor: '#3b6fd8' });
  }
  chart.data.datasets = sets;
  chart.update('none');
  el('served-chart').dataset.points = String(curve.events.length);
}

function select(id) {
  state.selected = id;
  for (const tr of el('models').children) tr.className = tr.dataset.id === id ? 'selected' : '';
  refresh();
}

async function refresh() {
  if (state.pending) { state.again = true; return; }
  state.pending = true;
  try {
    renderSummary(await getJson('/api/summary'));
    const q = new URLSearchParams({ sort: state.sort, q: state.query, limit: '50' });
    renderList(await getJson('/api/models?' + q));
    if (state.selected !== null) {
      try {
        renderModel(await getJson('/api/model?' + new URLSearchParams({ id: state.selected })));
      } catch (e) { /* not there (yet) */ }
    }
    document.body.dataset.refreshed = String(Date.now());
  } catch (e) {
    el('status').textContent = 'server unreachable: ' + e.message;
    el('status').className = 'status waiting';
  } finally {
    state.pending = false;
    if (state.again) { state.again = false; setTimeout(refresh, 100); }
  }
}

function start() {
  el('search').addEventListener('input', (e) => { state.query = e.target.value; refresh(); });
  el('sort').addEventListener('change', (e) => { state.sort = e.target.value; refresh(); });
  const events = new EventSource('/events');
  events.onmessage = () => refresh();
  events.onerror = () => { el('status').textContent = 'reconnecting…'; };
  setInterval(refresh, 5000); // ages move even when nothing new arrives
  refresh();
}

start();
