// zhijian review report. The data are the embedded JSON blocks; every string from a transcript
// or its metadata is put into the page as a text node (el(), .textContent), never as HTML.
(async function () {
  'use strict';
  const started = performance.now();
  const $ = (sel) => document.querySelector(sel);

  // The calls are JSON lines, gzip-compressed and base64-encoded by zhijian. They are parsed a
  // line at a time as the stream inflates: a big batch unpacks to more text than one string
  // may hold in a browser (about 512 MB in Chrome), which must never become an empty page.
  async function unpack(node) {
    const text = node.textContent.trim();
    node.textContent = '';
    if (!text) return [];
    const raw = atob(text);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    const reader = new Blob([bytes]).stream()
      .pipeThrough(new DecompressionStream('gzip'))
      .pipeThrough(new TextDecoderStream())
      .getReader();
    const calls = [];
    let rest = '';
    for (;;) {
      const { value, done } = await reader.read();
      const chunk = done ? rest + '\n' : rest + value;
      let from = 0;
      for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', from)) {
        if (nl > from) calls.push(JSON.parse(chunk.slice(from, nl)));
        from = nl + 1;
      }
      rest = chunk.slice(from);
      if (done) return calls;
    }
  }
  const META = JSON.parse($('#zj-meta').textContent);
  let CALLS;
  try {
    CALLS = await unpack($('#zj-calls'));
  } catch (e) {
    $('#queue-count').textContent = '无法载入通话数据 (需要较新的 Chrome、Edge、Firefox 或 Safari,或数据超出了浏览器的内存): ' + e;
    $('#queue-count').className = 'warn';
    return;
  }
  // What was unpacked must be what was written: a page that silently shows fewer calls than
  // its batch would pass for a complete review.
  const SHORT = CALLS.length !== META.listed;
  if (SHORT) {
    const warn = document.createElement('p');
    warn.className = 'warn';
    warn.id = 'short';
    warn.textContent = `本报告写入了 ${META.listed} 通,浏览器只读出 ${CALLS.length} 通:下面的数字和列表不完整。` +
      '请用 --only-flagged 只收录待复核的通话,或把这批通话分成几份各出一份报告。';
    document.querySelector('main').prepend(warn);
  }
  const RULES = new Map(META.rules.map((r) => [r.id, r]));
  const ROLE = { agent: '客服', customer: '客户' };
  const CHANNEL = { phone: '电话', chat: '在线', social: '社媒', ticket: '工单' };
  const ERROR_TIER = '__error';
  // Metadata the call view already shows in its own words.
  const SHOWN_META = new Set(['agent', '坐席', 'channel', '渠道', 'medium', '媒介', 'duration_ms', 'id', 'call_id', '通话编号']);
  const PAGE = 200;

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v == null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const kid of kids.flat()) {
      if (kid == null || kid === false) continue;
      e.append(kid instanceof Node ? kid : String(kid));
    }
    return e;
  }

  // ---- derived data -------------------------------------------------------------------------
  const tierNames = META.schemes[0].tiers.map((t) => t[0]);
  function tierClass(c) {
    if (c.error != null) return 'err';
    const i = tierNames.indexOf(c.tier);
    return 't' + Math.min(3, i < 0 ? 3 : i);
  }
  const ids = new Map();
  for (const c of CALLS) ids.set(c.call_id, (ids.get(c.call_id) || 0) + 1);
  CALLS.forEach((c, i) => {
    c.i = i;
    c.sharedId = ids.get(c.call_id) > 1;
    c.agentName = c.agent || META.unknown_agent;
    c.ruleIds = [...new Set(c.hits.map((h) => h.rule_id))].sort();
  });

  // A call's transcript as a short fingerprint: a verdict belongs to these words, not to a file
  // name that next week's batch may reuse.
  function fingerprint(c) {
    let h = 0x811c9dc5;
    for (const t of c.turns) {
      const s = t.role + '\u0000' + t.text + '\u0001';
      for (let i = 0; i < s.length; i++) {
        h ^= s.charCodeAt(i);
        h = Math.imul(h, 0x01000193) >>> 0;
      }
    }
    return h.toString(16).padStart(8, '0');
  }

  // The score without the hits judged 误判, the way zhijian scores (score.rs `tally`): in one
  // sentence, of the deductions of one dimension (or one rule, by the scheme's `sentence`) only
  // the largest is charged, the earliest of equals, the rest waived; then per rule the charged
  // hits count up to max_hits (once for a rule that judges the whole call), the gravest first
  // (a full deduction before a fraction of one, the earlier of equals), fatal → 0, clamped
  // to 0–100, tier by the call's scheme. `waivedBy[n]` is the hit charged instead of hit n.
  // What hit h is worth under the scheme's [confidence] (score.rs `Worth`): a deduction whose
  // words the recogniser was unsure of is held for review (nothing, waives nothing, uses no
  // cap), costs a fraction (rounded towards nothing; a fatal one is held), or costs as usual.
  // A hit the supervisor confirmed (`heard`) is no longer in doubt: it costs in full.
  function worthOf(h, scheme, heard) {
    const r = RULES.get(h.rule_id);
    const p = scheme.confidence;
    const uncertain = !heard && p != null && h.confidence != null && h.confidence < p.below;
    if (!uncertain || (r.points >= 0 && !r.fatal) || p.action === 'deduct') return { points: r.points, fatal: r.fatal, held: false };
    if (p.action === 'review' || r.fatal) return { points: 0, fatal: false, held: true };
    return { points: Math.trunc(r.points * p.fraction), fatal: false, held: false };
  }
  function rescore(c, skip, heard = new Set()) {
    const scheme = schemeOf(c);
    const policy = scheme.sentence || 'hit';
    const kept = [];
    c.hits.forEach((h, n) => { if (!skip.has(n)) kept.push(n); });
    const worth = new Map(kept.map((n) => [n, worthOf(c.hits[n], scheme, heard.has(n))]));
    const chargeKey = (n) => {
      const h = c.hits[n];
      const r = RULES.get(h.rule_id);
      if (policy === 'hit' || h.sentence == null || r.points >= 0 || r.whole_call || worth.get(n).held) return null;
      return [h.turn, h.sentence, policy === 'rule' ? 'r:' + h.rule_id : 'd:' + r.dimension].join('\u001f');
    };
    const best = new Map();
    for (const n of kept) {
      const k = chargeKey(n);
      if (k == null) continue;
      const b = best.get(k);
      if (b === undefined || worth.get(n).points < worth.get(b).points) best.set(k, n);
    }
    const waivedBy = new Map();
    const charged = new Map();
    let points = scheme.base;
    let fatal = false;
    const eligible = [];
    for (const n of kept) {
      const w = worth.get(n);
      fatal = fatal || w.fatal;
      const k = chargeKey(n);
      if (k != null && best.get(k) !== n) {
        waivedBy.set(n, best.get(k));
        continue;
      }
      if (!w.held) eligible.push(n);
    }
    eligible.sort((a, b) => Math.abs(worth.get(b).points) - Math.abs(worth.get(a).points) || a - b);
    for (const n of eligible) {
      const h = c.hits[n];
      const r = RULES.get(h.rule_id);
      const k2 = charged.get(h.rule_id) || 0;
      const cap = r.whole_call ? 1 : r.max_hits;
      if (cap == null || k2 < cap) points += worth.get(n).points;
      charged.set(h.rule_id, k2 + 1);
    }
    const score = fatal ? 0 : Math.max(0, Math.min(100, points));
    const tier = (scheme.tiers.find(([, min]) => score >= min) || scheme.tiers[scheme.tiers.length - 1])[0];
    return { score, tier, waivedBy };
  }
  function rejectedOf(c) {
    const skip = new Set();
    c.hits.forEach((h, n) => {
      const v = verdicts[keysOf(c)[n]];
      if (v && v.verdict === '误判') skip.add(n);
    });
    return skip;
  }
  // The uncertain hits the supervisor confirmed (rescore.rs: a person who kept it heard it).
  function heardOf(c) {
    const heard = new Set();
    c.hits.forEach((h, n) => {
      const v = verdicts[keysOf(c)[n]];
      if (h.uncertain && v && v.verdict === '确认') heard.add(n);
    });
    return heard;
  }

  // The page's own scoring must agree with zhijian's on every call before it may show a score
  // after review.
  let rescoreAgrees = true;
  for (const c of CALLS) {
    if (c.error != null) continue;
    const r = rescore(c, new Set());
    if (r.score !== c.score || r.tier !== c.tier) {
      rescoreAgrees = false;
      console.error(`复核后得分的计算与 zhijian 不一致: ${c.call_id} ${r.score}/${r.tier} ≠ ${c.score}/${c.tier}`);
      break;
    }
  }

  function haystack(c) {
    if (c.hay === undefined) {
      c.hay = [c.call_id, c.source, c.agentName, c.error || '', ...c.turns.map((t) => t.text)]
        .join('\n')
        .toLowerCase();
    }
    return c.hay;
  }

  function msText(ms) {
    if (ms == null) return '';
    const s = Math.floor(ms / 1000);
    const m = Math.floor(s / 60);
    return String(m).padStart(2, '0') + ':' + String(s % 60).padStart(2, '0');
  }
  // Interruptions and silences are a matter of tenths: 00:09.3.
  const msTenths = (ms) => ms == null ? '' : msText(ms) + '.' + Math.floor((ms % 1000) / 100);
  const turnRange = (ev) => ev.first_turn === ev.last_turn
    ? `第 ${ev.first_turn + 1} 轮` : `第 ${ev.first_turn + 1}–${ev.last_turn + 1} 轮`;
  const seconds = (ms) => (ms / 1000).toFixed(1);
  const signed = (n) => (n > 0 ? '+' + n : String(n).replace('-', '−'));

  // ---- verdicts -----------------------------------------------------------------------------
  // One store for every report opened in this browser, so a regenerated report keeps its
  // verdicts. A verdict belongs to the words of a call (its fingerprint), not to a file name.
  // Each change re-reads the store and writes back only its own key, so two open tabs do not
  // undo each other; when the browser's quota is reached the oldest verdicts of other batches
  // make room.
  const STORE = 'zhijian.verdicts.v1';
  const REVIEWER = 'zhijian.reviewer';
  let persistent = true;
  function readStore() {
    try {
      return JSON.parse(localStorage.getItem(STORE) || '{}') || {};
    } catch (e) {
      persistent = false;
      return null;
    }
  }
  let verdicts = readStore() || {};
  function writeStore(k, entry) {
    if (!persistent) return;
    const store = readStore();
    if (!store) return;
    if (entry) store[k] = entry;
    else delete store[k];
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        localStorage.setItem(STORE, JSON.stringify(store));
        verdicts = store;
        return;
      } catch (e) {
        const mine = new Set(keysOfReport().map(([, , key]) => key));
        const others = Object.keys(store).filter((key) => !mine.has(key))
          .sort((x, y) => (store[x].at || 0) - (store[y].at || 0));
        if (others.length === 0) break;
        for (const key of others.slice(0, Math.max(1, Math.ceil(others.length / 4)))) delete store[key];
      }
    }
    persistent = false;
  }
  window.addEventListener('storage', (e) => {
    if (e.key !== STORE) return;
    verdicts = readStore() || verdicts;
    updateCount();
    route();
  });
  function span(h) {
    const ev = h.evidence;
    if (ev.kind === 'said' || ev.kind === 'missing') return [ev.start, ev.end];
    // As verdicts name it: a measurement of a call without timestamps spans 0–0.
    return [ev.begin_ms ?? 0, ev.end_ms ?? 0];
  }
  // Keys of a call's hits, in hit order. Evidence repeated word for word (a composition can
  // quote the same words through two of its conditions) is one thing to judge: same key.
  function keysOf(c) {
    if (c.keys === undefined) {
      const print = fingerprint(c);
      c.keys = c.hits.map((h) => {
        const [s, e] = span(h);
        return [c.call_id, print, h.rule_id, h.turn, h.evidence.kind, s, e, c.rules_version].join('\u001f');
      });
      c.print = print;
    }
    return c.keys;
  }
  let reportKeys = null;
  // Every distinct hit of the report once: [call, hit, key].
  function keysOfReport() {
    if (!reportKeys) {
      reportKeys = [];
      const seen = new Set();
      for (const c of CALLS) {
        keysOf(c).forEach((k, n) => {
          if (!seen.has(k)) {
            seen.add(k);
            reportKeys.push([c, c.hits[n], k]);
          }
        });
      }
    }
    return reportKeys;
  }
  const judged = (k) => verdicts[k] && (verdicts[k].verdict === '确认' || verdicts[k].verdict === '误判');
  function updateCount() {
    let confirmed = 0, rejected = 0;
    for (const [, , k] of keysOfReport()) {
      if (!judged(k)) continue;
      if (verdicts[k].verdict === '确认') confirmed++;
      else rejected++;
    }
    $('#verdict-count').textContent =
      `已复核 ${confirmed + rejected} / ${keysOfReport().length} 处 (确认 ${confirmed},误判 ${rejected})` +
      (persistent ? '' : ' · 浏览器不允许保存,请及时下载');
  }
  // Sets a hit's verdict (null: none) and/or comment (null: unchanged). A hit with neither
  // is forgotten.
  function setVerdict(c, n, verdict, comment) {
    $('#reviewer').classList.toggle('missing', !$('#reviewer').value.trim());
    const k = keysOf(c)[n];
    const old = verdicts[k] || {};
    const entry = {
      verdict: verdict === undefined ? old.verdict || '' : verdict || '',
      comment: comment == null ? old.comment || '' : comment,
      reviewer: $('#reviewer').value.trim(),
      at: Date.now(),
    };
    writeStore(k, entry.verdict || entry.comment ? entry : null);
    if (!persistent) {
      if (entry.verdict || entry.comment) verdicts[k] = entry;
      else delete verdicts[k];
    }
    updateCount();
  }

  // A cell that a spreadsheet will not evaluate, and that `zhijian precision` reads back
  // exactly: a leading ' is added before = + - @ tab CR and ' itself, and removed on reading.
  function csvCell(v) {
    let s = v == null ? '' : String(v);
    if (/^[=+\-@\t\r']/.test(s)) s = "'" + s;
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  // The call the verdict was made on, as the text of a rule example. Whole, because a hit is
  // often wrong for what the call says elsewhere: the customer's 好了能用了 after an earlier
  // 还是不行 (RES001 looks at the end), a deadline given before a callback promise (RES003
  // looks at the whole call). Cut from the words before the hit, an excerpt would fire the
  // rule again, and `zhijian precision --suggest` would suggest an example no fix can pass.
  // A very long call keeps the stretch from a few turns before the hit to the end.
  const CONTEXT_MAX_TURNS = 40;
  function contextLines(c, h) {
    const ev = h.evidence;
    const first = ev.kind === 'missing' ? Math.min(ev.first_turn, h.turn) : h.turn;
    const from = c.turns.length <= CONTEXT_MAX_TURNS ? 0 : Math.max(0, first - 6);
    const last = Math.min(c.turns.length - 1, from + CONTEXT_MAX_TURNS - 1);
    const lines = [];
    for (let t = from; t <= last; t++) {
      lines.push(ROLE[c.turns[t].role] + '：' + c.turns[t].text.replace(/\s*[\r\n]+\s*/g, ' '));
    }
    return lines.join('\n');
  }
  // The header of verdict.rs (HEADER), which `zhijian sample --verdicts` writes too: the same
  // hit there and here is one key to `zhijian precision`.
  const CSV_HEADER = ['call_id', 'source', 'rule_id', 'turn', 'start', 'end', 'verdict', 'reviewer',
    'comment', 'rules_version', 'kind', 'rule_title', 'quote', 'context', 'channel', 'transcript'];
  function verdictsCsv() {
    const rows = [CSV_HEADER.join(',')];
    for (const [c, h, k] of keysOfReport()) {
      const v = verdicts[k];
      if (!judged(k)) continue;
      const [s, e] = span(h);
      const ev = h.evidence;
      rows.push([c.call_id, c.source, h.rule_id, h.turn, s, e, v.verdict, v.reviewer, v.comment,
        c.rules_version, ev.kind, h.rule_title, ev.text || '', contextLines(c, h), c.channel || '',
        fingerprint(c)]
        .map(csvCell).join(','));
    }
    return '\ufeff' + rows.join('\r\n') + '\r\n';
  }
  $('#download').addEventListener('click', () => {
    if (!keysOfReport().some(([, , k]) => judged(k))) {
      $('#verdict-count').textContent = '还没有标记任何命中: 在通话视图里点 确认 或 误判 后再下载';
      return;
    }
    const url = URL.createObjectURL(new Blob([verdictsCsv()], { type: 'text/csv;charset=utf-8' }));
    const a = el('a', { href: url, download: 'verdicts.csv' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });
  try {
    $('#reviewer').value = localStorage.getItem(REVIEWER) || '';
  } catch (e) { /* no storage: the name is typed each time */ }
  $('#reviewer').addEventListener('change', () => {
    try { localStorage.setItem(REVIEWER, $('#reviewer').value.trim()); } catch (e) { /* ignored */ }
  });

  // ---- state in the URL hash ----------------------------------------------------------------
  const VIEWS = ['review', 'overview', 'agents'];
  const FILTERS = ['q', 'tier', 'rule', 'agent', 'reason', 'sort', 'flagged', 'todo'];
  function readHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    const v = p.get('v');
    const s = { v: VIEWS.includes(v) ? v : 'review', call: p.get('call'), src: p.get('src') };
    for (const k of FILTERS) s[k] = p.get(k) || '';
    return s;
  }
  function hashOf(s) {
    const p = new URLSearchParams();
    p.set('v', s.v || 'review');
    for (const k of FILTERS) if (s[k]) p.set(k, s[k]);
    if (s.call != null) {
      p.set('call', s.call);
      if (s.src) p.set('src', s.src);
    }
    return '#' + p.toString();
  }
  let state = readHash();

  // ---- filters ------------------------------------------------------------------------------
  function fillSelect(sel, options) {
    for (const [value, label] of options) sel.append(el('option', { value }, label));
  }
  const counted = (list) => {
    const m = new Map();
    for (const x of list) m.set(x, (m.get(x) || 0) + 1);
    return m;
  };
  const tierCount = counted(CALLS.map((c) => (c.error != null ? ERROR_TIER : c.tier)));
  fillSelect($('#f-tier'), [...tierNames, ERROR_TIER].filter((t) => tierCount.has(t))
    .map((t) => [t, `${t === ERROR_TIER ? '无法读取' : t} (${tierCount.get(t)})`]));
  const ruleCount = counted(CALLS.flatMap((c) => c.ruleIds));
  fillSelect($('#f-rule'), META.rules.filter((r) => ruleCount.has(r.id))
    .map((r) => [r.id, `${r.id} ${r.title} (${ruleCount.get(r.id)})`]));
  const agentCount = counted(CALLS.map((c) => c.agentName));
  fillSelect($('#f-agent'), [...agentCount.keys()].sort()
    .map((a) => [a, `${a} (${agentCount.get(a)})`]));
  const reasonCount = counted(CALLS.flatMap((c) => c.flag_reasons));
  fillSelect($('#f-reason'), [...reasonCount.keys()].sort().map((r) => {
    const rule = RULES.get(r);
    return [r, `${r}${rule ? ' ' + rule.title : ''} (${reasonCount.get(r)})`];
  }));

  function syncControls() {
    if (document.activeElement !== $('#f-q')) $('#f-q').value = state.q;
    for (const k of ['tier', 'rule', 'agent', 'reason', 'sort']) {
      const sel = $('#f-' + k);
      sel.value = state[k];
      // A shared link may name a value this batch does not have: keep it visible.
      if (sel.value !== state[k]) {
        sel.append(el('option', { value: state[k] }, state[k] + ' (0)'));
        sel.value = state[k];
      }
    }
    $('#f-flagged').checked = state.flagged === '1';
    $('#f-todo').checked = state.todo === '1';
  }
  function fromControls() {
    const s = Object.assign({}, state, {
      q: $('#f-q').value,
      tier: $('#f-tier').value,
      rule: $('#f-rule').value,
      agent: $('#f-agent').value,
      reason: $('#f-reason').value,
      sort: $('#f-sort').value,
      flagged: $('#f-flagged').checked ? '1' : '',
      todo: $('#f-todo').checked ? '1' : '',
    });
    return s;
  }
  let typing = null;
  $('#filters').addEventListener('submit', (e) => e.preventDefault());
  $('#filters').addEventListener('input', (e) => {
    clearTimeout(typing);
    const apply = () => {
      state = fromControls();
      history.replaceState(null, '', hashOf(state));
      route();
    };
    if (e.target.id === 'f-q') typing = setTimeout(apply, 200);
    else apply();
  });

  let filtered = [];
  let filterKey = null;
  function applyFilters() {
    // Verdicts change which calls are still to review: that filter is never cached.
    const key = state.todo === '1' ? null : FILTERS.map((k) => state[k]).join('\u0000');
    if (key === filterKey) return false;
    filterKey = key;
    const q = state.q.trim().toLowerCase();
    filtered = CALLS.filter((c) =>
      (!state.tier || (state.tier === ERROR_TIER ? c.error != null : c.tier === state.tier)) &&
      (!state.rule || c.ruleIds.includes(state.rule)) &&
      (!state.agent || c.agentName === state.agent) &&
      (!state.reason || c.flag_reasons.includes(state.reason)) &&
      (state.flagged !== '1' || c.flagged) &&
      (state.todo !== '1' || progressOf(c)[0] < progressOf(c)[1]) &&
      (!q || haystack(c).includes(q)));
    const score = (c) => (c.score == null ? -1 : c.score);
    const byId = (a, b) => (a.call_id < b.call_id ? -1 : a.call_id > b.call_id ? 1 : a.i - b.i);
    const sorts = {
      '': (a, b) => (b.flagged - a.flagged) || (score(a) - score(b)) || (a.i - b.i),
      score: (a, b) => (score(a) - score(b)) || (a.i - b.i),
      '-score': (a, b) => (score(b) - score(a)) || (a.i - b.i),
      id: byId,
      batch: (a, b) => a.i - b.i,
    };
    filtered.sort(Object.prototype.hasOwnProperty.call(sorts, state.sort) ? sorts[state.sort] : sorts['']);
    return true;
  }

  // ---- queue --------------------------------------------------------------------------------
  let shown = 0;
  function callHash(c) {
    return hashOf(Object.assign({}, state, { v: 'review', call: c.call_id, src: c.sharedId ? c.source : null }));
  }
  // [judged, to judge] over the call's distinct hits.
  function progressOf(c) {
    const keys = [...new Set(keysOf(c))];
    return [keys.filter(judged).length, keys.length];
  }
  function reviewedText(c) {
    const [done, all] = progressOf(c);
    let text = `已复核 ${done}/${all}`;
    const skip = rejectedOf(c);
    const heard = heardOf(c);
    if (rescoreAgrees && skip.size + heard.size) {
      const r = rescore(c, skip, heard);
      if (r.score !== c.score) text += ` · 复核后 ${r.score} ${r.tier}`;
    }
    return text;
  }
  function queueRow(c) {
    const sub = el('span', { class: 'sub' },
      el('span', null, c.agentName),
      c.channel && el('span', null, CHANNEL[c.channel] || c.channel),
      c.flagged && el('span', { class: 'flag' }, '待复核: ' + c.flag_reasons.join('、')),
      c.ruleIds.length > 0 && el('span', null, c.ruleIds.join(' ')),
      c.hits.length > 0 && el('span', { class: 'reviewed' }, reviewedText(c)));
    const tier = c.error != null ? '无法读取' : c.tier;
    return el('li', { 'data-i': c.i },
      el('a', { href: callHash(c) },
        el('span', { class: 'score ' + tierClass(c) }, c.score == null ? '—' : c.score),
        el('span', null, el('span', { class: 'id' }, c.call_id), ' ', el('span', { class: 'tier ' + tierClass(c) }, tier)),
        sub));
  }
  function renderQueue(reset) {
    const list = $('#queue');
    if (reset) {
      list.replaceChildren();
      shown = 0;
    }
    const frag = document.createDocumentFragment();
    const upto = Math.min(filtered.length, shown + PAGE);
    for (; shown < upto; shown++) frag.append(queueRow(filtered[shown]));
    list.append(frag);
    const more = $('#more');
    more.hidden = shown >= filtered.length;
    more.textContent = `显示更多 (还有 ${filtered.length - shown} 通)`;
    const flagged = filtered.reduce((n, c) => n + (c.flagged ? 1 : 0), 0);
    $('#queue-count').textContent =
      `${filtered.length} / ${CALLS.length} 通,其中待复核 ${flagged} 通` +
      (META.only_flagged ? ' (报告只收录待复核的通话)' : '') +
      (SHORT ? ` · 不完整:应有 ${META.listed} 通` : '');
    markCurrent();
  }
  $('#more').addEventListener('click', () => renderQueue(false));
  if ('IntersectionObserver' in window) {
    new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !$('#more').hidden) renderQueue(false);
    }, { root: $('#queue-pane') }).observe($('#more'));
  }
  function markCurrent() {
    const cur = currentCall();
    for (const li of $('#queue').children) {
      li.classList.toggle('current', cur != null && Number(li.dataset.i) === cur.i);
    }
  }
  function currentCall() {
    if (state.call == null) return null;
    return CALLS.find((c) => c.call_id === state.call && (!state.src || c.source === state.src)) || null;
  }

  // ---- call view ----------------------------------------------------------------------------
  function schemeOf(c) {
    return META.schemes.find((s) => s.channel === c.channel) || META.schemes[0];
  }

  // The turn's text with each quoted span in a <mark>; overlapping spans split into pieces.
  // The turn's text with each quoted span in a <mark>; overlapping spans split into pieces, each
  // naming every hit it stands for. One sweep: a turn with thousands of hits still opens.
  function markedText(text, spans) {
    const chars = Array.from(text);
    const clamp = (x) => Math.max(0, Math.min(chars.length, x));
    const order = spans.map((sp) => Object.assign({}, sp, { start: clamp(sp.start), end: clamp(sp.end) }))
      .filter((sp) => sp.end > sp.start)
      .sort((x, y) => x.start - y.start);
    const cuts = new Set([0, chars.length]);
    for (const sp of order) {
      cuts.add(sp.start);
      cuts.add(sp.end);
    }
    const points = [...cuts].sort((x, y) => x - y);
    const out = el('div', { class: 'text' });
    let next = 0;
    let active = [];
    for (let k = 0; k + 1 < points.length; k++) {
      const [a, b] = [points[k], points[k + 1]];
      while (next < order.length && order[next].start <= a) active.push(order[next++]);
      // Every cut is a start or an end: a span still open at `a` covers all of [a, b).
      active = active.filter((sp) => sp.end > a);
      const piece = chars.slice(a, b).join('');
      if (active.length === 0) {
        out.append(piece);
        continue;
      }
      const over = active;
      const cls = ['hit'];
      if (over.length > 1) cls.push('many');
      if (over.every((sp) => sp.trigger)) cls.push('trigger');
      if (over.every((sp) => sp.h.points > 0)) cls.push('bonus');
      const title = over.slice(0, 6).map((sp) => `${sp.h.rule_id} ${sp.h.rule_title} (${signed(sp.h.points)} 分)\n${sp.h.message}`).join('\n\n') +
        (over.length > 6 ? `\n\n…共 ${over.length} 处` : '');
      const first = over[0].n;
      out.append(el('mark', {
        class: cls.join(' '), title, 'data-hits': over.map((o) => o.n).join(' '), tabindex: 0,
        onclick: () => focusHit(first),
        onkeydown: (e) => { if (e.key === 'Enter') focusHit(first); },
      }, piece));
    }
    return out;
  }
  function flash(node) {
    if (!node) return;
    node.classList.remove('flash');
    void node.offsetWidth;
    node.classList.add('flash');
    node.scrollIntoView({ block: 'center', behavior: 'smooth' });
  }
  const focusHit = (n) => flash(document.getElementById('hit-' + n));
  function focusEvidence(n) {
    flash(document.querySelector(`#call [data-hits~="${n}"]`) || document.getElementById('note-' + n));
  }

  function breakdown(c) {
    const scheme = schemeOf(c);
    const rows = new Map();
    for (const h of c.hits) {
      const r = rows.get(h.rule_id) || { h, n: 0, points: 0 };
      r.n++;
      r.points += h.points;
      rows.set(h.rule_id, r);
    }
    const body = el('tbody');
    body.append(el('tr', null, el('td', null, '基础分'), el('td'), el('td'), el('td', { class: 'num' }, scheme.base)));
    let total = scheme.base, fatal = false;
    for (const [id, r] of rows) {
      total += r.points;
      fatal = fatal || r.h.fatal;
      body.append(el('tr', null,
        el('td', null, el('b', null, id), ' ', r.h.rule_title),
        el('td', null, RULES.has(id) ? RULES.get(id).dimension_zh : r.h.dimension),
        el('td', { class: 'num' }, '×' + ((c.hit_counts || {})[id] || r.n)),
        el('td', { class: 'num ' + (r.points < 0 ? 'loss' : r.points > 0 ? 'gain' : '') }, signed(r.points))));
    }
    let note = '';
    if (fatal) note = '含致命项,总分记 0';
    else if (total > 100) note = `${total} 封顶为 100`;
    else if (total < 0) note = `${total} 记为 0`;
    body.append(el('tr', { class: 'sum' }, el('td', null, '总分', note && el('small', null, ' (' + note + ')')),
      el('td', null, c.tier), el('td'), el('td', { class: 'num' }, c.score)));
    return el('table', { class: 'grid' },
      el('thead', null, el('tr', null, el('th', null, '规则'), el('th', null, '维度'), el('th', { class: 'num' }, '次数'), el('th', { class: 'num' }, '得分'))),
      body);
  }

  // Why a hit of the machine's score cost nothing though its rule deducts: the sentence was
  // charged for another hit (null when it was not waived).
  function waivedNote(c, n) {
    if (c.waivedBy === undefined) c.waivedBy = rescore(c, new Set()).waivedBy;
    const by = c.waivedBy.get(n);
    if (by === undefined) return null;
    const other = c.hits[by].rule_id;
    return other === c.hits[n].rule_id
      ? `同一句已按 ${other} 扣分,不重复扣`
      : `同一句同一维度只扣一次,已按 ${other} 扣分`;
  }

  // A silence, an overlap or a measurement (语速 7.3 字/秒 (超过 6 字/秒)) in words.
  function timingText(ev) {
    const stretch = ev.begin_ms === undefined || ev.end_ms === undefined ? ''
      : ` (${msTenths(ev.begin_ms)}–${msTenths(ev.end_ms)})`;
    if (ev.kind === 'silence') return `静音 ${seconds(ev.measured_ms)} 秒${stretch}`;
    if (ev.kind === 'overlap') return `抢话:对方说完前 ${seconds(ev.measured_ms)} 秒开口${stretch}`;
    return ev.text + stretch;
  }

  function hitCard(c, h, n) {
    const ev = h.evidence;
    const k = keysOf(c)[n];
    const v = verdicts[k] || {};
    let what;
    if (ev.kind === 'said') what = el('div', { class: 'quote' }, ev.text);
    else if (ev.kind === 'missing') {
      const inRange = h.turn >= ev.first_turn && h.turn <= ev.last_turn;
      what = el('div', null,
        el('div', { class: 'msg' }, `${turnRange(ev)}没有说到要求的话;` + (inRange ? '应当说的那一轮:' : '引出它的原话:')),
        el('div', { class: 'quote' }, ev.text));
    } else {
      what = el('div', { class: 'quote' }, timingText(ev));
    }
    const card = el('div', { class: 'hitcard' + (v.verdict === '确认' ? ' confirmed' : v.verdict === '误判' ? ' rejected' : ''), id: 'hit-' + n });
    const buttons = ['确认', '误判'].map((label) => el('button', {
      type: 'button', class: (label === '确认' ? 'confirm' : 'reject') + (v.verdict === label ? ' on' : ''),
      'aria-pressed': v.verdict === label ? 'true' : 'false', 'data-verdict': label,
      onclick: () => {
        const now = (verdicts[k] || {}).verdict === label ? null : label;
        setVerdict(c, n, now, null);
        card.classList.toggle('confirmed', now === '确认');
        card.classList.toggle('rejected', now === '误判');
        for (const b of buttons) {
          b.classList.toggle('on', b.dataset.verdict === now);
          b.setAttribute('aria-pressed', b.dataset.verdict === now ? 'true' : 'false');
        }
        const li = document.querySelector(`#queue li[data-i="${c.i}"] .reviewed`);
        if (li) li.textContent = reviewedText(c);
        showAfterReview(c);
      },
    }, label));
    const comment = el('input', {
      type: 'text', placeholder: '备注 (可选)', value: v.comment || '', 'aria-label': '备注',
      onchange: (e) => setVerdict(c, n, undefined, e.target.value),
    });
    // DOM append would write a skipped part (false, null) as text; el()'s children rules apply.
    card.append(...[
      el('div', { class: 'head' },
        el('span', { class: 'rid' }, h.rule_id), el('span', null, h.rule_title),
        el('a', { href: '#', onclick: (e) => { e.preventDefault(); focusEvidence(n); } }, `第 ${h.turn + 1} 轮 ${ROLE[h.role]}`),
        h.fatal && el('span', { class: 'flag' }, '致命'),
        h.review && el('span', { class: 'flag' }, '需复核'),
        h.uncertain && el('span', { class: 'flag' }, '识别存疑'),
        el('span', { class: 'pts ' + (h.points < 0 ? 'loss' : h.points > 0 ? 'gain' : '') },
          h.points === 0 ? '不计分' : signed(h.points) + ' 分')),
      what,
      el('div', { class: 'msg' }, h.message),
      h.confidence != null && el('div', { class: 'msg' + (h.uncertain ? ' waived' : '') }, confidenceNote(c, h)),
      h.points === 0 && !worthOf(h, schemeOf(c), false).held && (() => {
        const why = waivedNote(c, n);
        return why && el('div', { class: 'msg waived' }, why);
      })(),
      el('div', { class: 'verdict' }, ...buttons, comment),
    ].filter((kid) => kid != null && kid !== false));
    return card;
  }

  // What the recogniser's confidence did to hit h, as report/mod.rs `uncertain_note` words it.
  function confidenceNote(c, h) {
    const p = schemeOf(c).confidence;
    const r = RULES.get(h.rule_id);
    const what = `识别置信度 ${h.confidence}`;
    if (!h.uncertain) return what;
    const low = `${what},低于 ${p.below}`;
    if (r.points >= 0 && !r.fatal) return low;
    if (p.action === 'review') return low + ':待主管复核,不扣分';
    if (p.action === 'fraction') return r.fatal ? low + ':一票否决不按比例扣,待主管复核' : low + `:按 ${p.fraction} 倍扣分`;
    return low + ':照常扣分';
  }

  // The score without the hits judged 误判, beside the original.
  function showAfterReview(c) {
    const slot = document.getElementById('after-review');
    if (!slot) return;
    const skip = rejectedOf(c);
    const heard = heardOf(c);
    if (!rescoreAgrees || skip.size + heard.size === 0) {
      slot.replaceChildren();
      return;
    }
    const r = rescore(c, skip, heard);
    const what = [skip.size && `去掉 ${skip.size} 处误判`, heard.size && `确认 ${heard.size} 处识别存疑`].filter(Boolean).join('、');
    slot.replaceChildren(what + '后 ', el('b', null, r.score), ' ' + r.tier);
  }

  function renderCall() {
    const view = $('#call');
    const c = currentCall();
    document.body.classList.toggle('has-call', c != null);
    if (!c) {
      view.replaceChildren(el('p', { class: 'hint' }, state.call != null
        ? `没有找到通话 ${state.call}。` : '从左侧选择一通电话查看转写和扣分证据。'));
      return;
    }
    const pos = filtered.indexOf(c);
    const back = Object.assign({}, state, { call: null, src: null });
    const nav = el('div', { class: 'nav' },
      pos > 0 && el('a', { href: callHash(filtered[pos - 1]), class: 'prev' }, '← 上一通'),
      pos >= 0 && pos + 1 < filtered.length && el('a', { href: callHash(filtered[pos + 1]), class: 'next' }, '下一通 →'));
    const parts = [
      el('a', { class: 'back', href: hashOf(back) }, '← 返回列表'), nav,
      el('h2', null, c.call_id),
      el('div', { class: 'meta' },
        el('span', null, '来源 ', c.source),
        el('span', null, '坐席 ', c.agentName),
        c.channel && el('span', null, '渠道 ', CHANNEL[c.channel] || c.channel),
        c.duration_ms != null && el('span', null, '时长 ', msText(c.duration_ms)),
        ...Object.entries(c.meta || {}).filter(([k]) => !SHOWN_META.has(k.toLowerCase()))
          .map(([k, v]) => el('span', null, k + ' ', v))),
    ];
    if (c.error != null) {
      parts.push(el('p', { class: 'error' }, '无法读取: ', c.error));
      view.replaceChildren(...parts);
      return;
    }
    parts.push(el('div', { class: 'scorebox' },
      el('span', { class: 'big score ' + tierClass(c) }, c.score),
      el('span', { class: 'tier ' + tierClass(c) }, c.tier),
      el('span', { class: 'item' }, '个人特性 ', el('b', null, c.attitude)),
      el('span', { class: 'item' }, '程序特性 ', el('b', null, c.procedure)),
      el('span', { class: 'item' }, '服务类型 ', el('b', null, c.service_type)),
      c.flagged && el('span', { class: 'item flag' }, '待复核: ' + c.flag_reasons.join('、')),
      el('span', { class: 'item after', id: 'after-review' })));
    if (c.roles && c.roles.basis !== 'labels') {
      parts.push(el('p', { class: 'roles' + (c.roles.basis === 'undecided' ? ' undecided' : '') },
        '角色判定: ', c.roles.reason));
    }
    if (c.not_applicable.length) {
      parts.push(el('p', { class: 'na' }, `不适用于${CHANNEL[c.channel] || c.channel}渠道的规则: ` +
        c.not_applicable.map((id) => id + (RULES.has(id) ? ' ' + RULES.get(id).title : '')).join('、')));
    }
    // Pages written before the field existed have none.
    const unjudged = c.unjudged || [];
    if (unjudged.length) {
      parts.push(el('p', { class: 'na' }, '无法判断的规则 (通话缺少它要看的东西,没扣分不等于做到了): ' +
        unjudged.map((id) => id + (RULES.has(id) ? ' ' + RULES.get(id).title : '')).join('、')));
    }

    // Where each hit shows in the transcript.
    const spans = c.turns.map(() => []);
    const notesAfter = c.turns.map(() => []);
    const notesBefore = c.turns.map(() => []);
    const notesMeasured = c.turns.map(() => []);
    c.hits.forEach((h, n) => {
      const ev = h.evidence;
      if (ev.kind === 'said') spans[h.turn].push({ start: ev.start, end: ev.end, h, n });
      else if (ev.kind === 'missing') {
        // The words that made the reply expected are marked; a whole turn quoted because
        // nothing triggered the rule is not (the note says it).
        if (h.turn < ev.first_turn || h.turn > ev.last_turn) {
          spans[h.turn].push({ start: ev.start, end: ev.end, h, n, trigger: true });
        }
        const at = Math.min(c.turns.length - 1, Math.max(ev.last_turn, h.turn));
        notesAfter[at].push([h, n, el('span', null, `${turnRange(ev)}没有说到要求的话: `,
          el('b', null, h.rule_id + ' ' + h.rule_title), ` (${signed(h.points)} 分)`)]);
      } else {
        const text = ev.kind === 'overlap'
          ? `抢话 ${seconds(ev.measured_ms)} 秒:对方说到 ${msTenths(ev.end_ms)},${ROLE[h.role]}在 ${msTenths(ev.begin_ms)} 开口`
          : timingText(ev);
        const body = [h, n, el('span', null, text + ' — ', el('b', null, h.rule_id + ' ' + h.rule_title), ` (${signed(h.points)} 分)`)];
        // A measurement is read once its last counted turn is over: after it, not before.
        (ev.kind === 'measured' ? notesMeasured : notesBefore)[h.turn].push(body);
      }
    });
    const note = (cls) => ([h, n, body]) => el('div', {
      class: 'note ' + cls + (h.points > 0 ? ' bonus' : ''), id: 'note-' + n, title: h.message,
      onclick: () => focusHit(n),
    }, body);
    const transcript = el('div', { class: 'transcript' });
    c.turns.forEach((t, i) => {
      notesBefore[i].forEach((x) => transcript.append(note('timing')(x)));
      transcript.append(el('div', { class: 'turn ' + t.role, id: 'turn-' + i },
        el('span', { class: 'time' }, '#' + (i + 1), t.begin_ms != null && el('br'), t.begin_ms != null && msText(t.begin_ms)),
        el('span', { class: 'who' }, ROLE[t.role], t.speaker && el('small', null, ' ' + t.speaker)),
        markedText(t.text, spans[i])));
      notesAfter[i].forEach((x) => transcript.append(note('missing')(x)));
      notesMeasured[i].forEach((x) => transcript.append(note('timing')(x)));
    });

    parts.push(el('h3', null, '扣分明细'), breakdown(c));
    parts.push(el('h3', null, '转写 ', el('small', null, '高亮处是扣分的原话,点击查看')), transcript);
    if (c.hits.length) {
      parts.push(el('h3', null, `命中 ${c.hits.length} 处 `, el('small', null, '逐条标记 确认 / 误判')),
        el('div', { class: 'hits' }, c.hits.map((h, n) => hitCard(c, h, n))));
    } else {
      parts.push(el('p', { class: 'hint' }, '没有规则命中。'));
    }
    view.replaceChildren(...parts);
    showAfterReview(c);
  }

  // ---- routing ------------------------------------------------------------------------------
  function route() {
    for (const a of document.querySelectorAll('#tabs a')) a.classList.toggle('active', a.dataset.view === state.v);
    for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== state.v;
    if (state.v !== 'review') {
      document.body.classList.remove('has-call');
      return;
    }
    syncControls();
    const changed = applyFilters();
    if (changed || $('#queue').children.length === 0) renderQueue(true);
    else markCurrent();
    renderCall();
  }
  window.addEventListener('hashchange', () => {
    state = readHash();
    route();
    if (state.call != null) $('#call').scrollIntoView({ block: 'start' });
  });
  document.addEventListener('keydown', (e) => {
    if (e.target.closest && e.target.closest('input, select, textarea')) return;
    if (state.v !== 'review') return;
    const cls = e.key === 'j' ? '.next' : e.key === 'k' ? '.prev' : null;
    const a = cls && document.querySelector('#call .nav ' + cls);
    if (a) location.hash = a.getAttribute('href');
  });

  route();
  updateCount();
  window.zhijianLoadMs = Math.round(performance.now() - started);
  document.body.dataset.ready = '1';
})();
