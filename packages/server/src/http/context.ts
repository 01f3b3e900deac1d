import type { Config } from '../config/config.js';
import type { EventSource } from '../ports/events.js';
import type { Hypervisor } from '../ports/hypervisor.js';
import type { Database } from '../ports/repositories.js';
import type { AuthService } from '../services/auth.service.js';
import type { ImageService } from '../services/image.service.js';
import type { LiveStateService } from '../services/live-state.js';
import type { VmService } from '../services/vm.service.js';
import type { TaskEngine } from '../tasks/index.js';

/** What the HTTP and WebSocket edges call: services only, never adapters. */
export interface AppServices {
  config: Pick<Config, 'eventRetention'>;
  version: string;
  db: Pick<Database, 'ping' | 'events' | 'idempotency' | 'tasks'>;
  hypervisor: Pick<Hypervisor, 'status'>;
  auth: AuthService;
  vms: VmService;
  images: ImageService;
  tasks: TaskEngine;
  live: LiveStateService;
  events: EventSource;
  /** True once SIGTERM began: new mutations get 503 SERVER_SHUTTING_DOWN. */
  isShuttingDown(): boolean;
}
