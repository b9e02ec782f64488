// The browser side of `src/web`: small functions the Rust glue imports (one module, so the
// wasm-bindgen output has one snippet file). Each section names the Rust module that declares and
// documents its functions; they catch what the browser throws.

// --- driver.rs
export function guard(f, listener) {
  return function (a, b, c, d) {
    try { f(a, b, c, d); } catch (e) { try { if (listener) listener('fault', e); } catch (_) {} }
  };
}
export function notify(listener, kind, detail) { try { listener.call(null, kind, detail); } catch (_) {} }
export function set_timer(f, delay) { return setTimeout(f, delay); }
export function clear_timer(handle) { clearTimeout(handle); }
export function listen(hide, online, visibility) {
  addEventListener('pagehide', hide);
  addEventListener('online', online);
  document.addEventListener('visibilitychange', visibility);
}

// --- page.rs
export function page_fields(keys) {
  const l = typeof location === 'undefined' ? {} : location;
  const d = typeof document === 'undefined' ? {} : document;
  let p = null;
  try { p = new URLSearchParams(l.search || ''); } catch (_) {}
  return [l.href, l.pathname, l.search, d.title, d.referrer].concat(keys.map((k) => p && p.get(k)));
}
export function environment() {
  const n = typeof navigator === 'undefined' ? {} : navigator;
  let zone;
  // Temporal where the browser has it: the first Intl.DateTimeFormat of a page loads the time
  // zone data, a cost that sat in persona's init on the way to the first decision (it stood out
  // in a CPU profile of init); Temporal.Now.timeZoneId() names the same IANA zone without it.
  try {
    zone = typeof Temporal === 'object' && Temporal.Now
      ? Temporal.Now.timeZoneId()
      : Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (_) {}
  return [n.language, zone, n.globalPrivacyControl];
}
export function page_hidden() {
  return typeof document !== 'undefined' && document.visibilityState === 'hidden';
}
export function selector_valid(s) {
  if (typeof document === 'undefined') return true;
  try { document.createDocumentFragment().querySelector(s); return true; } catch (_) { return false; }
}
export function device_class() {
  const ua = typeof navigator === 'undefined' ? '' : navigator.userAgent || '';
  return /iPad|Tablet|Android(?!.*Mobi)/i.test(ua) ? 1 : /Mobi|iPhone|Android/i.test(ua) ? 0 : 2;
}

// --- convert.rs
const PROTOS = [Array, String, Number, Boolean, Object].map((c) => c.prototype);
export function stringify_checked(value) {
  let large = false;
  // Old libraries (Prototype.js) put toJSON on built-in prototypes, which would turn arrays and
  // strings into JSON strings: they are set aside for the call and put back after.
  const saved = [];
  for (const p of PROTOS) {
    const d = Object.getOwnPropertyDescriptor(p, 'toJSON');
    if (d && d.configurable) { saved.push([p, d]); delete p.toJSON; }
  }
  try {
    const text = JSON.stringify(value, function (key, v) {
      const t = typeof v;
      if (t === 'function' || t === 'symbol' || t === 'bigint') throw 0;
      if (t === 'object' && v !== null) {
        if (Array.isArray(v)) {
          if (v.length > 32768) { large = true; throw 0; }
        } else {
          const p = Object.getPrototypeOf(v);
          if (p !== Object.prototype && p !== null) throw 0;
        }
      }
      return v;
    });
    return text === undefined ? 'null' : text;
  } catch (_) {
    return large ? 2 : 1;
  } finally {
    for (const [p, d] of saved) Object.defineProperty(p, 'toJSON', d);
  }
}

export function parse_json(text) { try { return JSON.parse(text); } catch (_) { return null; } }
export function number_text(n) { return '' + n; }

// --- transport.rs
export function keepalive_supported() {
  return typeof Request !== 'undefined' && 'keepalive' in Request.prototype;
}
export async function send(url, body, json, auth, keepalive, transform, id, done) {
  let status = 0, retryAfter, failed = false;
  await 0;
  if (transform) {
    try {
      let result = transform.call(null, JSON.parse(body));
      if (result instanceof Promise) result = await result;
      if (result === null || result === undefined) status = 204;
      else if (typeof (body = typeof result == 'string' ? result : JSON.stringify(result)) != 'string') throw 0;
    } catch (_) {
      failed = true;
    }
  }
  if (!status && !failed) {
    try {
      const init = { method: 'POST', body, credentials: 'same-origin' };
      if (keepalive) init.keepalive = true;
      if (json || auth != null) {
        const headers = (init.headers = new Headers());
        if (json) headers.set('Content-Type', 'application/json');
        if (auth != null) headers.set('Authorization', auth);
      }
      const response = await fetch(url, init);
      retryAfter = response.headers.get('retry-after');
      if (keepalive) {
        try { await response.text(); } catch (_) {}
      }
      status = response.status;
    } catch (_) {}
  }
  done(id, status, retryAfter, failed);
}

export function beacon(url, body) {
  try { return navigator.sendBeacon(url, body); } catch (_) { return false; }
}

// --- platform.rs
export function open_storage() { try { return !!localStorage; } catch (_) { return false; } }
export function storage(op, k, v) {
  try {
    const s = localStorage;
    if (op == 0) return s.getItem(k);
    if (op == 1) return s.setItem(k, v), 0;
    if (op == 2) return s.removeItem(k), 0;
    const keys = [];
    for (let i = 0; i < s.length; i++) { const key = s.key(i); if (key !== null) keys.push(key); }
    return JSON.stringify(keys);
  } catch (e) {
    const name = e && e.name;
    return name == 'QuotaExceededError' || name == 'NS_ERROR_DOM_QUOTA_REACHED' ? 2 : 1;
  }
}
export function fill_random(buf) {
  try { crypto.getRandomValues(buf); return true; } catch (_) { return false; }
}

export function regex_test(pattern, insensitive, input) {
  try { return new RegExp(pattern, insensitive ? 'i' : '').test(input) ? 1 : 0; } catch (_) { return -1; }
}
export function same_lowercase(a, b) { return a.toLowerCase() === b.toLowerCase(); }
