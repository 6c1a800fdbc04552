// Builds the same entry card markup as journal/_entry_card.html, for entries opened from the
// device's sealed mirror (offline view, search results). Text goes in with textContent only.
import { t } from './i18n.js';
import { showTags } from './sealed-items.js';
import { timeZone } from './zone.js';

const EXCERPT = 180;

/**
 * @param {{id: string, created_at: string, pending?: boolean}} item
 * @param {import('./merge.js').Payload} payload
 * @param {{activeTag?: string | null}} [options] the tag the list is filtered by now
 */
export function entryCard(item, payload, { activeTag = null } = {}) {
  const li = document.createElement('li');
  li.className = 'entry-card';
  const article = document.createElement('article');
  article.dataset.state = 'open';
  const title = document.createElement('h2');
  title.className = 'entry-title';
  // The link is the title, so its accessible name is the entry's title (CSS stretches it).
  const link = document.createElement('a');
  link.className = 'entry-link';
  link.href = `/journal/${item.id}`;
  link.textContent = (typeof payload.title === 'string' && payload.title.trim()) || t('untitled');
  title.append(link);
  const excerpt = document.createElement('p');
  excerpt.className = 'entry-excerpt';
  const body = typeof payload.body === 'string' ? payload.body : '';
  excerpt.textContent = body.length > EXCERPT ? `${body.slice(0, EXCERPT).trimEnd()}…` : body;
  const meta = document.createElement('p');
  meta.className = 'entry-meta';
  const time = document.createElement('time');
  time.dateTime = item.created_at;
  time.textContent = new Intl.DateTimeFormat(document.documentElement.lang || 'fi', { dateStyle: 'medium', timeStyle: 'short', timeZone: timeZone() }).format(new Date(item.created_at));
  const tags = document.createElement('span');
  tags.className = 'tags';
  showTags(tags, payload.tags, { active: activeTag });
  meta.append(time, ' ', tags);
  if (item.pending) {
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = t('notSentYet');
    meta.append(' ', badge);
  }
  article.append(title, excerpt, meta);
  li.append(article);
  return li;
}
