// A small W3C WebDriver client for tauri-driver (no dependencies): enough to
// drive the real Earshot window, press keys, read text and take screenshots.

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async start(base, application) {
    const res = await call(base, 'POST', '/session', {
      capabilities: { alwaysMatch: { 'tauri:options': { application } } },
    });
    return new Session(base, res.sessionId);
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  async end() {
    await this.cmd('DELETE', '');
  }

  async findAll(css) {
    const found = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return found.map((e) => new Element(this, e[ELEMENT]));
  }

  /** Waits until at least `min` elements match, and returns them. */
  async waitFor(css, { min = 1, timeout = 15000 } = {}) {
    const end = Date.now() + timeout;
    for (;;) {
      const found = await this.findAll(css);
      if (found.length >= min) return found;
      if (Date.now() > end) throw new Error(`timed out waiting for ${min} × ${css} (found ${found.length})`);
      await sleep(100);
    }
  }

  /** The rendered text of every element matching `css` (innerText: what a person reads). */
  texts(css) {
    return this.execute(
      'return Array.from(document.querySelectorAll(arguments[0]), (e) => e.innerText)',
      css,
    );
  }

  /** Clicks the first element matching `css` once it can take a click (a view may still be appearing). */
  async click(css, timeout = 15000) {
    return this.clickNth(css, 0, timeout);
  }

  /**
   * Clicks the `n`-th (from 0) element matching `css`, waiting until there are
   * that many and it can take a click; a list re-rendered between finding and
   * clicking (a stale element) is looked up again.
   */
  async clickNth(css, n, timeout = 15000) {
    const end = Date.now() + timeout;
    for (;;) {
      try {
        await (await this.waitFor(css, { min: n + 1, timeout: Math.max(end - Date.now(), 0) }))[n].click();
        return;
      } catch (e) {
        if (Date.now() > end || !/not interactable|stale/i.test(String(e))) throw e;
        await sleep(100);
      }
    }
  }

  async until(what, predicate, timeout = 15000) {
    const end = Date.now() + timeout;
    for (;;) {
      if (await predicate()) return;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  }

  /** Presses keys as a person would (each string is one key; use '\uE009' for Control). */
  async keys(...sequence) {
    const actions = [];
    for (const key of sequence) {
      if (Array.isArray(key)) {
        for (const k of key) actions.push({ type: 'keyDown', value: k });
        for (const k of [...key].reverse()) actions.push({ type: 'keyUp', value: k });
      } else {
        actions.push({ type: 'keyDown', value: key }, { type: 'keyUp', value: key });
      }
    }
    await this.cmd('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions }] });
    await this.cmd('DELETE', '/actions');
  }

  /** Types text into whatever has focus, key by key. */
  async typeText(text) {
    await this.keys(...[...text]);
  }

  /** Whether an element matching `css` is rendered and visible. */
  async visible(css) {
    return this.execute(
      `const e = document.querySelector(arguments[0]);
       return !!e && !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length) &&
         getComputedStyle(e).visibility !== 'hidden';`,
      css,
    );
  }

  async execute(script, ...args) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  async screenshot() {
    // WebKit takes the screenshot after the page's next paint. Without compositing (the app
    // asks for none where there is no GPU, as under Xvfb here) a page where nothing changes
    // does not paint, and the screenshot waited: once for over 40 s, else 0.5-1.8 s. So the
    // page keeps painting until the screenshot is back: a 1-px dot in the corner whose
    // opacity (1 or 2%) changes every frame. A dot that only painted once and went away two
    // frames later was not enough: when the screenshot request reached WebKit after those
    // frames (a loaded machine), it waited for a paint that never came and the test failed
    // after 300 s.
    await this.execute(
      "const dot = document.createElement('div');" +
        "dot.id = 'e2e-paint';" +
        "dot.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;opacity:0.01;pointer-events:none';" +
        'document.body.append(dot);' +
        'let odd = false;' +
        'const step = () => {' +
        '  if (!dot.isConnected) return;' +
        "  odd = !odd; dot.style.opacity = odd ? '0.02' : '0.01';" +
        '  requestAnimationFrame(step);' +
        '};' +
        'requestAnimationFrame(step);',
    );
    try {
      return Buffer.from(await this.cmd('GET', '/screenshot'), 'base64');
    } finally {
      await this.execute("document.getElementById('e2e-paint')?.remove()").catch(() => {});
    }
  }
}

export class Element {
  constructor(session, id) {
    this.session = session;
    this.id = id;
  }

  text() {
    return this.session.cmd('GET', `/element/${this.id}/text`);
  }

  click() {
    return this.session.cmd('POST', `/element/${this.id}/click`, {});
  }

  type(text) {
    return this.session.cmd('POST', `/element/${this.id}/value`, { text });
  }

  attribute(name) {
    return this.session.cmd('GET', `/element/${this.id}/attribute/${name}`);
  }
}

async function call(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : undefined,
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.value ?? json).slice(0, 400)}`);
  }
  return json.value;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
