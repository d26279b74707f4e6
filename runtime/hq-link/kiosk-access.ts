/**
 * HQ as the kiosk's screen uses it (issue 10): the help request journaled for the link and followed
 * to delivery, fast polling while a person waits for an answer, and the live nearby kiosks. The link
 * starts after the kiosk (it needs the kiosk's lock controls), so it is reached through `link()`.
 */
import type { Journal } from '../journal/journal.ts';
import type { HelpLink } from '../kiosk/help.ts';
import type { AskNearby } from '../kiosk/nearby-live.ts';
import type { HqLink } from './link.ts';

export function kioskHqAccess(journal: Journal, link: () => HqLink | undefined): { help: HelpLink; askNearby: AskNearby } {
  return {
    help: {
      send: (payload) => journal.outbox.enqueue('help.requested', payload).id,
      delivered: (eventId) => journal.outbox.get(eventId).deliveredAt !== null,
      pollUntil: (until) => link()?.pollUntil(until),
    },
    askNearby: async (services, signal) => {
      const l = link();
      if (!l) throw new Error('the HQ link has not started yet');
      return l.askNearby(services, signal);
    },
  };
}
