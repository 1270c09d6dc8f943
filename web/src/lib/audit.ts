// The audit log's entries as sentences in the reader's language, from the `detail` each
// action writes (crates/server/src/interconnect.rs). Campuses are named by code and name,
// interconnections by name; no id is ever shown.
import type { AuditEntry } from './api';
import { joinNames } from './chat-text';
import { t } from './i18n.svelte';

/** What the log's reader knows beyond the entry itself. */
export interface AuditNames {
  /** "DEMO-P 小學部" for a campus code; the code alone when unknown. */
  campus: (code: string) => string;
  /** The name of an interconnection, if known (an invitation's revocation does not say). */
  interconnection: (id: string) => string | null;
}

type Detail = Record<string, unknown>;

const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const count = (v: unknown): number => (typeof v === 'number' ? v : Array.isArray(v) ? v.length : 0);

/** The interconnection an entry is about, by the name it carries or the log knows. */
function icName(e: AuditEntry, d: Detail, names: AuditNames): string | null {
  return text(d.name) || (e.interconnection_id ? names.interconnection(e.interconnection_id) : null);
}

/** Interconnection names that the entries themselves carry, by interconnection id. */
export function interconnectionNames(entries: AuditEntry[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of entries) {
    const name = text((e.detail as Detail | null)?.name);
    if (e.interconnection_id && name && !out.has(e.interconnection_id)) out.set(e.interconnection_id, name);
  }
  return out;
}

/** One entry as a sentence: who did what, to which campuses, in which interconnection. */
export function auditSentence(e: AuditEntry, names: AuditNames): string {
  const d: Detail = e.detail && typeof e.detail === 'object' && !Array.isArray(e.detail) ? (e.detail as Detail) : {};
  const actor = e.actor_login || t('audit-someone');
  const listed = Array.isArray(d.campuses) ? d.campuses.map(text) : e.campus_codes;
  const campuses = joinNames(listed.filter(Boolean).map(names.campus));
  // The one campus an entry is about: named in the detail, else the entry's only (or last) campus.
  const code = text(d.campus) || e.campus_codes[e.campus_codes.length - 1] || '';
  const campus = code ? names.campus(code) : '';
  const name = icName(e, d, names);
  const number = text(d.number);
  switch (e.action) {
    case 'filing_created':
    case 'filing_confirmed':
      return t(`audit-entry-${e.action}`, { actor, number, campuses });
    case 'filing_rejected':
      return t('audit-entry-filing_rejected', { actor, number, campuses, reason: text(d.reason) });
    case 'interconnection_created':
    case 'invitation_created':
    case 'interconnection_published':
    case 'interconnection_dissolved':
      return t(`audit-entry-${e.action}`, { actor, name: name ?? '', campuses });
    case 'invitation_revoked':
      return name ? t('audit-entry-invitation_revoked', { actor, name }) : t('audit-entry-invitation_revoked-unnamed', { actor });
    case 'invitation_accepted':
    case 'campus_removed':
      return t(`audit-entry-${e.action}`, { actor, campus, name: name ?? '' });
    case 'exposure_set': {
      const fields = d.show_phone && d.show_email ? 'both' : d.show_phone ? 'phone' : d.show_email ? 'email' : 'none';
      const args = { actor, campus, depts: count(d.departments), members: count(d.members), fields };
      return name ? t('audit-entry-exposure_set', { ...args, name }) : t('audit-entry-exposure_set-unnamed', args);
    }
    default:
      // An action this app does not know yet: its name in the reader's language if there is
      // one, and who did it; never the raw detail.
      return `${actor}: ${actionLabel(e.action)}`;
  }
}

/** The action's short name, as the filter lists it. */
export function actionLabel(action: string): string {
  const label = t(`audit-action-${action}`);
  return label === `audit-action-${action}` ? action : label;
}
