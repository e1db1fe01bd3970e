// The staff side in a real browser (issue 14), run by run.mjs with its
// helpers: a survivor in immediate danger applies; the alert tops the
// specialist's /work; the specialist opens the case, reviews the
// disclosure, sets the risk, becomes the named caseworker and records the
// police call, each on its own question page, a refused answer keeping
// what was typed and each step confirmed by a banner; the alert closes. A
// caseworker finds a case by NI number and by postcode. axe on every new
// page; the case page has no sideways scroll at 320 px.

/** The case references the danger alert on /work lists now. */
async function alerted(page, base) {
  await page.goto(`${base}/work`);
  const links = await page.$$eval('.govuk-notification-banner a[href^="/work/cases/"]', (found) => found.map((a) => a.getAttribute('href').replace('/work/cases/', '')));
  // A case in danger that asked for the police is listed under both.
  return [...new Set(links)];
}

export async function staffJourney({ page, base, check, accessible, keyboardReachable }) {
  const signIn = async (login, password) => {
    await page.goto(`${base}/sign-in`);
    await page.fill('#login', login);
    await page.fill('#password', password);
    await Promise.all([page.waitForNavigation(), page.click('main button.govuk-button')]);
  };
  const submit = () => Promise.all([page.waitForNavigation(), page.click('main form button.govuk-button')]);

  // What the specialist team is alerted to before.
  await signIn('specialist@demo.invalid', 'demo specialist');
  const before = new Set(await alerted(page, base));

  // A survivor with a new account applies, and is in immediate danger:
  // answer what is asked (yes to the warning, abuse, danger and the police
  // call; any optional question about a safe number is left or answered).
  const login = `survivor-${Date.now()}@demo.invalid`;
  await page.goto(`${base}/create-account`);
  await page.fill('#login', login);
  await page.fill('#password', 'a survivor passphrase');
  await page.check('input[name="role"][value="receiving_parent"]');
  await Promise.all([page.waitForNavigation(), page.click('main button.govuk-button')]);
  await signIn(login, 'a survivor passphrase');
  await page.goto(`${base}/apply`);
  for (let step = 0; step < 10; step += 1) {
    const heading = (await page.textContent('h1')) || '';
    if (heading.includes('999')) break;
    if (await page.$('input[type="radio"][name="answer"][value="yes"]')) {
      await page.check('input[name="answer"][value="yes"]');
    } else if (await page.$('main input.govuk-input')) {
      // An optional question (a safe number, a place): leave it, unless
      // the page insists.
    }
    await submit();
    if (await page.isVisible('.govuk-error-summary')) {
      for (const input of await page.$$('main input.govuk-input')) await input.fill('07700 900999');
      await submit();
    }
  }
  check(((await page.textContent('h1')) || '').includes('999'), 'staff: the danger application did not stop at 999');

  // The alert tops the specialist's /work with the new case.
  await signIn('specialist@demo.invalid', 'demo specialist');
  const after = await alerted(page, base);
  const fresh = after.filter((reference) => !before.has(reference));
  check(fresh.length === 1, `staff: the alert lists ${fresh.length} new case(s), not 1`);
  const reference = fresh[0];
  if (!reference) return;
  const text = await page.textContent('main');
  check(text.indexOf('Someone is in danger now') < text.indexOf('Find a case'), 'staff: the alert is not above everything');
  check(await page.isVisible(`.govuk-notification-banner a:has-text("Police call requested – ${reference}")`), 'staff: no "Police call requested" alert for the case');

  // The specialist opens it: the summary leads.
  await Promise.all([page.waitForNavigation(), page.click(`.govuk-notification-banner a[href="/work/cases/${reference}"] >> nth=0`)]);
  const summary = await page.textContent('main');
  check(summary.includes('protected from the other parent'), 'case page: who is protected is not said');
  check(summary.includes('Call the police for them now'), 'case page: the next action is not the police call');
  for (const programmer of ['ReceivingParent(', 'BasicPlus', 'Start, Circumstances']) {
    check(!summary.includes(programmer), `case page: "${programmer}" shown`);
  }
  await accessible(page, 'case page (danger, specialist)');
  await keyboardReachable(page, 'case page (danger, specialist)');
  await page.setViewportSize({ width: 320, height: 800 });
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(sideways <= 0, `case page: scrolls ${sideways}px sideways at 320 px`);
  await page.setViewportSize({ width: 1280, height: 800 });

  const step = async (link, name) => {
    await page.goto(`${base}/work/cases/${reference}`);
    await Promise.all([page.waitForNavigation(), page.click(`main a:has-text("${link}")`)]);
    check(((await page.textContent('h1')) || '').length > 0, `${name}: no heading`);
    await accessible(page, name);
    await keyboardReachable(page, name);
  };
  const confirmed = async (words, name) => {
    check(page.url().startsWith(`${base}/work/cases/${reference}?done=`), `${name}: landed on ${page.url()}`);
    check(await page.isVisible(`.govuk-notification-banner--success:has-text("${words}")`), `${name}: no banner "${words}"`);
  };

  // Review the disclosure.
  await step('Review the disclosures', 'safety: review');
  await submit();
  await confirmed('The disclosures are recorded as reviewed', 'review');
  await accessible(page, 'case page with a success banner');

  // Set the risk: nothing chosen is refused with the summary, then high.
  await step('Set the risk', 'safety: risk');
  await page.evaluate(() => document.querySelectorAll('input[name="level"]').forEach((r) => { r.checked = false; }));
  await submit();
  check(await page.isVisible('.govuk-error-summary a[href="#level"]'), 'risk: no error for nothing chosen');
  await accessible(page, 'safety: risk with an error');
  await page.check('input[name="level"][value="high"]');
  await submit();
  await confirmed('The risk is set', 'risk');

  // Become the named caseworker: a mistyped number keeps what was typed.
  await step('Become or name the named caseworker', 'safety: named caseworker');
  await page.check('input[name="who"][value="someone_else"]');
  await page.fill('#person', 'forty');
  await submit();
  check(await page.isVisible('.govuk-error-summary a[href="#person"]'), 'named caseworker: no error for "forty"');
  check((await page.inputValue('#person')) === 'forty', 'named caseworker: the answer was dropped');
  check(await page.isChecked('input[name="who"][value="someone_else"]'), 'named caseworker: the choice was dropped');
  await accessible(page, 'safety: named caseworker with an error');
  await page.check('input[name="who"][value="me"]');
  await page.fill('#person', '');
  await submit();
  await confirmed('The named caseworker is recorded', 'named caseworker');

  // The police call, recorded as the plan step it is.
  await step('Record a Domestic Abuse Plan step', 'safety: plan step');
  await page.check('input[name="step"][value="police_called_for_them"]');
  await page.fill('#outcome', 'Police attended; she is safe');
  await submit();
  await confirmed('The Domestic Abuse Plan step is recorded as done', 'police call');
  check((await page.textContent('main')).includes('Police attended; she is safe'), 'case page: the police call\'s outcome is not in the plan');

  // The alert item is closed.
  const still = await alerted(page, base);
  check(!still.includes(reference), `staff: the alert still lists ${reference} after the police call and the review`);

  // A caseworker finds a case by NI number and by postcode (the demo
  // receiving parent's, in README).
  await signIn('caseworker@demo.invalid', 'demo caseworker');
  const find = async (typed, what) => {
    await page.goto(`${base}/work`);
    await page.fill('#reference', typed);
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("Find case")')]);
    const found = await page.$$('main a[href^="/work/cases/"]');
    check(found.length > 0, `search by ${what}: nothing found for ${typed}`);
    await accessible(page, `search (${what}, staff walk)`);
    return found.length > 0 ? found[0].getAttribute('href') : null;
  };
  const href = await find('AB010001B', 'NI number');
  if (href) {
    await page.goto(base + href);
    if (await page.isVisible('text=This case is restricted')) {
      await page.fill('#reason', 'Finding the case by postcode');
      await Promise.all([page.waitForNavigation(), page.click('button:has-text("Open the case")')]);
    }
    const postcode = ((await page.innerText('main')).match(/(?<![A-Z])[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}(?![A-Z])/) || [''])[0];
    check(postcode !== '', 'search: no postcode on the case page');
    if (postcode) {
      await find(postcode.toLowerCase(), 'postcode');
      check(await page.isVisible(`main a[href="${href}"]`), 'search by postcode: the case is not listed');
    }
  }
}
