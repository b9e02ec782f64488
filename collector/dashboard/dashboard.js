// The collector's dashboard: reads GET /v1/insights and GET /v1/experiments and draws them.
// Plain DOM, no framework. Everything that comes from the data goes in as text or as an
// attribute value (textContent, append(string), setAttribute), never as HTML.

const API = new URL('../v1/', import.meta.url); // the page is served at /dashboard/
const KEY = 'persona-dashboard-key';
const SVG = 'http://www.w3.org/2000/svg';
const GOALS = ['Order Completed', 'Product Added', 'Checkout Started'];
const CUSTOM = '__custom';
const DAY = 86400000;
const PALETTE = ['#3b5bdb', '#f08c00', '#2b8a3e', '#e03131', '#7048e8', '#1098ad',
  '#d6336c', '#74b816', '#a0522d', '#343a40'];

const $ = (sel) => document.querySelector(sel);
const state = { filters: null, metric: 'visitors', data: null, inflight: null, width: 0 };

// ---------- DOM helpers: children are nodes or strings (strings become text nodes) ----------

function build(node, attrs, kids) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v != null && v !== false) node.setAttribute(k, String(v));
  }
  for (const kid of kids.flat()) if (kid != null && kid !== false) node.append(kid);
  return node;
}
const h = (tag, attrs, ...kids) => build(document.createElement(tag), attrs, kids);
const s = (tag, attrs, ...kids) => build(document.createElementNS(SVG, tag), attrs, kids);
const empty = (text, ...more) => h('div', { class: 'empty' }, h('p', {}, text), ...more);

// ---------- formatting ----------

const nf = (d) => new Intl.NumberFormat(undefined, { minimumFractionDigits: d, maximumFractionDigits: d });
const int = nf(0).format;
const fix1 = nf(1).format;
const money = nf(2).format;
const pct = (x) => `${fix1(x * 100)} %`;
const pctRange = ([a, b]) => `${fix1(a * 100)}–${fix1(b * 100)} %`;
const signed = (x) => `${x < 0 ? '−' : '+'}${fix1(Math.abs(x) * 100)} %`;
const plural = (n, one, many) => `${int(n)} ${n === 1 ? one : many}`;
function pValue(p) {
  if (p == null || Number.isNaN(p)) return 'p = —';
  if (p >= 0.001) return `p = ${Number(p.toPrecision(2))}`;
  return p > 0 ? `p = ${p.toExponential(1)}` : 'p < 1e-300';
}

// ---------- days (UTC) ----------

const iso = (t) => new Date(t).toISOString().slice(0, 10);
const dayTime = (d) => Date.parse(`${d}T00:00:00Z`);
const isDay = (d) => /^\d{4}-\d{2}-\d{2}$/.test(d || '') && !Number.isNaN(dayTime(d));
const dateFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const longFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
const dayName = (d) => dateFmt.format(dayTime(d));
function dayRange(from, to) {
  const out = [];
  for (let t = dayTime(from), end = dayTime(to); t <= end && out.length < 3700; t += DAY) out.push(iso(t));
  return out;
}

// ---------- filters <-> form <-> URL ----------

function readURL() {
  const q = new URLSearchParams(location.search);
  const to = isDay(q.get('to')) ? q.get('to') : iso(Date.now());
  const from = isDay(q.get('from')) ? q.get('from') : iso(dayTime(to) - 29 * DAY);
  return { from, to, channel: q.get('channel') || '', goal: (q.get('goal') || '').trim() || GOALS[0] };
}

function writeURL(f, push) {
  const q = new URLSearchParams({ from: f.from, to: f.to, channel: f.channel, goal: f.goal });
  const url = `${location.pathname}?${q}`;
  if (url !== location.pathname + location.search) history[push ? 'pushState' : 'replaceState'](null, '', url);
}

