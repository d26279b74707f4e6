/** Raised by a simulated device's `control()` on an unknown action or a malformed body; the control API answers 400 with its message. */
export class SimControlError extends Error {
  override readonly name = 'SimControlError';
}
