/**
 * @gureum/client — the typed client of the Gureum API: one method per route of `@gureum/contract`, problem
 * responses as `ApiError`, task helpers, streamed uploads, the events WebSocket with resume and console sockets. Runs in browsers
 * and Node ≥ 20 (pass `ws`'s WebSocket for events on Node 20).
 */
export {
  createGureumClient,
  type GureumClient,
  type GureumClientOptions,
  type WaitForTaskOptions,
} from './client.js';
export {
  ConsoleOpenError,
  consoleSocketUrl,
  describeConsoleClose,
  openConsoleSocket,
  openConsoleTicket,
  type ConsoleClose,
  type ConsoleConnection,
  type ConsoleSocketConstructor,
  type ConsoleSocketLike,
  type OpenConsoleOptions,
} from './console.js';
export { ApiError, ConnectionError, TaskWaitTimeoutError, isApiError, parseProblem } from './errors.js';
export {
  eventsUrl,
  type EventSubscription,
  type EventsOptions,
  type EventsState,
  type EventsStateInfo,
  type ReconnectOptions,
  type WebSocketConstructor,
  type WebSocketLike,
} from './events.js';
export { apiUrl, type ApiResponse, type FetchLike } from './http.js';
export type {
  Args,
  CallOptions,
  DryRunOptions,
  GureumMethods,
  IdempotencyOptions,
  IfMatchOptions,
  Method,
  OptionsFor,
  Result,
  TaskDone,
  TaskOutcome,
  TaskPending,
  UploadBody,
  UploadMethod,
  UploadOptions,
  UploadProgress,
  WaitOptions,
} from './types.js';
