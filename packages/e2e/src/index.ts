export {
  GureumServer,
  POSTGRES_ADMIN_URL,
  SERVER_MAIN,
  done,
  ensureServerBuilt,
  isServerBuildStale,
  randomTag,
  sha256File,
  startGureum,
  uploadTestImage,
  type Dialect,
  type ExitStatus,
  type RestartOptions,
  type StartOptions,
} from './harness.js';
export {
  EventRecorder,
  RawEventsSocket,
  about,
  type EventPredicate,
  type RawFrame,
  type ReceivedEvent,
} from './events.js';
export { VirshConsole } from './console.js';
export { countOf, domainNames, filesUnder, poolVolumes, sleep, waitForBoot, waitUntil } from './observe.js';
