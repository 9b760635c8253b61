/**
 * Mail templates (issue 13 item 2): one eta file per kind in templates/mail, written as a
 * small HTML fragment. The HTML part is that fragment in the layout; the text part is the
 * same fragment turned into plain text, so both come from one source. Values are escaped
 * by eta (autoEscape), so a `<script>` title arrives as text in the HTML and verbatim in
 * the plain text. Times are shown in the recipient's zone, with the zone named.
 */
import path from 'node:path';
import { Eta } from 'eta';
import { DateTime } from 'luxon';
import { projectRoot } from '../../config.js';

/** Every kind a mail can be about: the in-app notification kinds of every context, and verify-email. */
export const MAIL_KINDS = [
  // ticketing
  'reservation-confirmed',
  'reservation-held',
  'hold-expired',
  'reservation-cancelled',
  'waitlist-joined',
  'waitlist-offer',
  'waitlist-offer-expired',
  'waitlist-promoted',
  'event-cancelled',
  'event-changed',
  'event-reminder',
  // scheduling
  'meeting-invited',
  'meeting-deadline-reminder',
  'meeting-deadline-passed',
  'meeting-scheduled',
  'meeting-rescheduled',
  'meeting-cancelled',
  'meeting-reminder',
  // identity
  'welcome',
  'password-changed',
  'verify-email',
] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

export const isMailKind = (kind: string): kind is MailKind => (MAIL_KINDS as readonly string[]).includes(kind);

/** What a template sees besides its helpers. */
export interface MailContent {
  kind: MailKind;
  recipient: { name: string; timeZone: string };
  /** The notification's data (per kind), plus `event` for ticketing kinds. */
  data: Record<string, unknown>;
  links: MailLinks;
}

export interface MailLinks {
  /** PUBLIC_URL. */
  app: string;
  /** Where the recipient manages what is mailed to them. */
  settings: string;
  /** The one-click link that switches this kind off (absent on mails one cannot opt out of). */
  unsubscribe?: string;
  /** The thing the mail is about (event, meeting), or a verification link. */
  action?: string;
}

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

export const MAIL_TEMPLATE_DIR = path.join(projectRoot(), 'templates', 'mail');

export class MailTemplates {
  private readonly eta: Eta;

  constructor(dir: string = MAIL_TEMPLATE_DIR) {
    this.eta = new Eta({ views: dir, autoEscape: true, autoTrim: false, cache: true, defaultExtension: '.eta' });
  }

  render(content: MailContent): RenderedMail {
    let subject = '';
    const helpers = {
      ...content,
      subject: (text: string) => void (subject = text.replace(/\s+/g, ' ').trim()),
      time: (iso: unknown) => formatInstant(String(iso), content.recipient.timeZone),
    };
    const body = this.eta.render(`./${content.kind}`, helpers);
    if (!subject) throw new Error(`the mail template ${content.kind} sets no subject`);
    const footer = this.eta.render('./_footer', helpers);
    return {
      subject,
      html: this.eta.render('./_layout', { subject, body, footer }),
      text: `${htmlToText(body)}\n\n-- \n${htmlToText(footer)}\n`,
    };
  }
}

/** "Tue 1 Dec 2026, 15:00 CET (Europe/Berlin)": the recipient's wall clock, its zone named. */
export function formatInstant(iso: string, timeZone: string): string {
  const at = DateTime.fromISO(iso, { zone: timeZone });
  if (!at.isValid) return iso;
  return `${at.toFormat('ccc d LLL yyyy, HH:mm', { locale: 'en-GB' })} ${at.toFormat('ZZZZ', { locale: 'en-US' })} (${timeZone})`;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'", '&nbsp;': ' ' };

/**
 * The plain-text form of a template's fragment. Templates use only p, h1, h2, strong, em,
 * br, ul/li and a; every value in them was escaped, so every tag here is the template's own.
 */
export function htmlToText(fragment: string): string {
  return fragment
    .replace(/\s+/g, ' ')
    .replace(/<a\s[^>]*href="([^"]*)"[^>]*>(.*?)<\/a>/gi, (_m, href: string, label: string) => {
      const text = label.replace(/<[^>]+>/g, '').trim();
      return text && text !== href ? `${text}: ${href}` : href;
    })
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li[^>]*>/gi, '\n- ')
    .replace(/<\/(p|h1|h2|ul|div|table|tr)>/gi, '\n\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(amp|lt|gt|quot|#39|#x27|nbsp);/g, (entity) => ENTITIES[entity]!)
    .split('\n')
    .map((line) => line.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
