import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { createDatabase } from './adapters/db/index.js';
import { LibvirtHypervisor } from './adapters/libvirt/index.js';
import type { Config } from './config/config.js';
import { buildApp } from './http/app.js';
import { createLogger } from './logging.js';
import { systemClock, type Clock } from './ports/clock.js';
import { housekeeping } from './services/housekeeping.js';
import type { Hypervisor } from './ports/hypervisor.js';
import type { Database } from './ports/repositories.js';
import { AuditService } from './services/audit.service.js';
import { AuthService } from './services/auth.service.js';
import { LoginRateLimiter } from './services/rate-limit.js';
import { TokenService } from './services/token.service.js';
import { UserService } from './services/user.service.js';
import { ConsoleService, type ConsoleLimits } from './services/console.service.js';
import { EventBus } from './services/event-bus.js';
import { ImageService } from './services/image.service.js';
import { DiskService } from './services/disk.service.js';
import { vmDiskResizeTask } from './services/disk.tasks.js';
import { SnapshotService } from './services/snapshot.service.js';
import { parseAllowList, UrlPolicy } from './services/url-policy.js';
import {
  vmSnapshotCreateTask,
  vmSnapshotDeleteTask,
  vmSnapshotRevertTask,
} from './services/snapshot.tasks.js';
import { imageImportTask } from './services/image.tasks.js';
import { InstallTracker } from './services/install-tracker.js';
import { InstallService } from './services/install.service.js';
import { vmCompleteInstallationTask } from './services/install.tasks.js';
import { LiveStateService } from './services/live-state.js';
import { MediaService } from './services/media.service.js';
import { MetricsService } from './services/metrics.js';
import { QuotaService } from './services/quota.service.js';
import { sweepAbandonedVms } from './services/sweep.js';
import { VmService } from './services/vm.service.js';
import { vmActionTask, vmCreateTask, vmDeleteTask, type VmAction } from './services/vm.tasks.js';
import { FaultInjector, TaskEngine } from './tasks/index.js';

export const VERSION = '0.1.0';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  logger: PinoLogger;
  /** The audit log (tests `flush()` it before reading rows). */
  audit: AuditService;
  /** Graceful stop: refuse new work, let task steps reach a journaled point, close sockets and connections. */
  close(): Promise<void>;
}

/** Injection points for tests: a fake hypervisor or an already opened database. */
export interface ServerOverrides {
  hypervisor?: Hypervisor;
  database?: Database;
  logger?: PinoLogger;
  /** A clock tests can move (console ticket expiry, token expiry); the system clock by default. */
  clock?: Clock;
  /** Console session limits (idle, ping) shortened for tests. */
  consoleLimits?: Partial<ConsoleLimits>;
}

