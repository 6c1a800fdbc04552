// data-js-localtime: show a <time datetime> in the reader's language and time zone (their
// setting: zone.js).
// One formatter per language for the page (a journal page has one <time> per card, and
// building an Intl.DateTimeFormat costs far more than formatting with it).
import { timeZone } from '../../zone.js';

/** @type {Map<string, Intl.DateTimeFormat>} */
const formats = new Map();

export default function localtime(el) {
  const when = new Date(el.getAttribute('datetime'));
  if (Number.isNaN(when.getTime())) return;
  const lang = document.documentElement.lang || 'fi';
  let format = formats.get(lang);
  if (!format) {
    format = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: timeZone() });
    formats.set(lang, format);
  }
  el.textContent = format.format(when);
}
