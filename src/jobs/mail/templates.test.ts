/** Every mail kind renders from its template (issue 13 item 2): both parts, escaped, in the recipient's zone. */
import { describe, expect, it } from 'vitest';
import { sampleMailContent } from './samples.js';
import { formatInstant, htmlToText, MAIL_KINDS, MailTemplates, type MailContent } from './templates.js';

const templates = new MailTemplates();
const URL = 'https://tessera.example';

describe('mail templates', () => {
  it.each(MAIL_KINDS)('%s renders a subject, an HTML part and a plain-text part', (kind) => {
    const content = sampleMailContent(kind, URL);
    const mail = templates.render(content);
    expect(mail.subject.length).toBeGreaterThan(5);
    expect(mail.subject).not.toMatch(/undefined|null|\[object/);
    expect(mail.html).toMatch(/^<!doctype html>/);
    expect(mail.html).toContain(`<title>${mail.subject.replace(/&/g, '&amp;')}</title>`);
    expect(mail.html).toMatch(/<h1>[^<]+<\/h1>/);
    expect(mail.text).not.toMatch(/<\/?[a-z][^>]*>/i);
    expect(mail.text).not.toMatch(/undefined|null|\[object|&amp;|&lt;/);
    expect(mail.text).toContain('Times are in your time zone, Europe/Berlin.');
    if (content.links.action) expect(mail.text).toContain(content.links.action);
    if (kind === 'verify-email') expect(mail.text).not.toContain('Stop these e-mails');
    else expect(mail.text).toContain(`Stop these e-mails: ${URL}/v1/unsubscribe?token=sample`);
  });

  it('escapes values in HTML (a <script> title arrives as text) and keeps them verbatim in the text part', () => {
    const title = '<script>alert("x")</script> & <b>Co</b>';
    for (const kind of ['reservation-confirmed', 'meeting-scheduled'] as const) {
      const sample = sampleMailContent(kind, URL);
      const data = kind === 'meeting-scheduled' ? { ...sample.data, title } : { ...sample.data, event: { ...(sample.data.event as object), title } };
      const mail = templates.render({ ...sample, data } satisfies MailContent);
      expect(mail.html).not.toContain('<script>');
      expect(mail.html).not.toContain('<b>Co');
      expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;');
      expect(mail.text).toContain(title);
      expect(mail.subject).toContain(title);
    }
  });

  it('reads well when a meeting’s organizer has no name in the read model (organizerName null)', () => {
    for (const kind of ['meeting-invited', 'meeting-deadline-reminder', 'meeting-scheduled', 'meeting-rescheduled', 'meeting-cancelled', 'meeting-reminder'] as const) {
      const sample = sampleMailContent(kind, URL);
      const mail = templates.render({ ...sample, data: { ...sample.data, organizerName: null } });
      expect(`${mail.subject}\n${mail.text}`, kind).not.toMatch(/null|undefined|organized by ,/);
    }
  });

  it('shows instants on the recipient’s wall clock with the zone named, across DST', () => {
    expect(formatInstant('2026-12-10T18:00:00.000Z', 'Europe/Berlin')).toBe('Thu 10 Dec 2026, 19:00 GMT+1 (Europe/Berlin)');
    expect(formatInstant('2026-07-10T18:00:00.000Z', 'Europe/Berlin')).toBe('Fri 10 Jul 2026, 20:00 GMT+2 (Europe/Berlin)');
    expect(formatInstant('2026-07-10T18:00:00.000Z', 'America/New_York')).toBe('Fri 10 Jul 2026, 14:00 EDT (America/New_York)');
    expect(formatInstant('2026-12-10T18:00:00.000Z', 'Asia/Kolkata')).toBe('Thu 10 Dec 2026, 23:30 GMT+5:30 (Asia/Kolkata)');
    const berlin = templates.render({ ...sampleMailContent('meeting-scheduled', URL), recipient: { name: 'Ada', timeZone: 'America/Los_Angeles' } });
    expect(berlin.text).toContain('from Tue 15 Dec 2026, 01:00 PST (America/Los_Angeles) to Tue 15 Dec 2026, 02:00 PST (America/Los_Angeles)');
  });

  it('turns the HTML fragment into text: links as "label: url", paragraphs apart, entities decoded', () => {
    expect(htmlToText('<h1>Hi</h1>\n  <p>A &amp; B <a href="https://x.example/a?b=1&amp;c=2">Open</a></p><p>two<br>lines</p>')).toBe(
      'Hi\n\nA & B Open: https://x.example/a?b=1&c=2\n\ntwo\nlines',
    );
  });
});
