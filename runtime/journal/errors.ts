/**
 * Typed journal errors. Each says what is wrong, with the file path, and what to do.
 * The journal never starts over on its own: a corrupt or too-new file stops the agent until
 * someone decides (see JournalCorruptError).
 */

export type JournalErrorCode =
  | 'CORRUPT'
  | 'TOO_NEW'
  | 'CANNOT_OPEN'
  | 'MIGRATION_FAILED'
  | 'NOT_FOUND'
  | 'DUPLICATE'
  | 'INVALID_TRANSITION'
  | 'NOT_JSON'
  /** an HQ event whose payload does not match contracts/hq.ts */
  | 'INVALID_HQ_EVENT'
  | 'CLOSED'
  /** a session's identity was sealed by an earlier boot: it cannot be resumed */
  | 'PERSONAL_DATA_GONE';

export class JournalError extends Error {
  override readonly name: string = 'JournalError';
  constructor(
    readonly code: JournalErrorCode,
    message: string,
    readonly context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The journal file fails SQLite's checks. Nothing has been changed or moved. */
export class JournalCorruptError extends JournalError {
  override readonly name = 'JournalCorruptError';
  constructor(
    readonly path: string,
    /** what SQLite reported (integrity_check lines or the open error) */
    readonly problems: string[],
    cause?: unknown,
  ) {
    super(
      'CORRUPT',
      `journal ${path} is corrupt (${problems.slice(0, 3).join('; ')}${problems.length > 3 ? `; and ${problems.length - 3} more` : ''}). ` +
        'The agent has not started and has not touched the file, so nothing in it is lost. ' +
        `To keep the kiosk serving: copy ${path} for analysis, then restart with the corrupt journal moved aside ` +
        '(zizhu start --move-aside-corrupt-journal, i.e. openJournal onCorrupt: "move-aside"), which renames it to ' +
        `${path}.corrupt-<time> and starts a fresh journal; unfinished payments recorded in the old file must then be reconciled with the payment gateway by hand.`,
      { path, problems },
      { cause },
    );
  }
}

/** The journal was written by a newer Zizhu (a higher schema version than this build knows). */
export class JournalTooNewError extends JournalError {
  override readonly name = 'JournalTooNewError';
  constructor(
    readonly path: string,
    readonly fileVersion: number,
    readonly knownVersion: number,
  ) {
    super(
      'TOO_NEW',
      `journal ${path} has schema version ${fileVersion}, but this Zizhu knows only up to version ${knownVersion}: ` +
        'it was written by a newer release. Refusing to open it so nothing is lost; install that release (or newer) again instead of downgrading.',
      { path, fileVersion, knownVersion },
    );
  }
}