function writeForm(f) {
  $('#f-from').value = f.from;
  $('#f-to').value = f.to;
  setChannels([], f.channel);
  const known = GOALS.includes(f.goal);
  $('#f-goal').value = known ? f.goal : CUSTOM;
  $('#f-custom').value = known ? '' : f.goal;
  $('#f-custom-wrap').hidden = known;
}

function readForm() {
  let from = $('#f-from').value;
  let to = $('#f-to').value;
  if (!isDay(from) || !isDay(to)) return null;
  if (from > to) [from, to] = [to, from];
  const g = $('#f-goal').value;
  const goal = g === CUSTOM ? $('#f-custom').value.trim() : g;
  return { from, to, channel: $('#f-channel').value, goal: goal || GOALS[0] };
}

// The channel <select>: "All channels" plus the list the collector knows (keeps the chosen one).
function setChannels(list, chosen) {
  const sel = $('#f-channel');
  const have = [...sel.options].slice(1).map((o) => o.value);
  const names = [...new Set([...(list.length ? list : have), ...(chosen ? [chosen] : [])])];
  if (names.join('\n') !== have.join('\n')) {
    sel.replaceChildren(h('option', { value: '' }, 'All channels'), ...names.map((n) => h('option', { value: n }, n)));
  }
  sel.value = chosen || '';
}

// ---------- fetching ----------

function storedKey() {
  try { return sessionStorage.getItem(KEY); } catch { return null; }
}

async function getJSON(path, params, signal) {
  const url = new URL(path, API);
  for (const [k, v] of Object.entries(params)) if (v) url.searchParams.set(k, v);
  const key = storedKey();
  const res = await fetch(url, { headers: key ? { Authorization: `Bearer ${key}` } : {}, signal });
  let body = null;
  try { body = await res.json(); } catch { /* not JSON: reported below */ }
  if (!res.ok || !body) {
    const err = new Error(body?.error?.message || `${path} answered HTTP ${res.status}`);
    err.code = body?.error?.code || (res.status === 401 ? 'unauthorized' : `http_${res.status}`);
    throw err;
  }
  return body;
}

// One fetch per endpoint per filter change, both in parallel; a newer change aborts the older one.
async function load(f) {
  state.inflight?.abort();
  const ctl = new AbortController();
  state.inflight = ctl;
  document.body.dataset.ready = 'false';
  $('#dash').setAttribute('aria-busy', 'true');
  try {
    const range = { from: f.from, to: f.to };
    const [ins, exp] = await Promise.all([
      getJSON('insights', { ...range, channel: f.channel }, ctl.signal),
      getJSON('experiments', { ...range, goal: f.goal }, ctl.signal),
    ]);
    if (state.inflight !== ctl) return;
    state.data = { ins, exp };
    showStatus(null);
    $('#key-form').hidden = true;
    $('#dash').hidden = false;
    $('#lock').hidden = !storedKey();
    const t0 = performance.now();
    render();
    document.body.dataset.renderMs = (performance.now() - t0).toFixed(1);
    document.body.dataset.ready = 'true';
  } catch (err) {
    if (err.name === 'AbortError' || state.inflight !== ctl) return;
    ctl.abort(); // the other request is of no use now
    if (err.code === 'unauthorized') askForKey();
    else showStatus(`Could not load the insights: ${err.message}`);
    document.body.dataset.ready = 'error';
  } finally {
    if (state.inflight === ctl) $('#dash').removeAttribute('aria-busy');
  }
}

function showStatus(text) {
  const el = $('#status');
  el.hidden = !text;
  el.textContent = text || '';
}

// 401: ask for the secret key; a key that was sent and refused is dropped and said so.
function askForKey() {
  const refused = !!storedKey();
  try { sessionStorage.removeItem(KEY); } catch { /* storage off: the form asks again */ }
  showStatus(null);
  $('#dash').hidden = true;
  $('#lock').hidden = true;
  $('#range-label').textContent = 'Locked';
  const msg = $('#key-error');
  msg.hidden = !refused;
  msg.textContent = refused ? 'That key was not accepted. Check it and try again.' : '';
  $('#key-form').hidden = false;
  $('#key-input').focus();
}

