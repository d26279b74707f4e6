/** Test support for the shell links: Electron's process.parentPort as the agent sees it. */
import { EventEmitter } from 'node:events';
import type { ParentPortLike } from './parent-port.ts';

/** 'message' events carry `{ data }`; what the agent posts is kept in `posted` */
export class FakeParentPort extends EventEmitter implements ParentPortLike {
  readonly posted: unknown[] = [];
  postMessage(message: unknown): void {
    this.posted.push(message);
  }
  /** the Electron main process sends something */
  deliver(data: unknown): void {
    this.emit('message', { data });
  }
}
