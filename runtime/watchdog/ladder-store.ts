/**
 * Where the recovery ladder keeps its state across the agent's own restarts: a small JSON file next
 * to the journal (`recovery-ladder.json`), replaced atomically, readable by the kiosk's user only. A
 * missing or unreadable file is a ladder at rest (ladder.ts checks every field).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { LadderState, LadderStore } from './ladder.ts';

export const LADDER_FILE = 'recovery-ladder.json';

export function fileLadderStore(path: string): LadderStore {
  return {
    load() {
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as LadderState;
      } catch {
        return null;
      }
    },
    save(state) {
      const tmp = `${path}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
      renameSync(tmp, path);
    },
  };
}
