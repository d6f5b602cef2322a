/**
 * A lane: work that runs one piece at a time, in the order it was queued. Workflow code only.
 *
 * Why a workflow needs one: its local activities are resolved in completion order when it runs live (each in an
 * activation of its own, as each finishes) but all together when it replays (the results are markers already in the
 * history). Two local activities in flight at once therefore let the code after them (an update's completion, a clock
 * cancelling its timer, the next record) emit its commands in one order live and in another on replay: the workflow
 * task then fails with a nondeterminism error for good. With every local activity of a workflow in one lane, at most
 * one is in flight, the next is scheduled only after the previous result is handled, and replay meets the same
 * activations as the live run did.
 */
export class Lane {
  private tail: Promise<unknown> = Promise.resolve();

  /** Queues fn behind everything already queued; its result (or failure) is the caller's, never the next one's. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Resolves once everything queued so far has run. */
  idle(): Promise<unknown> {
    return this.tail;
  }
}
