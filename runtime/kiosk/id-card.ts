/**
 * The ID card on the reader, as the person in front of the kiosk meets it:
 *
 * - a card laid down before the person pressed a service tile is read when the session starts
 *   (its first read went to nobody, and the reader reads a card once per placement);
 * - a card still on the reader when the person is done, or left there after the session, makes
 *   the screen say "请取回您的身份证" until it is lifted.
 *
 * A card the previous person left behind is never read into the next person's session: it is only
 * mentioned. Lifted and laid down again, it is a new placement and is read as usual.
 * Nothing personal is kept here: the card is read afresh from the reader each time.
 */

/** What the kiosk needs of the ID reader (drivers/id-reader IdCardReader fits). */
export interface IdCardPresence {
  /** a read card is on the antenna */
  readonly hasCard: boolean;
  on(event: 'card' | 'cardRemoved', listener: () => void): unknown;
  off(event: 'card' | 'cardRemoved', listener: () => void): unknown;
  /** read the card on the antenna again and emit `card` (false: none there, or no longer wanted) */
  readPresentCard(stillWanted?: () => boolean): Promise<boolean>;
}

export interface CardOnReaderState {
  /** a read card is on the reader now */
  present: boolean;
  /** it was there when the last session ended and has not been lifted since */
  leftBehind: boolean;
}

export class CardOnReader {
  private leftBehind = false;
  /** a read for the session just started is queued and no fresh read has come in since */
  private readWanted = false;
  private readonly onCard = () => {
    this.readWanted = false;
    this.changed();
  };
  private readonly onRemoved = () => {
    this.leftBehind = false;
    this.changed();
  };

  constructor(
    private readonly reader: IdCardPresence,
    /** the screen follows from here */
    private readonly changed: () => void,
  ) {
    reader.on('card', this.onCard);
    reader.on('cardRemoved', this.onRemoved);
  }

  get state(): CardOnReaderState {
    return { present: this.reader.hasCard, leftBehind: this.reader.hasCard && this.leftBehind };
  }

  /** A session started: a card that lies ready is read into it; one the previous person left is not. */
  sessionStarted(): void {
    if (!this.reader.hasCard || this.leftBehind) return;
    this.readWanted = true;
    void this.reader
      .readPresentCard(() => this.readWanted)
      .catch(() => false)
      .finally(() => {
        this.readWanted = false;
      });
  }

  /** The session ended: a card still on the reader is now left behind. */
  sessionEnded(): void {
    this.readWanted = false;
    this.leftBehind = this.reader.hasCard;
    this.changed();
  }

  close(): void {
    this.reader.off('card', this.onCard);
    this.reader.off('cardRemoved', this.onRemoved);
  }
}
