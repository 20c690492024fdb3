// The operator's page: the host list and each host's boot on one timeline.
// Talks only to this server's JSON API, with the admin token this tab keeps.
'use strict';

(() => {
  const TOKEN_KEY = 'xcp-pxe-token';
  const POLL_MS = 5000;
  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';

  let hosts = [];
  let sort = { key: 'mac', dir: 1 };
  let timer = null;

  class SignInNeeded extends Error {}

  // #token=... never reaches the server or its log: it is read here, kept in
  // sessionStorage and taken out of the address bar.
  function takeTokenFromFragment() {
    const m = location.hash.match(/^#token=([^&]*)/);
    if (m) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
      history.replaceState(null, '', location.pathname + '#/');
    }
  }

  async function api(path, options = {}) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) throw new SignInNeeded('');
    const headers = Object.assign({ Authorization: 'Bearer ' + token }, options.headers || {});
    const r = await fetch('/api/v1/' + path, Object.assign({}, options, { headers, cache: 'no-store' }));
    const body = await r.json().catch(() => null);
    if (r.status === 401 || r.status === 403) {
      throw new SignInNeeded(r.status === 403 && body && body.error ? body.error
        : 'The server refused this token. Check it (the api-token file in the server\'s state directory) and sign in again.');
    }
    if (!r.ok) throw new Error((body && body.error) || ('the server answered ' + r.status));
    return body;
  }

  function show(section) {
    for (const id of ['sign-in', 'hosts', 'host']) $(id).hidden = id !== section;
    $('sign-out').hidden = section === 'sign-in';
  }

  function message(text, kind) {
    const m = $('message');
    m.textContent = text || '';
    m.className = kind || '';
    m.hidden = !text;
  }

  function signIn(reason) {
    sessionStorage.removeItem(TOKEN_KEY);
    hosts = [];
    $('host-table').tBodies[0].replaceChildren();
    $('event-table').tBodies[0].replaceChildren();
    $('timeline').replaceChildren();
    $('host-log').textContent = '';
    show('sign-in');
    message(reason, 'error');
    $('token').focus();
  }

  // Formatting --------------------------------------------------------------

  function duration(ms) {
    if (ms === null || ms === undefined) return '';
    if (ms < 10000) return (ms / 1000).toFixed(1) + ' s';
    const s = Math.round(ms / 1000);
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
  }

  function bytes(n) {
    if (!n) return '';
    const units = ['B', 'KB', 'MB', 'GB'];
    let i = 0;
    while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
    return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
  }

  function age(at) {
    if (!at) return null;
    return Date.now() - Date.parse(at);
  }

  function stateOf(h) {
    return h.stalled ? 'stalled' : h.state;
  }

  function stateBadge(h) {
    const s = document.createElement('span');
    const state = stateOf(h);
    s.className = 'state state-' + state;
    s.textContent = state;
    if (h.stalled) s.title = 'stalled while ' + h.state;
    return s;
  }

  function cell(row, content, className) {
    const td = row.insertCell();
    if (content instanceof Node) td.append(content); else td.textContent = content === undefined ? '' : content;
    if (className) td.className = className;
    return td;
  }

  // The host list -----------------------------------------------------------

  const sortKeys = {
    mac: (h) => h.mac,
    hostname: (h) => h.hostname || '',
    release: (h) => h.release || '',
    state: (h) => stateOf(h),
    step: (h) => (h.step || '') + String(h.percent ?? '').padStart(3, '0'),
    age: (h) => -(Date.parse(h.last_event) || 0),
    build: (h) => h.build_ms ?? Number.MAX_SAFE_INTEGER,
  };

  function renderHosts() {
    const filter = $('filter').value.trim().toLowerCase();
    const shown = hosts.filter((h) => !filter ||
      [h.mac, h.hostname, h.release, stateOf(h), h.step].some((v) => (v || '').toLowerCase().includes(filter)));
    const key = sortKeys[sort.key];
    shown.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * sort.dir);
    const body = $('host-table').tBodies[0];
    body.replaceChildren();
    for (const h of shown) {
      const row = body.insertRow();
      row.dataset.mac = h.mac;
      const link = document.createElement('a');
      link.href = '#/hosts/' + encodeURIComponent(h.mac);
      link.textContent = h.mac;
      cell(row, link);
      cell(row, h.hostname || '');
      cell(row, h.release || '');
      cell(row, stateBadge(h), 'state-cell');
      cell(row, (h.step || '') + (h.percent !== null && h.percent !== undefined ? ' ' + h.percent + '%' : ''));
      const a = age(h.last_event);
      cell(row, a === null ? '' : duration(a) + ' ago');
      cell(row, duration(h.build_ms));
    }
    const counts = {};
    for (const h of hosts) counts[stateOf(h)] = (counts[stateOf(h)] || 0) + 1;
    $('counts').textContent = shown.length + ' of ' + hosts.length + ' hosts' +
      (hosts.length ? ' (' + Object.entries(counts).map(([k, v]) => v + ' ' + k).join(', ') + ')' : '');
    for (const b of document.querySelectorAll('th button')) {
      if (b.dataset.sort === sort.key) b.setAttribute('aria-sort', sort.dir > 0 ? 'ascending' : 'descending');
      else b.removeAttribute('aria-sort');
    }
  }

  async function loadHosts() {
    hosts = await api('hosts');
    show('hosts');
    renderHosts();
  }

  // One host ----------------------------------------------------------------

  function drawTimeline(t) {
    const box = $('timeline');
    box.replaceChildren();
    if (!t || !t.spans.length) {
      box.textContent = 'No boot recorded yet.';
      return;
    }
    const start = Date.parse(t.started);
    const end = Math.max(...t.spans.map((s) => Date.parse(s.end)), start + 1);
    const rows = [];
    for (const s of t.spans) if (!rows.includes(s.phase)) rows.push(s.phase);
    const label = 150, rowH = 26, top = 8, axisH = 24;
    const width = Math.max(box.clientWidth || 0, 640);
    const plot = width - label - 16;
    const height = top + rows.length * rowH + axisH;
    const x = (ms) => label + ((ms - start) / (end - start)) * plot;
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'Timeline of the build: ' + rows.join(', '));
    const add = (name, attrs, text) => {
      const el = document.createElementNS(SVG, name);
      for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
      if (text !== undefined) el.textContent = text;
      svg.append(el);
      return el;
    };
    rows.forEach((phase, i) => {
      add('text', { x: 4, y: top + i * rowH + 17, class: 'phase-label' }, phase);
      add('line', { x1: label, x2: width - 8, y1: top + (i + 1) * rowH, y2: top + (i + 1) * rowH, class: 'axis' });
    });
    for (const s of t.spans) {
      const i = rows.indexOf(s.phase);
      const x0 = x(Date.parse(s.start));
      const w = Math.max(3, x(Date.parse(s.end)) - x0);
      const bar = add('rect', { x: x0, y: top + i * rowH + 5, width: w, height: rowH - 10, rx: 2,
        class: 'bar' + (s.phase === 'report' ? (t.outcome === 'failure' ? ' failed' : ' report') : ''),
        'data-phase': s.phase, tabindex: 0 });
      const title = document.createElementNS(SVG, 'title');
      title.textContent = s.phase + ': ' + duration(s.ms) + (s.bytes ? ', ' + bytes(s.bytes) : '') +
        ' (' + s.events + (s.events === 1 ? ' event' : ' events') + ')';
      bar.append(title);
    }
    const axisY = top + rows.length * rowH + 16;
    add('text', { x: label, y: axisY }, '0');
    add('text', { x: width - 8, y: axisY, 'text-anchor': 'end' }, duration(end - start));
    box.append(svg);
    $('phase-totals').textContent = (t.build_ms !== null ? 'Build: ' + duration(t.build_ms) + '. ' : 'Build running. ') +
      t.phases.map((p) => p.phase + ' ' + duration(p.ms)).join(' · ');
  }

  async function loadHost(mac) {
    const path = 'hosts/' + encodeURIComponent(mac);
    const [h, events] = await Promise.all([api(path), api(path + '/events')]);
    show('host');
    $('host-title').textContent = h.hostname ? h.hostname + ' (' + h.mac + ')' : h.mac;
    const facts = $('host-facts');
    facts.replaceChildren();
    const fact = (k, v) => {
      const dt = document.createElement('dt'); dt.textContent = k;
      const dd = document.createElement('dd');
      if (v instanceof Node) dd.append(v); else dd.textContent = v;
      facts.append(dt, dd);
    };
    fact('State', stateBadge(h));
    if (h.state === 'failed' && h.reason) fact('Reason', h.reason);
    fact('Step', (h.step || '-') + (h.percent !== null ? ' ' + h.percent + '%' : ''));
    fact('Profile', h.profile);
    fact('Release', h.release || '(default boot files)');
    fact('Next boot', h.netboot ? h.next_mode + ' (netboot on)' : 'local (netboot off)');
    drawTimeline(h.timeline);
    const log = $('host-log');
    if (h.has_log) {
      const l = await api(path + '/log');
      log.textContent = l.text;
      log.dataset.source = l.source;
    } else {
      log.textContent = '(none posted)';
    }
    const kept = await api(path + '/backups');
    const backups = $('backup-table').tBodies[0];
    backups.replaceChildren();
    for (const b of kept.backups) {
      const row = backups.insertRow();
      row.dataset.backup = b.id;
      cell(row, b.id);
      cell(row, b.created);
      cell(row, bytes(b.size));
      cell(row, b.sha256.slice(0, 16) + '…', 'digest');
      const restore = document.createElement('button');
      restore.type = 'button';
      restore.textContent = 'Restore onto a new disk';
      restore.dataset.backup = b.id;
      cell(row, restore);
    }
    $('backup-table').hidden = kept.backups.length === 0;
    $('no-backups').hidden = kept.backups.length !== 0;
    const body = $('event-table').tBodies[0];
    body.replaceChildren();
    for (const e of events.slice().reverse()) {
      const row = body.insertRow();
      cell(row, e.at);
      cell(row, e.source);
      cell(row, e.step + (e.percent !== null ? ' ' + e.percent + '%' : ''));
      cell(row, e.message + (e.repeats > 1 ? ' (×' + e.repeats + ')' : '') + (e.final ? ' [' + e.final + ']' : ''),
        'message');
      cell(row, bytes(e.bytes));
      cell(row, e.duration_ms !== null ? duration(e.duration_ms) : '');
    }
  }

  async function act(mac, action) {
    const what = {
      reinstall: 'reinstall ' + mac + ': its next network boot wipes and installs it afresh',
      upgrade: 'upgrade ' + mac + ' at its next network boot',
      restore: 'restore ' + mac + ' from its backup partition at its next network boot',
      'netboot-on': 'turn network boot on for ' + mac,
      'netboot-off': 'turn network boot off for ' + mac + ' (it boots from its disk)',
    }[action];
    if (!window.confirm('Do you want to ' + what + '?')) return;
    const path = 'hosts/' + encodeURIComponent(mac);
    if (action.startsWith('netboot-')) {
      await api(path, { method: 'PATCH', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ netboot: action === 'netboot-on' ? 'yes' : 'no' }) });
    } else {
      await api(path + '/' + action, { method: 'POST' });
    }
    message('Done: ' + what + '.', 'info');
  }

  // Routing and polling -----------------------------------------------------

  function currentMac() {
    const m = location.hash.match(/^#\/hosts\/([^/]+)$/);
    return m ? decodeURIComponent(m[1]) : null;
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      const mac = currentMac();
      if (mac) await loadHost(mac); else await loadHosts();
      $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
      if ($('message').className === 'error') message('');
    } catch (e) {
      if (e instanceof SignInNeeded) { signIn(e.message); return; }
      message('Cannot load: ' + e.message, 'error');
    }
    timer = setTimeout(refresh, POLL_MS);
  }

  function start() {
    takeTokenFromFragment();
    $('sign-in-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
      $('token').value = '';
      message('');
      refresh();
    });
    $('sign-out').addEventListener('click', () => signIn(''));
    $('filter').addEventListener('input', renderHosts);
    for (const b of document.querySelectorAll('th button')) {
      b.addEventListener('click', () => {
        sort = { key: b.dataset.sort, dir: sort.key === b.dataset.sort ? -sort.dir : 1 };
        renderHosts();
      });
    }
    for (const b of document.querySelectorAll('#actions button')) {
      b.addEventListener('click', async () => {
        const mac = currentMac();
        if (!mac) return;
        try {
          await act(mac, b.dataset.action);
          refresh();
        } catch (e) {
          if (e instanceof SignInNeeded) signIn(e.message); else message('Not done: ' + e.message, 'error');
        }
      });
    }
    $('backup-table').addEventListener('click', async (ev) => {
      const id = ev.target.dataset && ev.target.dataset.backup;
      const mac = currentMac();
      if (!id || !mac || ev.target.tagName !== 'BUTTON') return;
      const what = 'restore ' + mac + ' from backup ' + id + ': its next network boot installs it afresh ' +
        '(onto a new or wiped disk) and brings back its identity, pool membership and network settings';
      if (!window.confirm('Do you want to ' + what + '?')) return;
      try {
        await api('hosts/' + encodeURIComponent(mac) + '/restore', { method: 'POST',
          headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ from_server: id }) });
        message('Done: ' + what + '.', 'info');
        refresh();
      } catch (e) {
        if (e instanceof SignInNeeded) signIn(e.message); else message('Not done: ' + e.message, 'error');
      }
    });
    window.addEventListener('hashchange', () => { takeTokenFromFragment(); message(''); refresh(); });
    if (!sessionStorage.getItem(TOKEN_KEY)) { signIn(''); return; }
    refresh();
  }

  start();
})();