// ---------- rendering ----------

function render() {
  const { ins, exp } = state.data;
  const widths = measure(); // read layout once, before any change to the DOM
  setChannels(ins.channels || [], state.filters.channel);
  const days = dayRange(ins.from, ins.to);
  const where = ins.channel ? `channel “${ins.channel}”` : 'all channels';
  $('#range-label').textContent =
    `${longFmt.format(dayTime(ins.from))} – ${longFmt.format(dayTime(ins.to))} · ${plural(days.length, 'day', 'days')} · ${where} · UTC`;
  renderKpis(ins.totals || {}, days.length);
  renderCharts(widths);
  renderSearches('#searches-table', ins.searches || [], 'No searches in this range.');
  renderSearches('#no-results-table', ins.no_result_searches || [], 'Every search found something. Nice.');
  renderExperiments(exp);
}

function measure() {
  state.width = $('#dash').clientWidth;
  const w = (sel) => Math.max(280, $(sel).clientWidth);
  return { traffic: w('#traffic-chart'), funnel: w('#funnel-chart'), revenue: w('#revenue-chart') };
}

// The width-dependent charts; also redrawn when the window is resized.
function renderCharts(widths = measure()) {
  const { ins } = state.data;
  const days = dayRange(ins.from, ins.to);
  state.widths = widths;
  renderTraffic(ins, days);
  renderFunnel(ins.funnel || [], widths.funnel);
  renderRevenue(ins.revenue || [], days, widths.revenue);
  renderSegments(ins.segments || [], days);
}

function kpi(id, value, text) {
  const el = $(`#${id}`);
  el.dataset.value = value;
  el.textContent = text;
}

function renderKpis(t, nDays) {
  const visitors = t.visitors || 0, events = t.events || 0, orders = t.orders || 0, revenue = t.revenue || 0;
  kpi('kpi-visitors', visitors, int(visitors));
  kpi('kpi-events', events, int(events));
  kpi('kpi-orders', orders, int(orders));
  kpi('kpi-revenue', revenue, money(revenue));
  kpi('kpi-conversion', visitors ? orders / visitors : 0, visitors ? pct(orders / visitors) : '—');
  $('#kpi-events-note').textContent = nDays ? `${fix1(events / nDays)} a day` : '';
  $('#kpi-aov').textContent = orders ? `${money(revenue / orders)} per order` : 'no orders yet';
}

// Round axis ticks: 0 .. top in about four steps.
function ticks(max, integer) {
  const raw = Math.max(max, integer ? 4 : 1e-9) / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((v) => v >= raw);
  if (integer) step = Math.max(1, Math.round(step));
  return Array.from({ length: Math.max(1, Math.ceil(max / step)) + 1 }, (_, i) => i * step);
}

