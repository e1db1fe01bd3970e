// The timeout warning: hmrc-frontend's timeout dialog (the kept
// implementation of the GOV.UK pattern), ported as one small module.
//
// Settings come from #app-timeout-warning's data attributes (written by
// the page layout only when someone is signed in). After data-warn-after
// seconds a modal dialog opens and counts down data-countdown seconds.
// "Stay signed in" (or Escape) posts to the keep-alive address, which marks
// the session used on the server, closes the dialog and starts again;
// "Sign out" posts the sign-out form; when the countdown ends the browser
// goes to the timed-out address, which ends the session and says so.
// Without script, none of this runs: the session simply ends on the server
// after 15 minutes and the next page says so.

const settings = document.getElementById('app-timeout-warning');

function words(seconds) {
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60);
    return minutes === 1 ? '1 minute' : `${minutes} minutes`;
  }
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}

function element(tag, attributes, text) {
  const made = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    made.setAttribute(name, value);
  }
  if (text) made.textContent = text;
  return made;
}

if (settings) {
  const warnAfter = Number(settings.dataset.warnAfter) * 1000;
  const countdown = Number(settings.dataset.countdown);
  const keepAliveUrl = settings.dataset.keepAliveUrl;
  const timedOutUrl = settings.dataset.timedOutUrl;
  const signOutUrl = settings.dataset.signOutUrl;
  const formToken = settings.dataset.formToken;
  let opener = null;
  let ticker = null;
  let dialog = null;
  let overlay = null;
  let hidden = [];

  const timedOut = () => { window.location.href = timedOutUrl; };

  const close = () => {
    window.clearInterval(ticker);
    dialog.remove();
    overlay.remove();
    for (const node of hidden) {
      node.removeAttribute('inert');
      node.removeAttribute('aria-hidden');
    }
    hidden = [];
    document.body.classList.remove('app-timeout-dialog-open');
    document.removeEventListener('keydown', onKey, true);
    if (opener && opener.focus) opener.focus();
  };

  const stay = async () => {
    try {
      const answer = await fetch(keepAliveUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ form_token: formToken }),
      });
      if (!answer.ok) return timedOut();
    } catch (_) {
      return timedOut();
    }
    close();
    window.setTimeout(open, warnAfter);
  };

  // Escape keeps the session, as hmrc's dialog does; Tab stays inside.
  function onKey(event) {
    if (event.key === 'Escape') {
      event.preventDefault();
      stay();
    } else if (event.key === 'Tab') {
      const focusable = dialog.querySelectorAll('button, a[href]');
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (event.shiftKey && (document.activeElement === first || document.activeElement === dialog)) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    }
  }

  function open() {
    opener = document.activeElement;
    let left = countdown;
    overlay = element('div', { class: 'app-timeout-overlay' });
    dialog = element('div', {
      id: 'app-timeout-dialog',
      class: 'app-timeout-dialog',
      role: 'dialog',
      'aria-modal': 'true',
      'aria-labelledby': 'app-timeout-heading',
      'aria-describedby': 'app-timeout-message',
      tabindex: '-1',
    });
    dialog.append(element('h2', { id: 'app-timeout-heading', class: 'govuk-heading-m' }, 'You’re about to be signed out'));
    const message = element('p', { id: 'app-timeout-message', class: 'govuk-body' });
    const visible = element('span', { 'aria-hidden': 'true' });
    const audible = element('span', { class: 'govuk-visually-hidden', 'aria-live': 'polite' });
    message.append(visible, audible);
    dialog.append(message);
    const show = () => {
      visible.textContent = `For your security, we will sign you out in ${words(left)}.`;
      // Spoken when it opens and then every 20 seconds, not every second.
      if (left === countdown || left % 20 === 0 || left <= 10 && left % 5 === 0) {
        audible.textContent = `For your security, we will sign you out in ${words(left)}.`;
      }
    };
    show();
    const buttons = element('div', { class: 'govuk-button-group' });
    const stayButton = element('button', { type: 'button', class: 'govuk-button', 'data-module': 'govuk-button' }, 'Stay signed in');
    stayButton.addEventListener('click', stay);
    const form = element('form', { method: 'post', action: signOutUrl, class: 'app-inline-form' });
    form.append(element('input', { type: 'hidden', name: 'form_token', value: formToken }));
    form.append(element('button', { type: 'submit', class: 'govuk-button govuk-button--secondary', 'data-module': 'govuk-button' }, 'Sign out'));
    buttons.append(stayButton, form);
    dialog.append(buttons);
    hidden = Array.from(document.body.children).filter((node) => node.tagName !== 'SCRIPT');
    for (const node of hidden) {
      node.setAttribute('inert', '');
      node.setAttribute('aria-hidden', 'true');
    }
    document.body.classList.add('app-timeout-dialog-open');
    document.body.append(overlay, dialog);
    document.addEventListener('keydown', onKey, true);
    dialog.focus();
    ticker = window.setInterval(() => {
      left -= 1;
      if (left <= 0) {
        window.clearInterval(ticker);
        timedOut();
        return;
      }
      show();
    }, 1000);
  }

  window.setTimeout(open, warnAfter);
}
