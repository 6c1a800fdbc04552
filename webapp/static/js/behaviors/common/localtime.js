// data-js-localtime: show a <time datetime> in the reader's language and time zone.
export default function localtime(el) {
  const when = new Date(el.getAttribute('datetime'));
  if (Number.isNaN(when.getTime())) return;
  const lang = document.documentElement.lang || 'fi';
  el.textContent = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(when);
}