// Bars per day, each bar a stack of segments [{value, fill, title, attrs}], over a y grid.
function drawBars(host, W, o) {
  const H = o.height || 240, m = { l: 56, r: 6, t: 10, b: 26 };
  const pw = W - m.l - m.r, ph = H - m.t - m.b;
  const cols = o.days.map((d) => o.stacks(d));
  const max = Math.max(0, ...cols.map((c) => c.reduce((a, seg) => a + seg.value, 0)));
  const tk = ticks(max, o.integer), top = tk[tk.length - 1] || 1;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': o.label, class: 'bars' });
  for (const t of tk) {
    const y = m.t + ph - (t / top) * ph;
    svg.append(s('line', { x1: m.l, x2: W - m.r, y1: y, y2: y, class: t ? 'grid' : 'axis' }),
      s('text', { x: m.l - 6, y: y + 4, class: 'tick', 'text-anchor': 'end' }, o.tick(t)));
  }
  const bw = pw / o.days.length, gap = bw > 5 ? Math.min(6, bw * 0.22) : 0;
  const every = Math.ceil(o.days.length / Math.max(1, Math.floor(pw / 60)));
  o.days.forEach((d, i) => {
    const x = m.l + i * bw, g = s('g', { 'data-day': d });
    g.append(s('rect', { x, y: m.t, width: bw, height: ph, class: 'hit' }, s('title', {}, o.dayTitle(d))));
    let y = m.t + ph;
    for (const seg of cols[i]) {
      const hh = (seg.value / top) * ph;
      y -= hh;
      g.append(s('rect', { x: x + gap / 2, y, width: Math.max(bw - gap, 0.5), height: hh, fill: seg.fill, ...seg.attrs },
        s('title', {}, seg.title)));
    }
    svg.append(g);
    if (i % every === 0) {
      svg.append(s('text', { x: x + bw / 2, y: H - 8, class: 'tick', 'text-anchor': 'middle' }, dayName(d)));
    }
  });
  host.replaceChildren(svg);
}

// Channel colours follow the collector's channel list, so a channel keeps its colour across filters.
function colourOf(ins) {
  const all = [...(ins.channels || [])];
  for (const r of ins.days || []) if (!all.includes(r.channel)) all.push(r.channel);
  return { all, colour: (c) => PALETTE[Math.max(0, all.indexOf(c)) % PALETTE.length] };
}

function renderTraffic(ins, days) {
  const host = $('#traffic-chart'), legend = $('#legend'), metric = state.metric;
  $('#channels-hint').textContent = metric === 'visitors'
    ? 'Distinct visitors per day in each channel, stacked (a visitor who came through two channels counts in both).'
    : 'Events per day in each channel, stacked.';
  const rows = (ins.days || []).filter((r) => r.day >= ins.from && r.day <= ins.to);
  if (!rows.length) {
    host.replaceChildren(empty('No events in this range',
      h('p', { class: 'muted' }, 'Try a wider date range or another channel.')));
    legend.replaceChildren();
    return;
  }
  const { all, colour } = colourOf(ins);
  const sums = new Map();
  for (const r of rows) sums.set(r.channel, (sums.get(r.channel) || 0) + r[metric]);
  // The biggest channel at the bottom of each stack and first in the legend.
  const shown = all.filter((c) => sums.has(c)).sort((a, b) => sums.get(b) - sums.get(a));
  const byDay = new Map(days.map((d) => [d, []]));
  for (const r of rows) byDay.get(r.day)?.push(r);
  for (const list of byDay.values()) list.sort((a, b) => shown.indexOf(a.channel) - shown.indexOf(b.channel));

  drawBars(host, state.widths.traffic, {
    days, integer: true, tick: int, height: 260,
    label: `${metric === 'visitors' ? 'Visitors' : 'Events'} per day by channel`,
    dayTitle: (d) => {
      const list = byDay.get(d);
      if (!list.length) return `${dayName(d)}: no events`;
      const total = list.reduce((a, r) => a + r[metric], 0);
      return `${dayName(d)}: ${int(total)} ${metric}\n${list.map((r) => `${r.channel}: ${int(r[metric])}`).join('\n')}`;
    },
    stacks: (d) => byDay.get(d).map((r) => ({
      value: r[metric], fill: colour(r.channel),
      title: `${dayName(d)} · ${r.channel}: ${plural(r.visitors, 'visitor', 'visitors')}, ${plural(r.events, 'event', 'events')}`,
      attrs: { 'data-day': d, 'data-channel': r.channel, 'data-visitors': r.visitors, 'data-events': r.events },
    })),
  });
  // Legend: colour swatch, name and the range total, largest first.
  legend.replaceChildren(...shown.map((c) => h('li', {},
    s('svg', { width: 12, height: 12, 'aria-hidden': 'true' }, s('rect', { width: 12, height: 12, rx: 3, fill: colour(c) })),
    h('span', { class: 'name' }, c), h('span', { class: 'muted' }, int(sums.get(c))))));
}

