/**
 * A problem with the machine's set-up that the operator must fix (not a bug):
 * printed as its one-sentence message, without a stack trace, and Ferry exits.
 */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SetupError";
  }
}