/** Wires the ports, services and HTTP edge together and listens. `main.ts` calls it; so do end-to-end tests. */
export async function startServer(config: Config, overrides: ServerOverrides = {}): Promise<RunningServer> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const db =
    overrides.database ??
    (await createDatabase({
      ...(config.databaseUrl ? { url: config.databaseUrl } : {}),
      dataDir: config.dataDir,
      logger,
    }));
  const IMAGES_POOL = `${config.poolPrefix}-images`;
  const VMS_POOL = `${config.poolPrefix}-vms`;
  const instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const hypervisor =
    overrides.hypervisor ??
    (await LibvirtHypervisor.create({
      uri: config.libvirtUri,
      domainType: config.domainType,
      logger,
      serialLogDir: join(config.storageDir, 'serial'),
      managedPools: [IMAGES_POOL, VMS_POOL],
    }));
  const clock = overrides.clock ?? systemClock;
  const bus = new EventBus(db.events, clock, (err) => logger.error({ err }, 'event listener failed'));
  const live = new LiveStateService({ hypervisor, vms: db.vms, events: bus, clock, logger });
  const faults = FaultInjector.fromSpec(config.faults);
  const audit = new AuditService({ repos: db, clock, logger });
  const metrics = new MetricsService({ db, hypervisor, live });
  const engine = new TaskEngine({
    store: db.tasks,
    leases: db.leases,
    events: bus,
    logger,
    clock,
    instanceId,
    ...(faults ? { faults } : {}),
    onFinished: (finish) => audit.recordTask(finish),
  });
  const taskDeps = {
    repos: db,
    hypervisor,
    live,
    events: bus,
    clock,
    config: { vmsPool: VMS_POOL, imagesPool: IMAGES_POOL, stopTimeoutMs: config.stopTimeoutMs },
  };
  engine.register(vmCreateTask(taskDeps));
  engine.register(vmDeleteTask(taskDeps));
  for (const action of [
    'start',
    'stop',
    'force-stop',
    'reboot',
    'reset',
    'pause',
    'resume',
  ] satisfies VmAction[]) {
    engine.register(vmActionTask(taskDeps, action));
  }
  engine.register(vmCompleteInstallationTask(taskDeps));
  engine.register(vmDiskResizeTask(taskDeps));
  engine.register(vmSnapshotCreateTask(taskDeps));
  engine.register(vmSnapshotRevertTask(taskDeps));
  engine.register(vmSnapshotDeleteTask(taskDeps));
  const images = new ImageService({
    repos: db,
    hypervisor,
    events: bus,
    clock,
    logger,
    instanceId,
    config: { imagesPool: IMAGES_POOL, maxImageBytes: config.maxImageBytes },
    policy: new UrlPolicy(parseAllowList(config.downloadAllow)),
    tasks: engine,
  });
  engine.register(imageImportTask(() => images));
  const installTracker = new InstallTracker({
    repos: db,
    hypervisor,
    events: bus,
    clock,
    tasks: engine,
    logger,
  });

  const auth = new AuthService({
    repos: db,
    clock,
    logger,
    limiter: new LoginRateLimiter(config.loginRateLimit, clock),
  });
  await auth.bootstrapAdmin({
    password: config.adminPassword ?? undefined,
    writePasswordFile: async (password) => {
      const file = join(config.dataDir, 'admin-password');
      await writeFile(file, `${password}\n`, { mode: 0o600 });
      return file;
    },
  });

  const ensurePools = async (): Promise<void> => {
    await hypervisor.ensurePool(IMAGES_POOL, join(config.storageDir, 'images'));
    await hypervisor.ensurePool(VMS_POOL, join(config.storageDir, 'vms'));
  };
  hypervisor.onStatus((status) => {
    logger.info({ libvirt: status }, 'libvirt connection changed');
    if (status === 'up')
      ensurePools().catch((err: unknown) => logger.error({ err }, 'cannot prepare storage pools'));
  });
  if (hypervisor.status === 'up') await ensurePools();

  // Unfinished work of a previous process: resumed or compensated before anything new starts.
  await engine.recover();
  await sweepAbandonedVms({ repos: db, hypervisor, logger });
  await live.start();
  await installTracker.start();
  const vms = new VmService({
    repos: db,
    hypervisor,
    live,
    tasks: engine,
    clock,
    events: bus,
    imagesPool: IMAGES_POOL,
  });

  let shuttingDown = false;
  const app = await buildApp(
    {
      config,
      version: VERSION,
      db,
      hypervisor,
      auth,
      users: new UserService({ repos: db, clock }),
      tokens: new TokenService({ repos: db, clock }),
      vms,
      media: new MediaService({
        repos: db,
        hypervisor,
        events: bus,
        clock,
        logger,
        vms,
        imagesPool: IMAGES_POOL,
        instanceId,
      }),
      install: new InstallService({ vms, tasks: engine }),
      disks: new DiskService({ vms, repos: db, hypervisor, tasks: engine }),
      snapshots: new SnapshotService({ vms, repos: db, hypervisor, tasks: engine, live }),
      images,
      tasks: engine,
      live,
      events: bus,
      consoles: new ConsoleService({
        repos: db,
        hypervisor,
        live,
        clock,
        audit,
        ...(overrides.consoleLimits ? { limits: overrides.consoleLimits } : {}),
      }),
      audit,
      metrics,
      quotas: new QuotaService({ repos: db, clock }),
      isShuttingDown: () => shuttingDown,
    },
    { logger, webDir: config.webDir },
  );
  // The event log beyond its retention, long-expired tokens, Idempotency-Keys past their 24 h.
  const trimTimer = setInterval(() => {
    void housekeeping({ repos: db, clock, logger, eventRetention: config.eventRetention });
  }, 60_000);
  trimTimer.unref();

  await app.listen({ host: config.listenHost, port: config.listenPort });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.listenPort;
  const url = `http://${config.listenHost.includes(':') ? `[${config.listenHost}]` : config.listenHost}:${port}`;
  logger.info({ url, database: db.dialect, libvirt: hypervisor.status }, 'gureum is listening');
  if (config.webDir) logger.info({ webDir: config.webDir }, 'serving the web app at /');
  else
    logger.info(
      'the web app is not built (packages/web/dist): serving the API only; build it with `npm run build -w @gureum/web`',
    );

  return {
    app,
    url,
    logger,
    audit,
    async close() {
      shuttingDown = true;
      clearInterval(trimTimer);
      for (const client of app.websocketServer.clients) client.close(1001, 'server shutting down');
      // No new completion tasks while the running ones drain (the next start's sweep finds what was missed).
      installTracker.stop();
      const drained = await engine.drain(7_000);
      logger.info(drained, 'tasks drained');
      await app.close();
      await audit.flush();
      metrics.stop();
      live.stop();
      if (!overrides.hypervisor && hypervisor instanceof LibvirtHypervisor) await hypervisor.close();
      if (!overrides.database) await db.close();
    },
  };
}