function renderFunnel(steps, W) {
  const host = $('#funnel-chart');
  const first = steps[0]?.visitors || 0;
  const rowH = 54, labelW = Math.min(150, W * 0.34), right = 64;
  const barW = W - labelW - right;
  const svg = s('svg', { viewBox: `0 0 ${W} ${steps.length * rowH + 4}`, role: 'img', 'aria-label': 'Funnel' });
  steps.forEach((st, i) => {
    const y = i * rowH + 4, share = first ? st.visitors / first : 0;
    const prev = i ? steps[i - 1].visitors : null;
    const drop = prev ? (prev - st.visitors) / prev : null;
    const dropText = i === 0 ? '' : drop == null ? '—' : drop <= 0 ? '±0 %' : `−${int(drop * 100)} %`;
    const title = `${st.step}: ${plural(st.visitors, 'visitor', 'visitors')}, ${pct(share)} of the first step` +
      (i ? `, ${drop == null ? 'no visitors in the previous step' : `${dropText} from the previous step`}` : '');
    svg.append(s('g', { 'data-step': st.step, 'data-visitors': st.visitors, class: 'step' },
      s('title', {}, title),
      s('text', { x: 0, y: y + 16, class: 'step-name' }, st.step),
      s('text', { x: 0, y: y + 34, class: 'step-sub' }, `${int(st.visitors)} · ${!first ? '—' : i ? pct(share) : '100 %'}`),
      s('rect', { x: labelW, y: y + 6, width: barW, height: 30, rx: 5, class: 'track' }),
      s('rect', { x: labelW, y: y + 6, width: Math.max(share * barW, st.visitors ? 2 : 0), height: 30, rx: 5, class: 'funnel-bar' }),
      s('text', { x: W - 2, y: y + 26, class: `drop${drop > 0 ? ' neg' : ''}`, 'text-anchor': 'end' }, dropText)));
  });
  host.replaceChildren(steps.length ? svg : empty('No funnel data.'));
  const last = steps[steps.length - 1];
  $('#funnel-summary').textContent = first && last
    ? `${pct(last.visitors / first)} of visitors who did “${steps[0].step}” went on to “${last.step}”.` : '';
}

function renderRevenue(revenue, days, W) {
  const host = $('#revenue-chart');
  const byDay = new Map(revenue.map((r) => [r.day, r]));
  if (!revenue.some((r) => r.revenue || r.orders)) {
    host.replaceChildren(empty('No orders in this range'));
    return;
  }
  const title = (d) => {
    const r = byDay.get(d) || { revenue: 0, orders: 0 };
    return `${dayName(d)}: ${money(r.revenue)} revenue from ${plural(r.orders, 'order', 'orders')}`;
  };
  drawBars(host, W, {
    days, integer: false, tick: (t) => int(t), label: 'Revenue per day', dayTitle: title,
    stacks: (d) => {
      const r = byDay.get(d) || { revenue: 0, orders: 0 };
      return [{ value: r.revenue, fill: 'var(--revenue)', title: title(d),
        attrs: { 'data-day': d, 'data-revenue': r.revenue, 'data-orders': r.orders } }];
    },
  });
}

function renderSearches(sel, rows, emptyText) {
  const host = $(sel);
  if (!rows.length) { host.replaceChildren(empty(emptyText)); return; }
  const max = Math.max(1, ...rows.map((r) => r.searches));
  host.replaceChildren(h('table', { class: 'data' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Query'), h('th', { scope: 'col', class: 'num' }, 'Searches'),
      h('th', { scope: 'col', class: 'num' }, 'No result'))),
    h('tbody', {}, rows.map((r) => {
      const bar = h('span', { class: 'meter', 'aria-hidden': 'true' });
      bar.style.width = `${(r.searches / max) * 100}%`;
      return h('tr', { 'data-query': r.query, 'data-searches': r.searches, 'data-no-results': r.no_results },
        h('th', { scope: 'row', class: 'query' }, r.query === '' ? '(empty)' : r.query),
        h('td', { class: 'num bar-cell' }, bar, h('span', {}, int(r.searches))),
        h('td', { class: `num${r.no_results ? ' warn' : ''}` }, int(r.no_results)));
    }))));
}

