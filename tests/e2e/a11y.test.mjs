// Accessibility in the real window: axe-core (the engine behind most accessibility
// checkers) audits every view and every overlay of the demo workspace, in the light
// and the dark theme, against WCAG 2.0 and 2.1 A and AA: text contrast, names and
// roles of controls, labels, ARIA use, landmarks. What axe cannot judge (whether the
// focus ring shows, reading order, whether a label makes sense) the other tests and
// people do.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { app, driver } from './env.mjs';
import { Session } from './webdriver.mjs';

const AXE = readFileSync(new URL('../../ui/node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let s;

/** Runs axe on the page as it is; returns its violations, each with up to 5 places. */
async function audit() {
  await s.execute(`if (!window.axe) { ${AXE}; window.axe = axe; } return true;`);
  const found = await s.cmd('POST', '/execute/async', {
    script: `const done = arguments[arguments.length - 1];
      window.axe
        .run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(TAGS)} } })
        .then((r) => done(r.violations.map((v) => ({
          rule: v.id,
          impact: v.impact,
          help: v.help,
          places: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ': ' + (n.failureSummary ?? '').replace(/\\s+/g, ' ').slice(0, 300)),
          count: v.nodes.length,
        }))))
        .catch((e) => done([{ rule: 'axe-error', impact: 'critical', help: String(e), places: [], count: 1 }]));`,
    args: [],
  });
  return found;
}

/** What each screen showed axe, for one failure message that lists them all. */
const report = [];

async function check(what) {
  // Let transitions (dialogs fading in) end, so contrast is read at rest.
  await s.execute('return new Promise((r) => setTimeout(r, 300))').catch(() => {});
  const violations = await audit();
  for (const v of violations) {
    report.push(`${what}: ${v.rule} (${v.impact}, ${v.count}) ${v.help}\n    ${v.places.join('\n    ')}`);
  }
}

/** Clicks the visible button whose text is `text`. */
async function clickButton(text) {
  const clicked = await s.execute(
    `const b = [...document.querySelectorAll('button')].find((e) => e.textContent.trim() === arguments[0] && e.offsetParent);
     b?.click();
     return !!b;`,
    text,
  );
  assert.ok(clicked, `a button "${text}" is shown`);
}

async function go(view) {
  await (await s.waitFor(`[data-testid="nav-${view}"]`))[0].click();
  await s.until(`the ${view} view`, () => s.visible(`[data-testid="view-${view}"]`));
}

async function screens(theme) {
  await go('settings');
  await (await s.waitFor(`label:has([data-testid="theme-${theme}"])`))[0].click();
  await s.until(`the ${theme} theme`, async () =>
    (await s.execute('return document.documentElement.dataset.theme')) === theme,
  );
  await check(`${theme}, settings`);
  // Settings' editors, each opened and closed again.
  const editors = [
    ['[data-testid="accounts-add"]', '[data-testid="add-account"]', 'adding an account'],
    ['[data-testid="rule-add"]', '[data-testid="rule-editor"]', 'the rule editor'],
    ['[data-testid="saved-reply-add"]', '[data-testid="saved-reply-save"]', 'the saved reply editor'],
  ];
  for (const [open, shown, name] of editors) {
    await (await s.waitFor(open))[0].click();
    await s.until(name, () => s.visible(shown));
    await check(`${theme}, settings, ${name}`);
    if (name === 'adding an account') await (await s.waitFor(open))[0].click();
    else await clickButton('Cancel');
    await s.until(`${name} to close`, async () => !(await s.visible(shown)));
  }
  for (const view of ['listening', 'contacts', 'reports']) {
    await go(view);
    await check(`${theme}, ${view}`);
  }
  await go('listening');
  await (await s.waitFor('[data-testid="query-new"]'))[0].click();
  await s.until('the query editor', () => s.visible('[data-testid="query-editor"]'));
  await check(`${theme}, listening, a new query`);
  await clickButton('Cancel');
  await go('contacts');
  await (await s.waitFor('[data-testid="contact-row"]', { min: 2 }))[0].click();
  await s.waitFor('[data-testid="contact-handle"]');
  await check(`${theme}, a contact's page`);

  await go('inbox');
  await s.waitFor('[data-testid="conversation-row"]', { min: 3 });
  await s.keys('j', '\uE007');
  await s.waitFor('[data-testid="thread-item"]');
  await s.waitFor('[data-testid="author-panel"]');
  await check(`${theme}, inbox with a conversation open`);

  await s.keys('r');
  await s.waitFor('[data-testid="composer"]');
  await check(`${theme}, the composer`);
  await s.keys('\uE00C');
  await s.until('the composer to close', async () => !(await s.visible('[data-testid="composer"]')));

  await (await s.waitFor('[data-testid="conversation-row"][aria-selected="true"]'))[0].click();
  const overlays = [
    ['f', '[data-testid="filter-network"]', 'the filters'],
    ['h', '[data-testid="snooze-picker"]', 'the snooze picker'],
    ['t', '[data-testid="tag-editor"]', 'the tag editor'],
    ['?', '[data-testid="shortcuts-overlay"]', 'the shortcuts overlay'],
    [['\uE009', 'k'], '[data-testid="palette-input"]', 'the command palette'],
  ];
  for (const [key, shown, name] of overlays) {
    await s.keys(key);
    await s.until(name, () => s.visible(shown));
    await check(`${theme}, ${name}`);
    if (key === 'f') await (await s.findAll('[data-testid="filters-toggle"]'))[0].click();
    else await s.keys('\uE00C');
    await s.until(`${name} to close`, async () => !(await s.visible(shown)));
    await (await s.waitFor('[data-testid="conversation-row"][aria-selected="true"]'))[0].click();
  }

  await s.keys('/');
  await s.typeText('sync network:bluesky');
  await s.keys('\uE007');
  await s.waitFor('[data-testid="search-result"]');
  await check(`${theme}, search results`);
  await s.keys('\uE00C');
}

describe('accessibility (axe-core, WCAG 2.1 A and AA)', () => {
  before(async () => {
    assert.ok(app, 'EARSHOT_APP names the built binary');
    s = await Session.start(driver, app);
    await s.waitFor('[data-testid="conversation-row"]', { min: 3 });
  });

  after(async () => {
    await s?.end();
  });

  // axe does not look at focus. Here every stop that Tab reaches in each view must look
  // different focused and not: an outline, a shadow, a border or a background on it or
  // on the element around it (a field's box, say).
  test('Tab reaches the controls of every view, and each shows the focus', async () => {
    const unseen = [];
    let stops = 0;
    for (const view of ['inbox', 'listening', 'contacts', 'reports', 'settings']) {
      await go(view);
      await s.execute('document.activeElement?.blur(); window.scrollTo(0, 0); return true;');
      const seen = new Set();
      let last = null;
      for (let i = 0; i < 200; i++) {
        await s.keys('\uE004');
        const where = await s.execute(`
          const el = document.activeElement;
          if (!el || el === document.body) return null;
          const parts = [];
          for (let n = el; n && n !== document.body; n = n.parentElement) {
            const nth = n.parentElement ? [...n.parentElement.children].indexOf(n) + 1 : 1;
            parts.unshift(n.tagName.toLowerCase() + (n.dataset.testid ? '[' + n.dataset.testid + ']' : '') + ':nth-child(' + nth + ')');
          }
          // The last few steps name it in a failure; the whole path tells stops apart.
          return parts.join(' > ');
        `);
        if (!where) break;
        // Tab moves through a time field's hour and minute with the field focused all along.
        if (where === last) continue;
        if (seen.has(where)) break;
        last = where;
        seen.add(where);
        stops++;
        // Its looks focused and not. Focusing it again starts a time field at its hour,
        // so the next Tab goes on from where this one left it only for a new stop.
        const shows = await s.execute(`
          const el = document.activeElement;
          const look = () => [el, el.parentElement, el.parentElement?.parentElement]
            .filter(Boolean)
            .map((e) => { const c = getComputedStyle(e); return [c.outlineStyle, c.outlineWidth, c.outlineColor, c.boxShadow, c.borderColor, c.backgroundColor].join('|'); })
            .join(' / ');
          const focused = look();
          el.blur();
          const plain = look();
          el.focus();
          return focused !== plain;
        `);
        if (!shows) unseen.push(`${view}: ${where.split(' > ').slice(-4).join(' > ')}`);
      }
      assert.ok(seen.size >= 3, `Tab reaches controls in ${view} (${seen.size})`);
      console.log(`${view}: ${seen.size} Tab stops`);
    }
    assert.ok(stops >= 30, `Tab stops checked: ${stops}`);
    assert.deepEqual(unseen, [], `no visible focus on:\n${unseen.join('\n')}`);
  });

  test('every view and overlay, light and dark, has no violation', async () => {
    await screens('light');
    await screens('dark');
    // The next test files start on the same data directory: back to the system's theme.
    await go('settings');
    await (await s.waitFor('label:has([data-testid="theme-system"])'))[0].click();
    assert.deepEqual(report, [], `axe found:\n${report.join('\n')}`);
  });
});
