/* global document, fetch, Node, sessionStorage, setInterval */
// The dashboard: fetches the API and renders it; polls campaigns so a
// rebuild can be watched as it progresses.
import { drawGraph, shortImage } from './graph.js';

const POLL_MS = 2000;
const $ = (sel) => document.querySelector(sel);

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat())
    if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

async function api(path, init) {
  const res = await fetch(path, init);
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.error?.message ?? `${res.status} ${res.statusText}`);
  return body;
}

const shortDigest = (d) => (d ? d.replace(/^(sha256:)?([0-9a-f]{12})[0-9a-f]*$/, '$2') : '—');
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
const badge = (state) => h('span', { class: `badge s-${state}` }, state);

function setStatus(text) {
  $('#status').textContent = text;
}

let graphView = null;

async function loadGraph() {
  const graph = await api('/api/graph');
  graphView = drawGraph($('#graph-svg'), graph);
  if (graph.errors.length)
    $('#plan-result').textContent =
      `${graph.errors.length} problem(s) in the graph: ${graph.errors.map((e) => e.message).join('; ')}`;
}

async function highlight(ref) {
  if (!graphView) return;
  if (!ref) {
    graphView.highlight(null);
    $('#plan-result').textContent = '';
    return;
  }
  try {
    const plan = await api(`/api/plan?changed=${encodeURIComponent(ref)}`);
    graphView.highlight(plan);
    const n = plan.waves.flat().length;
    $('#plan-result').textContent = n
      ? `${plan.changed.join(', ')} moving rebuilds ${n} Dockerfile(s) in ${plan.waves.length} wave(s); ${plan.unaffected} unaffected.`
      : `Nothing uses ${plan.changed.join(', ')}.`;
  } catch (e) {
    graphView.highlight(null);
    $('#plan-result').textContent = e.message;
  }
}

function renderImages(images) {
  const rows = images.map((i) =>
    h(
      'tr',
      {},
      h(
        'td',
        { title: i.name },
        shortImage(i.name),
        h('div', { class: 'muted small' }, i.dockerfile),
      ),
      h('td', {}, i.tags.join(', ')),
      h('td', { class: 'mono', title: i.digest ?? 'unknown' }, shortDigest(i.digest)),
      h('td', { class: 'num' }, i.ageDays ?? '—'),
      h(
        'td',
        { class: 'small' },
        i.bases.map((b) => h('div', {}, b)),
      ),
      h(
        'td',
        { class: 'nowrap' },
        i.eol ? [badge(i.eol.status), i.eol.eolDate ? ` ${i.eol.eolDate}` : ''] : '—',
      ),
      h('td', {}, i.lastRebuild ? when(i.lastRebuild.at) : '—'),
    ),
  );
  $('#images-table tbody').replaceChildren(...rows);
}

function renderDeprecated(report) {
  const rows = report.images.map((r) =>
    h(
      'tr',
      {},
      h('td', {}, shortImage(r.name)),
      h('td', { class: 'small' }, r.base),
      h('td', {}, badge(r.status)),
      h('td', { class: 'nowrap' }, r.eolDate ?? '—'),
      h('td', { class: 'num' }, r.ageDays ?? '—'),
      h('td', { class: 'small' }, r.replacement ?? '—'),
      h('td', { class: 'small' }, r.reason),
    ),
  );
  $('#deprecated-table tbody').replaceChildren(
    ...(rows.length
      ? rows
      : [
          h(
            'tr',
            {},
            h(
              'td',
              { colspan: 7, class: 'muted' },
              'No image is built on an end-of-life or deprecated base.',
            ),
          ),
        ]),
  );
}

