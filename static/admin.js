// Keyboard shortcuts and select-all for the moderation queue: a progressive enhancement.
// Every action is a plain form button or link that works without this script; the keys
// only press those buttons. Loaded only on admin pages, whose Content-Security-Policy
// allows scripts from this site and nothing inline.
//   j / k  next / previous comment      a  approve     s  spam     t  trash
//   u      undo the last action         r  answer      x  select or unselect
'use strict';
(() => {
  const cards = () => [...document.querySelectorAll('.queue-list .admin-comment')];
  let current = null;

  function setCurrent(card, focus) {
    if (!card) return;
    if (current) current.classList.remove('is-current');
    current = card;
    card.classList.add('is-current');
    if (focus) {
      card.focus({ preventScroll: true });
      card.scrollIntoView({ block: 'nearest' });
    }
  }

  function press(selector) {
    const target = (current || cards()[0])?.querySelector(selector);
    if (target) target.click();
    return !!target;
  }

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) && el.type !== 'checkbox');
  }

  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const list = cards();
    const at = list.indexOf(current);
    let handled = true;
    switch (event.key) {
      case 'j': setCurrent(list[Math.min(at + 1, list.length - 1)] || list[0], true); break;
      case 'k': setCurrent(list[Math.max(at - 1, 0)], true); break;
      case 'a': handled = press('[data-key="a"]'); break;
      case 's': handled = press('[data-key="s"]'); break;
      case 't': handled = press('[data-key="t"]'); break;
      case 'r': handled = press('[data-key="r"]'); break;
      case 'x': handled = press('input[name="ids"]'); break;
      case 'u': {
        const undo = document.querySelector('.notice-bar [data-key="u"]');
        handled = !!undo;
        if (undo) undo.click();
        break;
      }
      default: handled = false;
    }
    if (handled) event.preventDefault();
  });

  // The card that holds focus is the current one.
  document.addEventListener('focusin', (event) => {
    const card = event.target.closest?.('.queue-list .admin-comment');
    if (card) setCurrent(card, false);
  });

  // Select all / none without reloading the page.
  const selectAll = document.querySelector('[data-select-all]');
  if (selectAll) {
    selectAll.setAttribute('role', 'button');
    selectAll.addEventListener('click', (event) => {
      event.preventDefault();
      const boxes = [...document.querySelectorAll('.queue-list input[name="ids"]')];
      const select = boxes.some((box) => !box.checked);
      for (const box of boxes) box.checked = select;
      selectAll.textContent = select ? 'Select none' : `Select all ${boxes.length}`;
    });
  }

  const help = document.querySelector('.shortcut-help');
  if (help) help.hidden = false;
  if (cards().length) document.documentElement.dataset.shortcuts = 'on';

  // Back from an action: the page opens at the next comment; keep going from there.
  const target = location.hash && document.getElementById(location.hash.slice(1));
  if (target && target.matches('.queue-list .admin-comment')) setCurrent(target, true);
  else setCurrent(cards()[0], false);
})();