// Segment size per day: a day missing from `sizes` carries the last size forward, 0 before the first.
function segmentSeries(sizes, days) {
  const sorted = [...sizes].sort((a, b) => (a.day < b.day ? -1 : 1));
  let i = 0, size = 0;
  return days.map((d) => {
    while (i < sorted.length && sorted[i].day <= d) size = sorted[i++].size;
    return size;
  });
}

function renderSegments(segments, days) {
  const host = $('#segments-list');
  if (!segments.length) {
    host.replaceChildren(empty('No segments yet', h('p', { class: 'muted' },
      'Segment sizes appear here once the SDK reports visitors entering segments.')));
    return;
  }
  const W = 240, H = 56;
  host.replaceChildren(...segments.map((seg) => {
    const series = segmentSeries(seg.sizes || [], days), last = series[series.length - 1] ?? 0;
    const max = Math.max(1, ...series), n = series.length, x = (i) => (i / n) * W, y = (v) => H - 2 - (v / max) * (H - 6);
    let line = `M0 ${y(series[0] ?? 0)}`;
    series.forEach((v, i) => { line += ` H${x(i)} V${y(v)} H${x(i + 1)}`; });
    const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', class: 'spark', role: 'img',
      'aria-label': `${seg.segment}: size per day` },
    s('path', { d: `${line} V${H} H0 Z`, class: 'spark-area' }),
    s('path', { d: line, class: 'spark-line', 'vector-effect': 'non-scaling-stroke' }),
    days.map((d, i) => s('rect', { x: x(i), y: 0, width: W / n, height: H, class: 'hit' },
      s('title', {}, `${dayName(d)}: ${plural(series[i], 'visitor', 'visitors')}`))));
    const change = last - (series[0] ?? 0);
    return h('figure', { class: 'segment', 'data-segment': seg.segment, 'data-size': last },
      h('figcaption', {}, h('span', { class: 'seg-name' }, seg.segment), h('strong', {}, int(last))),
      svg,
      h('p', { class: 'muted small' }, change === 0 ? `unchanged since ${dayName(days[0])}`
        : `${change > 0 ? '+' : '−'}${int(Math.abs(change))} since ${dayName(days[0])}`));
  }));
}

// ---------- experiments ----------

function renderExperiments(exp) {
  const host = $('#experiments-list');
  $('#experiments-goal').textContent =
    `Conversion to “${exp.goal}” after a visitor's first exposure, with 95 % intervals. Uplift is relative to the control (first variation).`;
  const list = exp.experiments || [];
  if (!list.length) {
    host.replaceChildren(empty('No experiment results in this range',
      h('p', { class: 'muted' }, 'Results appear once ', h('code', {}, 'Experiment Viewed'), ' events arrive, e.g. from ',
        h('code', {}, "p.track('Experiment Viewed', { experiment_id, variation_id })"), ' or GrowthBook\'s ',
        h('code', {}, 'trackingCallback'), '.')));
    return;
  }
  host.replaceChildren(...list.map(renderExperiment));
}

