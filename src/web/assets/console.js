// Progressive enhancement for the Herald console. Every page works without it.
/* global document, navigator, window */
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  // A live region for short announcements ("Copied").
  const live = document.createElement('div');
  live.className = 'visually-hidden';
  live.setAttribute('aria-live', 'polite');
  document.body.append(live);
  const announce = (text) => {
    live.textContent = '';
    window.setTimeout(() => (live.textContent = text), 50);
  };

  // Copy buttons exist in the markup but stay hidden until there is a script to run them.
  for (const button of document.querySelectorAll('button[data-copy]')) {
    const target = document.getElementById(button.dataset.copy);
    if (!target || !navigator.clipboard) continue;
    button.hidden = false;
    const label = button.textContent;
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(target.textContent.trim());
        button.textContent = 'Copied';
        announce('Copied to the clipboard');
      } catch {
        announce('Could not copy; select the text and copy it instead');
      }
      window.setTimeout(() => (button.textContent = label), 2000);
    });
  }

  // After a failed submit, move focus to the list of problems so it is read out first.
  const summary = document.querySelector('[data-focus]');
  if (summary) summary.focus();

  // Links in the error summary focus their field (a fragment alone only scrolls).
  for (const link of document.querySelectorAll('.error-summary a[href^="#"]')) {
    link.addEventListener('click', (event) => {
      const input = document.getElementById(link.getAttribute('href').slice(1));
      if (!input) return;
      event.preventDefault();
      const details = input.closest('details');
      if (details) details.open = true;
      input.focus();
      (input.closest('fieldset, .field') ?? input).scrollIntoView({ block: 'start' });
    });
  }

  // Times are rendered in UTC; show them in the reader's zone, keeping UTC in the tooltip.
  for (const el of document.querySelectorAll('time[datetime]')) {
    const date = new Date(el.getAttribute('datetime'));
    if (Number.isNaN(date.getTime())) continue;
    el.title = el.textContent;
    el.textContent = date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  }
});
