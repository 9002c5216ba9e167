// The one error type route handlers throw for a request the server refuses: its status, message, and the request
// field at fault or the unknown references (app.ts's error handler turns it into the JSON error body).
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(
    readonly status: number,
    message: string,
    readonly extra: { field?: string; unknown?: string[] } = {},
  ) {
    super(message);
  }
}