function srmBanner(e) {
  const vs = e.variations || [], total = vs.reduce((a, v) => a + v.exposed, 0) || 1;
  const expected = e.srm.expected || [];
  return h('div', { id: 'srm-warning', class: 'srm-warning', role: 'alert' },
    h('strong', {}, `⚠ Sample ratio mismatch: the split is off (${pValue(e.srm.p_value)}). Do not trust these results until the cause is found.`),
    h('ul', {}, vs.map((v, i) => h('li', {}, h('b', {}, v.name || `Variation ${v.variation}`),
      `: expected ${expected[i] == null ? '—' : pct(expected[i])}, got ${pct(v.exposed / total)} (${plural(v.exposed, 'visitor', 'visitors')})`))),
    h('p', {}, 'Common causes: a variation that breaks tracking or redirects, bots, or assignment that changes after exposure.'));
}

function renderExperiment(e) {
  const vs = e.variations || [], control = vs[0], mismatch = !!e.srm?.mismatch;
  const hi = Math.max(0.01, ...vs.map((v) => (v.interval || [0, v.rate])[1] || 0)) * 1.08;
  const total = vs.reduce((a, v) => a + v.exposed, 0);
  const card = h('article', { class: `experiment${mismatch ? ' mismatch' : ''}`, 'data-experiment': e.experiment,
    'data-srm-mismatch': String(mismatch) },
  h('h3', {}, e.name || e.experiment, e.name && e.name !== e.experiment ? h('span', { class: 'id' }, e.experiment) : null),
  mismatch ? srmBanner(e) : null,
  h('p', { class: 'muted small' }, `${plural(total, 'visitor', 'visitors')} exposed`,
    e.excluded > 0 ? ` · ${plural(e.excluded, 'visitor', 'visitors')} seen in more than one variation, left out` : '',
    e.srm && !mismatch ? ` · split check ${pValue(e.srm.p_value)}, fine` : '',
    e.srm_error ? ` · no split check: ${e.srm_error}` : ''));
  const rows = vs.map((v, i) => {
    // A verdict only when the uplift's 95 % interval leaves out 0 (or, with no ratio because a
    // rate is 0, when the difference's p-value is under 0.05), and never under a mismatch.
    const up = v.uplift, p = v.p_value ?? up?.p_value;
    const sig = !mismatch && i > 0 && (up ? up.interval[0] > 0 || up.interval[1] < 0 : p != null && p < 0.05);
    const verdict = sig ? ((up ? up.relative : v.rate - control.rate) > 0 ? 'better' : 'worse') : null;
    return h('tr', { 'data-variation': v.variation, 'data-exposed': v.exposed, 'data-converted': v.converted, class: verdict },
      h('th', { scope: 'row' }, v.name || `Variation ${v.variation}`, ' ', h('span', { class: 'id' }, `#${v.variation}`),
        i === 0 ? h('span', { class: 'tag' }, 'control') : null),
      h('td', { class: 'num' }, int(v.exposed)),
      h('td', { class: 'num' }, int(v.converted)),
      h('td', { class: 'num' }, pct(v.rate), ' ', h('span', { class: 'muted' }, v.interval ? `(${pctRange(v.interval)})` : '')),
      h('td', { class: 'num' }, i === 0 ? h('span', { class: 'muted' }, 'baseline')
        : up ? [signed(up.relative), ' ', up.interval ? h('span', { class: 'muted' }, `(${signed(up.interval[0])} to ${signed(up.interval[1])})`) : null,
          verdict ? h('span', { class: `tag ${verdict}` }, verdict) : null] : '—'),
      h('td', { class: 'num' }, i === 0 || p == null ? '—' : pValue(p).replace(/^p = /, '')),
      h('td', { class: 'plot' }, intervalPlot(v, i ? control : null, hi, verdict)));
  });
  card.append(h('div', { class: 'table-wrap' }, h('table', { class: 'data experiment-table' },
    h('thead', {}, h('tr', {}, ['Variation', 'Exposed', 'Converted', 'Conversion (95 % interval)', 'Uplift vs control',
      'p-value'].map((t, i) => h('th', { scope: 'col', class: i ? 'num' : null }, t)),
    h('th', { scope: 'col', class: 'plot' }, `0–${fix1(hi * 100)} %`))),
    h('tbody', {}, rows))));
  return card;
}

