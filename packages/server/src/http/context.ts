import type { Config } from '../config/config.js';
import type { EventSource } from '../ports/events.js';
import type { Hypervisor } from '../ports/hypervisor.js';
import type { Database } from '../ports/repositories.js';
import type { AuditService } from '../services/audit.service.js';
import type { AuthService } from '../services/auth.service.js';
import type { ConsoleService } from '../services/console.service.js';
import type { ImageService } from '../services/image.service.js';
import type { DiskService } from '../services/disk.service.js';
import type { InstallService } from '../services/install.service.js';
import type { SnapshotService } from '../services/snapshot.service.js';
import type { LiveStateService } from '../services/live-state.js';
import type { MediaService } from '../services/media.service.js';
import type { MetricsService } from '../services/metrics.js';
import type { QuotaService } from '../services/quota.service.js';
import type { TokenService } from '../services/token.service.js';
import type { UserService } from '../services/user.service.js';
import type { VmService } from '../services/vm.service.js';
import type { TaskEngine } from '../tasks/index.js';

/** What the HTTP and WebSocket edges call: services only, never adapters. */
export interface AppServices {
  config: Pick<Config, 'eventRetention'>;
  version: string;
  db: Pick<Database, 'ping' | 'events' | 'idempotency' | 'tasks'>;
  hypervisor: Pick<Hypervisor, 'status'>;
  auth: AuthService;
  /** Users and roles (admin). */
  users: UserService;
  /** The caller's named API tokens. */
  tokens: TokenService;
  vms: VmService;
  images: ImageService;
  /** Boot order and cdrom media of VMs. */
  media: MediaService;
  /** The installation phase of VMs installed from an ISO. */
  install: InstallService;
  /** VM disks: what libvirt reports, and growing them. */
  disks: DiskService;
  /** Snapshots of VMs. */
  snapshots: SnapshotService;
  tasks: TaskEngine;
  live: LiveStateService;
  events: EventSource;
  consoles: ConsoleService;
  audit: AuditService;
  metrics: MetricsService;
  /** Per-user quotas and usage. */
  quotas: QuotaService;
  /** True once SIGTERM began: new mutations get 503 SERVER_SHUTTING_DOWN. */
  isShuttingDown(): boolean;
}
