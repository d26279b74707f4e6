/**
 * The listeners of one ByteLink event (`onData` or `onHealth`), shared by every link
 * implementation. A listener that throws is skipped: one driver's bug must not stop the link or
 * starve the other listeners.
 */
export class LinkListeners<T> {
  private readonly listeners = new Set<(value: T) => void>();

  /** Subscribe; returns the unsubscribe function that `onData`/`onHealth` hand back. */
  add(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(value: T): void {
    for (const l of this.listeners) {
      try {
        l(value);
      } catch {
        // a listener's bug must not stop the link
      }
    }
  }
}