// The rate as a dot on its 95 % interval; the control's interval is the grey band behind it.
function intervalPlot(v, control, hi, verdict) {
  const W = 140, H = 24, x = (r) => 4 + (Math.min(r, hi) / hi) * (W - 8);
  const [lo, up] = v.interval || [v.rate, v.rate];
  return s('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: `ci ${verdict || ''}`, role: 'img',
    'aria-label': `${pct(v.rate)}, 95 % interval ${pctRange([lo, up])}` },
  s('title', {}, `${v.name || v.variation}: ${pct(v.rate)}, 95 % interval ${pctRange([lo, up])}`),
  control?.interval ? s('rect', { x: x(control.interval[0]), y: 2, width: Math.max(1, x(control.interval[1]) - x(control.interval[0])), height: H - 4, class: 'ci-control' }) : null,
  s('line', { x1: 4, x2: W - 4, y1: H / 2, y2: H / 2, class: 'ci-axis' }),
  s('line', { x1: x(lo), x2: x(up), y1: H / 2, y2: H / 2, class: 'ci-range' }),
  s('line', { x1: x(lo), x2: x(lo), y1: H / 2 - 5, y2: H / 2 + 5, class: 'ci-range' }),
  s('line', { x1: x(up), x2: x(up), y1: H / 2 - 5, y2: H / 2 + 5, class: 'ci-range' }),
  s('circle', { cx: x(v.rate), cy: H / 2, r: 4.5, class: 'ci-dot' }));
}

// ---------- wiring ----------

function apply(push) {
  const f = readForm();
  if (!f) { showStatus('Pick a valid date range.'); return; }
  state.filters = f;
  writeForm(f);
  writeURL(f, push);
  load(f);
}

function start() {
  state.filters = readURL();
  writeForm(state.filters);
  for (const b of document.querySelectorAll('[data-preset]')) {
    b.addEventListener('click', () => {
      const to = iso(Date.now());
      $('#f-to').value = to;
      $('#f-from').value = iso(dayTime(to) - (Number(b.dataset.preset) - 1) * DAY);
      apply(true);
    });
  }
  $('#filters').addEventListener('submit', (ev) => { ev.preventDefault(); apply(true); });
  $('#f-channel').addEventListener('change', () => apply(true));
  $('#f-goal').addEventListener('change', () => {
    const custom = $('#f-goal').value === CUSTOM;
    $('#f-custom-wrap').hidden = !custom;
    if (custom) $('#f-custom').focus(); else apply(true);
  });
  $('#key-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const key = $('#key-input').value.trim();
    if (!key) return;
    try { sessionStorage.setItem(KEY, key); } catch { /* storage off */ }
    $('#key-input').value = '';
    load(state.filters);
  });
  $('#lock').addEventListener('click', () => {
    try { sessionStorage.removeItem(KEY); } catch { /* storage off */ }
    location.reload();
  });
  for (const b of document.querySelectorAll('.toggle button')) {
    b.addEventListener('click', () => {
      state.metric = b.dataset.metric;
      for (const o of document.querySelectorAll('.toggle button')) o.setAttribute('aria-pressed', String(o === b));
      if (state.data) renderTraffic(state.data.ins, dayRange(state.data.ins.from, state.data.ins.to));
    });
  }
  window.addEventListener('popstate', () => { state.filters = readURL(); writeForm(state.filters); load(state.filters); });
  // Redraw the charts when the page's width changes (window resized, scrollbar came or went).
  let queued = false;
  new ResizeObserver(() => {
    if (queued || !state.data || document.body.dataset.ready !== 'true') return;
    queued = true;
    requestAnimationFrame(() => { queued = false; if ($('#dash').clientWidth !== state.width) renderCharts(); });
  }).observe($('#dash'));
  load(state.filters);
}

start();
