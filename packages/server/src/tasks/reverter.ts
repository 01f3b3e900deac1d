type Undo = () => Promise<void> | void;

/**
 * In-process undo for a multi-step operation (after incus `shared/revert`): register each undo as soon as its action
 * succeeded; on failure they run in reverse order. For work that must survive a crash, use journaled task steps.
 */
export class Reverter {
  private undos: Undo[] = [];

  add(undo: Undo): void {
    this.undos.push(undo);
  }

  /** Keeps everything: the undos are forgotten. */
  success(): void {
    this.undos = [];
  }

  /** Runs the undos newest first; every undo runs even when one throws. Returns the errors. */
  async fail(): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (let undo = this.undos.pop(); undo !== undefined; undo = this.undos.pop()) {
      try {
        await undo();
      } catch (err: unknown) {
        errors.push(err);
      }
    }
    return errors;
  }
}

/** Runs `body`; if it throws, reverts what it registered and rethrows its error (undo errors go to `onUndoError`). */
export async function withReverter<T>(
  body: (revert: Reverter) => Promise<T>,
  onUndoError: (err: unknown) => void = () => undefined,
): Promise<T> {
  const revert = new Reverter();
  try {
    const value = await body(revert);
    revert.success();
    return value;
  } catch (err: unknown) {
    for (const undoError of await revert.fail()) onUndoError(undoError);
    throw err;
  }
}
