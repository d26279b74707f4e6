import { describeCommand, hex2, SamCommand, type SamReply } from './protocol.ts';
import { samStatus } from './status.ts';

/**
 * Which reply can answer which request (issue 11). A GA 467 reply does not echo its command, so a
 * reply that arrives late — after its request timed out — can be taken for the answer to the next
 * one: a SAM status request "answered" `80 no_card` (a find card's reply). A reply is accepted only
 * when its SW3 and data length fit the outstanding command:
 *
 *   find card            9F (card found, 4 data bytes), 80 (no card)
 *   select card          90 with a short body, or a card error (81 …)
 *   read text+photo(+fp) 90 with at least the card text, or a card error (41 …)
 *   read newest address  90 with a short body, 91 (no content), or a card error
 *   SAM status, reset,
 *   read SAM id          90 with a short body
 *
 * and, for any command, what the reader may say to every request: a protocol error (10, 11, 21 …)
 * or a SAM fault (60, 47, 66). Anything else is a stray reply: dropped, counted as line noise.
 */

/** data after SW3 of a text+photo read: 4 length bytes + 256 bytes of text, at least */
const CARD_READ_MIN_DATA = 4 + 256;

export function whyNotAnAnswer(command: readonly [number, number], reply: SamReply): string | undefined {
  const outcome = samStatus(reply.sw3).outcome;
  if (outcome === 'protocol_error' || outcome === 'sam_fault') return undefined;
  const ok = reply.sw3 === 0x90;
  const short = reply.data.length < CARD_READ_MIN_DATA;
  const is = (c: readonly [number, number]) => c[0] === command[0] && c[1] === command[1];
  let fits: boolean;
  if (is(SamCommand.FIND_CARD)) fits = reply.sw3 === 0x9f || reply.sw3 === 0x80;
  else if (is(SamCommand.SELECT_CARD)) fits = (ok && short) || outcome === 'card_error';
  else if (is(SamCommand.READ_TEXT_PHOTO) || is(SamCommand.READ_TEXT_PHOTO_FINGERPRINT)) fits = (ok && !short) || outcome === 'card_error';
  else if (is(SamCommand.READ_NEWEST_ADDRESS)) fits = (ok && short) || reply.sw3 === 0x91 || outcome === 'card_error';
  else fits = ok && short;
  if (fits) return undefined;
  return `SW3 ${hex2(reply.sw3)} ${samStatus(reply.sw3).status} with ${reply.data.length} data bytes does not answer ${describeCommand(command[0], command[1])}`;
}