function renderDeadLetters({ deadLetters }) {
  const rows = deadLetters.map((d) =>
    h(
      'tr',
      {},
      h('td', {}, when(d.deadAt)),
      h(
        'td',
        { class: 'small' },
        d.eventType ?? d.originalSubject,
        d.campaignId ? h('div', { class: 'muted' }, d.campaignId) : null,
      ),
      h('td', {}, d.consumer),
      h('td', {}, badge(d.reason)),
      h('td', { class: 'num' }, `${d.attempts}/${d.maxAttempts}`),
      h('td', { class: 'small' }, d.where ? `${d.error} (${d.where})` : d.error),
    ),
  );
  $('#deadletters-table tbody').replaceChildren(
    ...(rows.length
      ? rows
      : [h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No dead letters.'))]),
  );
}

function targetChip(t) {
  const links = [];
  if (t.pr)
    links.push(h('a', { href: t.pr.url, target: '_blank', rel: 'noopener' }, `PR #${t.pr.number}`));
  if (t.build)
    links.push(
      h(
        'span',
        { class: 'mono', title: `${t.build.image}@${t.build.digest}` },
        `build ${shortDigest(t.build.digest)}`,
      ),
    );
  if (t.promotion)
    links.push(
      h(
        'span',
        { class: 'promotion', title: t.promotion.staging ?? '' },
        t.promotion.state === 'pending' ? 'awaiting promotion' : `promotion ${t.promotion.state}`,
      ),
    );
  return h(
    'li',
    { class: `target s-${t.state}`, 'data-target': t.id, title: t.failure ?? t.dockerfile },
    h('span', { class: 'target-name' }, t.image ? shortImage(t.image) : t.dockerfile),
    ' ',
    badge(t.state),
    links.length ? h('span', { class: 'links' }, ' ', ...links) : null,
    // Why it failed or waits for ever (a refused promotion names the gate's reason).
    t.failure ? h('div', { class: 'small target-reason' }, t.failure) : null,
  );
}

function renderCampaign(c) {
  const pct = c.counts.total ? Math.round((100 * c.counts.done) / c.counts.total) : 100;
  const byId = new Map(c.targets.map((t) => [t.id, t]));
  return h(
    'article',
    { class: `campaign s-${c.state}`, 'data-campaign': c.id },
    h(
      'header',
      {},
      h('strong', {}, c.trigger.ref),
      ' → ',
      h('span', { class: 'mono' }, shortDigest(c.trigger.digest)),
      ' ',
      badge(c.state),
      h('span', { class: 'muted small' }, ` ${c.reason} · planned ${when(c.plannedAt)} · ${c.id}`),
    ),
    h(
      'div',
      {
        class: 'progress',
        role: 'progressbar',
        'aria-valuenow': pct,
        'aria-valuemin': 0,
        'aria-valuemax': 100,
      },
      h('div', { class: 'bar', style: `width:${pct}%` }),
    ),
    h(
      'p',
      { class: 'small' },
      `${c.counts.done}/${c.counts.total} done`,
      c.counts.failed ? `, ${c.counts.failed} failed` : '',
      c.counts.blocked ? `, ${c.counts.blocked} blocked` : '',
      c.currentWave === null ? '' : ` · wave ${c.currentWave + 1} of ${c.waves}`,
    ),
    h(
      'ol',
      { class: 'waves' },
      c.wavesDetail.map((w) =>
        h(
          'li',
          { class: `wave w-${w.state}` },
          h('span', { class: 'wave-label' }, `Wave ${w.index + 1} (${w.done}/${w.targets.length})`),
          h(
            'ul',
            { class: 'targets' },
            w.targets
              .map((id) => byId.get(id))
              .filter(Boolean)
              .map(targetChip),
          ),
        ),
      ),
    ),
  );
}

async function loadCampaigns() {
  const { campaigns } = await api('/api/campaigns');
  const details = await Promise.all(
    campaigns.slice(0, 10).map((c) => api(`/api/campaigns/${encodeURIComponent(c.id)}`)),
  );
  $('#campaign-list').replaceChildren(
    ...(details.length
      ? details.map(renderCampaign)
      : [h('p', { class: 'muted' }, 'No campaigns yet.')]),
  );
}

async function refresh(all) {
  const jobs = [loadCampaigns(), api('/api/deadletters').then(renderDeadLetters)];
  if (all)
    jobs.push(
      api('/api/images').then((r) => renderImages(r.images)),
      api('/api/reports/deprecated').then(renderDeprecated),
    );
  const results = await Promise.allSettled(jobs);
  const failed = results.filter((r) => r.status === 'rejected');
  setStatus(
    failed.length
      ? `update failed: ${failed[0].reason.message}`
      : `updated ${new Date().toLocaleTimeString()}`,
  );
}

function wire() {
  $('#graph-search').addEventListener('input', (e) => graphView?.search(e.target.value));
  $('#plan-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void highlight($('#plan-ref').value.trim());
  });
  $('#plan-clear').addEventListener('click', () => {
    $('#plan-ref').value = '';
    void highlight('');
  });
  $('#graph-fit').addEventListener('click', () => graphView?.fit());
  const token = $('#trigger-token');
  // Kept for this tab only, so a reload does not ask again; never in localStorage.
  token.value = sessionStorage.getItem('restack-token') ?? '';
  $('#trigger-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { ref: $('#trigger-ref').value.trim() };
    const digest = $('#trigger-digest').value.trim();
    if (digest) body.digest = digest;
    sessionStorage.setItem('restack-token', token.value);
    try {
      const r = await api('/api/campaigns', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token.value}` },
        body: JSON.stringify(body),
      });
      $('#trigger-result').textContent =
        `Accepted: ${r.ref} → ${r.digest} (event ${r.eventId}). The campaign appears below once planned.`;
      void refresh(false);
    } catch (err) {
      $('#trigger-result').textContent = `Not started: ${err.message}`;
    }
  });
}

wire();
loadGraph().catch((e) => setStatus(`graph failed: ${e.message}`));
void refresh(true);
let ticks = 0;
// Images and reports change slowly; campaigns and dead letters every poll.
setInterval(() => void refresh(++ticks % 5 === 0), POLL_MS);
