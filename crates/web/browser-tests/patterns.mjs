// The GOV.UK patterns on the parents' side in a real browser (issue 15),
// run by run.mjs with its helpers: titles unique and accurate; the 404
// page; the application with browser Back at every step (no "Confirm Form
// Resubmission", the answer kept, axe on every page); and the timeout
// warning, on a second service started with CMS_TIMEOUT_WARNING_AFTER_SECONDS
// so that it opens after a few seconds instead of 12½ minutes.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A second service, its timeout warning opening after `seconds`. */
async function startWithShortWarning(cms, seconds) {
  const folder = mkdtempSync(join(tmpdir(), 'cms-patterns-'));
  const child = spawn(cms, ['serve', '--listen', '127.0.0.1:0', '--demo', '--demo-cases', '5'], {
    env: {
      ...process.env,
      DATABASE_URL: `sqlite://${folder}/cms.sqlite`,
      CMS_KEYS_FILE: join(folder, 'keys.toml'),
      CMS_TIMEOUT_WARNING_AFTER_SECONDS: String(seconds),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`cms serve exited with ${code}`)));
  });
  const address = line.split('http://')[1]?.split(/\s/)[0];
  return { child, folder, base: `http://${address}` };
}

export async function patternsJourney({ browser, base, cms, check, accessible, keyboardReachable }) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const submit = () => Promise.all([page.waitForNavigation(), page.click('main form button.govuk-button')]);

  // The 404 page: GOV.UK's words, a real status, axe.
  const missing = await page.goto(`${base}/no-such-page`);
  check(missing.status() === 404, `404: status ${missing.status()}`);
  check((await page.title()) === 'Page not found – Child maintenance', `404: title ${await page.title()}`);
  check((await page.textContent('h1')).trim() === 'Page not found', '404: heading');
  await accessible(page, 'page not found');

  // Every public page: a unique title that is its heading.
  const titles = new Map();
  const titled = async (name) => {
    const title = await page.title();
    const heading = ((await page.textContent('h1')) || '').replace(/\s+/g, ' ').trim();
    check(title === heading || title === `${heading} – Child maintenance`, `${name}: title "${title}" is not its heading "${heading}"`);
    check(!titles.has(title), `${name}: the same title as ${titles.get(title)}: ${title}`);
    titles.set(title, name);
  };
  for (const path of ['/', '/sign-in', '/create-account', '/staying-safe-online', '/feedback', '/page-titles']) {
    await page.goto(base + path);
    check(await page.isVisible('.govuk-phase-banner'), `${path}: no phase banner`);
    await titled(path);
  }
  await accessible(page, 'page titles');

  // A new parent applies; at every step, browser Back shows the page before
  // with the answer kept (a GET page, never a resubmission), then Forward
  // goes on.
  const login = `patterns-${Date.now()}@demo.invalid`;
  await page.goto(`${base}/create-account`);
  await page.fill('#login', login);
  await page.fill('#password', 'a patterns passphrase');
  await page.check('input[name="role"][value="receiving_parent"]');
  await submit();
  await page.goto(`${base}/sign-in`);
  await page.fill('#login', login);
  await page.fill('#password', 'a patterns passphrase');
  await submit();
  check(await page.isVisible('header form[action="/sign-out"] button'), 'header: no Sign out when signed in');
  await page.goto(`${base}/apply`);
  const steps = [
    ['before you start', {}],
    ['abuse', { radio: 'no' }],
    ['contact', { radio: 'letter' }],
    ['letters', { radio: 'yes' }],
    ['children', { answer: '1' }],
    ['child', { answer: 'Jo Pattern' }],
    ['your name', { answer: 'Alex Pattern' }],
    ['your address', { line_1: '1 Pattern Street', town: 'Patterntown', postcode: 'm1 1ae' }],
    ['other name', { answer: 'Sam Other' }],
    ['other address', {}],
    ['how to pay', { radio: 'direct_pay' }],
  ];
  for (const [name, fields] of steps) {
    const here = page.url();
    await titled(`apply: ${name}`);
    check(await page.isVisible('a.govuk-back-link'), `apply ${name}: no back link`);
    await accessible(page, `apply: ${name}`);
    await keyboardReachable(page, `apply: ${name}`);
    for (const [field, value] of Object.entries(fields)) {
      if (field === 'radio') await page.check(`input[name="answer"][value="${value}"]`);
      else await page.fill(`input[name="${field}"]`, value);
    }
    await submit();
    check(!(await page.isVisible('.govuk-error-summary')), `apply ${name}: refused`);
    const next = page.url();
    check(next !== here, `apply ${name}: did not move on`);
    // Back: the page before, by GET, with the answer kept.
    const back = await page.goBack();
    check(back !== null && back.ok(), `apply ${name}: Back did not show the page (${back && back.status()})`);
    check(page.url() === here, `apply ${name}: Back went to ${page.url()}, not ${here}`);
    for (const [field, value] of Object.entries(fields)) {
      if (field === 'radio') {
        check(await page.isChecked(`input[name="answer"][value="${value}"]`), `apply ${name}: Back lost the answer`);
      } else {
        const shown = await page.inputValue(`input[name="${field}"]`);
        check(shown.toLowerCase().replace(/\s/g, '') === value.toLowerCase().replace(/\s/g, ''), `apply ${name}: Back shows "${shown}", not "${value}"`);
      }
    }
    const forward = await page.goForward();
    check(forward !== null && forward.ok() && page.url() === next, `apply ${name}: Forward did not return to ${next}`);
  }
  check((await page.textContent('h1')).includes('Check your answers'), `apply: no check page, at ${await page.textContent('h1')}`);
  await titled('apply: check your answers');
  for (const shown of ['Letter', 'Jo Pattern', '1 Pattern Street', 'M1 1AE', 'Not known', 'Direct Pay']) {
    check((await page.textContent('main')).includes(shown), `apply: check your answers leaves out ${shown}`);
  }
  await accessible(page, 'apply: check your answers');
  await Promise.all([page.waitForNavigation(), page.click('a[href="/apply/your-name"]')]);
  check((await page.inputValue('input[name="answer"]')) === 'Alex Pattern', 'apply: a change does not show the answer given');
  await page.fill('input[name="answer"]', 'Alex Pattern-Changed');
  await submit();
  check((await page.textContent('main')).includes('Alex Pattern-Changed'), 'apply: the change is not on the check page');
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Accept and send")')]);
  check(await page.isVisible('.govuk-panel--confirmation'), 'apply: no confirmation');
  await titled('apply: sent');
  const back = await page.goBack();
  check(back !== null && back.ok(), 'apply: Back after sending did not show a page');
  check((await page.textContent('h1')).includes('Application sent'), 'apply: Back after sending offers to send again');
  await context.close();

  // The timeout warning, on a service that opens it after 3 seconds.
  const second = await startWithShortWarning(cms, 3);
  try {
    const timed = await browser.newContext();
    const tab = await timed.newPage();
    await tab.goto(`${second.base}/sign-in`);
    await tab.fill('#login', 'applicant@demo.invalid');
    await tab.fill('#password', 'demo applicant');
    await Promise.all([tab.waitForNavigation(), tab.click('main button.govuk-button')]);
    await tab.waitForSelector('#app-timeout-dialog', { state: 'visible', timeout: 10000 });
    check(await tab.evaluate(() => document.activeElement?.id === 'app-timeout-dialog'), 'timeout: the warning does not take focus');
    check((await tab.textContent('#app-timeout-dialog')).includes('we will sign you out in 2 minutes'), 'timeout: no countdown');
    check(await tab.evaluate(() => document.querySelector('main').closest('[inert]') !== null), 'timeout: the page behind is not inert');
    await accessible(tab, 'timeout warning');
    await tab.click('#app-timeout-dialog button:has-text("Stay signed in")');
    await tab.waitForSelector('#app-timeout-dialog', { state: 'detached', timeout: 5000 });
    await tab.reload();
    check(tab.url().endsWith('/account'), `timeout: after Stay signed in, the session ended (${tab.url()})`);
    await tab.waitForSelector('#app-timeout-dialog', { state: 'visible', timeout: 10000 });
    await Promise.all([tab.waitForNavigation(), tab.click('#app-timeout-dialog button:has-text("Sign out")')]);
    check(tab.url().endsWith('/signed-out'), `timeout: Sign out went to ${tab.url()}`);
    await tab.goto(`${second.base}/account`);
    check(tab.url().endsWith('/sign-in'), `timeout: signed out, the account still opens (${tab.url()})`);
    await timed.close();
  } finally {
    second.child.kill();
    rmSync(second.folder, { recursive: true, force: true });
  }
}
