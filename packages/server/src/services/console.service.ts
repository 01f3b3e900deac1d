import type { Duplex } from 'node:stream';
import { BASE_PATH, CONSOLES_PATH } from '@gureum/contract';
import { AppError, ConflictError, vmNotFound } from '../domain/errors.js';
import type { VmState } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import type { ConsoleKind, Hypervisor } from '../ports/hypervisor.js';
import type { Repositories } from '../ports/repositories.js';
import { assertCanMutate, assertFound, canSee, type Actor } from './access.js';
import type { AuditService } from './audit.service.js';
import {
  ConsoleTicketStore,
  type ConsoleTicketGrant,
  type ConsoleTicketOptions,
  type TicketRefusal,
} from './console-tickets.js';
import type { LiveStateService } from './live-state.js';

/** States whose VM has a console: QEMU runs (a paused VM still shows its screen and takes input). */
const CONSOLE_STATES: readonly VmState[] = ['running', 'paused'];
/** States that end a console session: QEMU is gone. */
const ENDED_STATES: readonly VmState[] = ['stopped', 'crashed'];

/** A redeemed ticket: the console a WebSocket may now carry. */
export interface ConsoleSession extends ConsoleTicketGrant {
  ownerId: string;
  vmName: string;
}

/** Where a console request came from, for the audit log. */
export interface ConsoleRequestMeta {
  requestId: string;
  sourceAddress: string | null;
}

/** How a session ended, for the audit log. */
export interface ConsoleEnd {
  code: number;
  reason: string;
  durationMs: number;
  /** Bytes from the client to the VM, and from the VM to the client. */
  bytesToVm: number;
  bytesFromVm: number;
}

/** Limits of console sessions (the WebSocket edge applies them). */
export interface ConsoleLimits {
  /** Close a session when no byte went either way for this long (ms). */
  idleTimeoutMs: number;
  /** Ping the client this often; one that has not answered the previous ping by then is gone (ms). */
  pingIntervalMs: number;
}

export const DEFAULT_CONSOLE_LIMITS: ConsoleLimits = { idleTimeoutMs: 30 * 60_000, pingIntervalMs: 30_000 };

const REFUSAL_DETAIL: Record<TicketRefusal, string> = {
  malformed: 'This is not a console ticket.',
  unknown: 'No such console ticket (it may be older than this server process).',
  used: 'This console ticket was already used; tickets open one console each.',
  expired: 'This console ticket expired; tickets are valid for 30 s.',
};

/**
 * Console tickets and sessions. `POST /vms/{id}/console` issues a single-use ticket bound to the user, the VM and
 * the console kind; the console WebSocket redeems it (once, within 30 s), checks again that the user may still use
 * the VM and that it runs, then opens the console through the Hypervisor port. Opening and closing are audited.
 * Viewers get no ticket: a console always takes input, so none is read-only.
 */
export class ConsoleService {
  private readonly tickets: ConsoleTicketStore;
  readonly limits: ConsoleLimits;

  constructor(
    private readonly deps: {
      repos: Pick<Repositories, 'vms' | 'users'>;
      hypervisor: Pick<Hypervisor, 'openConsole'>;
      live: Pick<LiveStateService, 'stateOf' | 'waitForState'>;
      clock: Clock;
      audit: Pick<AuditService, 'submit'>;
      tickets?: ConsoleTicketOptions;
      limits?: Partial<ConsoleLimits>;
    },
  ) {
    this.tickets = new ConsoleTicketStore(deps.clock, deps.tickets);
    this.limits = { ...DEFAULT_CONSOLE_LIMITS, ...deps.limits };
  }

  /** Issues a ticket for `kind` on a running VM (by id) the actor may use: `{ url, expiresAt }`. */
  async issue(actor: Actor, vmId: string, kind: ConsoleKind): Promise<{ url: string; expiresAt: string }> {
    assertCanMutate(actor);
    const vm = assertFound(actor, await this.deps.repos.vms.findById(vmId.toLowerCase()), () =>
      vmNotFound(vmId),
    );
    this.assertHasConsole(vm.id);
    const { ticket, grant } = this.tickets.issue({ userId: actor.id, vmId: vm.id, kind });
    return {
      url: BASE_PATH + CONSOLES_PATH.replace(':ticket', ticket),
      expiresAt: grant.expiresAt.toISOString(),
    };
  }

  /**
   * Redeems a ticket (it is spent even when the checks after it fail). Refuses with CONSOLE_TICKET_INVALID (unknown,
   * malformed, used, expired), FORBIDDEN (the user became a viewer), VM_NOT_FOUND (the VM is gone or no longer the
   * user's) or VM_INVALID_STATE (it stopped). A refused ticket that existed is audited: replays show up there.
   */
  async redeem(ticket: string, meta: ConsoleRequestMeta): Promise<ConsoleSession> {
    const result = this.tickets.redeem(ticket);
    if (!result.ok) {
      if ('grant' in result) this.auditRefusal(result.grant, 'CONSOLE_TICKET_INVALID', meta, result.reason);
      throw new AppError('CONSOLE_TICKET_INVALID', 'unauthenticated', REFUSAL_DETAIL[result.reason]);
    }
    const { grant } = result;
    try {
      const { users, vms } = this.deps.repos;
      const [user, vm] = await Promise.all([users.findById(grant.userId), vms.findById(grant.vmId)]);
      if (!user) {
        throw new AppError(
          'CONSOLE_TICKET_INVALID',
          'unauthenticated',
          'The ticket’s user no longer exists.',
        );
      }
      const actor: Actor = { id: user.id, role: user.role };
      assertCanMutate(actor);
      if (!vm || !canSee(actor, vm.ownerId)) throw vmNotFound(grant.vmId);
      this.assertHasConsole(vm.id);
      return { ...grant, ownerId: vm.ownerId, vmName: vm.name };
    } catch (err: unknown) {
      if (err instanceof AppError) this.auditRefusal(grant, err.code, meta);
      throw err;
    }
  }

  /** Opens the session's console; the caller owns (and must destroy) the stream. */
  open(session: ConsoleSession, signal: AbortSignal): Promise<Duplex> {
    return this.deps.hypervisor.openConsole(session.vmId, session.kind, { signal });
  }

  /** Resolves with the state once the session's VM stopped or crashed; never settles after `signal` aborts. */
  whenVmStops(session: ConsoleSession, signal: AbortSignal): Promise<VmState> {
    return new Promise((resolve) => {
      this.deps.live.waitForState(session.vmId, ENDED_STATES, signal).then(resolve, () => undefined);
    });
  }

  /** True while the session's VM has a console (running or paused), by the live view. */
  isVmUp(session: ConsoleSession): boolean {
    return CONSOLE_STATES.includes(this.deps.live.stateOf(session.vmId));
  }

  /**
   * Audits a console that opened, or did not after its ticket was redeemed: it failed to open, or the client left
   * while it was opening.
   */
  recordOpen(session: ConsoleSession, meta: ConsoleRequestMeta, failure?: AppError | 'client-left'): void {
    this.audit(session, 'console.connect', meta, failure ? 'failed' : 'succeeded', {
      kind: session.kind,
      ticketId: session.ticketId,
      ...(failure === 'client-left' ? { clientLeft: true } : failure ? { errorCode: failure.code } : {}),
    });
  }

  /** Audits the end of a session that was open. */
  recordClose(session: ConsoleSession, meta: ConsoleRequestMeta, end: ConsoleEnd): void {
    this.audit(session, 'console.disconnect', meta, 'succeeded', {
      kind: session.kind,
      ticketId: session.ticketId,
      closeCode: end.code,
      closeReason: end.reason,
      durationMs: end.durationMs,
      bytesToVm: end.bytesToVm,
      bytesFromVm: end.bytesFromVm,
    });
  }

  private assertHasConsole(vmId: string): void {
    const state = this.deps.live.stateOf(vmId);
    if (!CONSOLE_STATES.includes(state)) {
      throw new ConflictError('VM_INVALID_STATE', `The VM is ${state}; a console needs it running.`, {
        state,
      });
    }
  }

  private auditRefusal(
    grant: ConsoleTicketGrant,
    errorCode: string,
    meta: ConsoleRequestMeta,
    ticket?: 'used' | 'expired',
  ): void {
    this.audit(grant, 'console.connect', meta, 'failed', {
      kind: grant.kind,
      ticketId: grant.ticketId,
      errorCode,
      ...(ticket ? { ticket } : {}),
    });
  }

  private audit(
    grant: ConsoleTicketGrant & { ownerId?: string },
    action: string,
    meta: ConsoleRequestMeta,
    outcome: 'succeeded' | 'failed',
    details: Record<string, unknown>,
  ): void {
    this.deps.audit.submit({
      action,
      actor: { id: grant.userId },
      resource: { kind: 'vm', id: grant.vmId },
      ...(grant.ownerId === undefined ? {} : { ownerId: grant.ownerId }),
      outcome,
      status: null,
      requestId: meta.requestId,
      sourceAddress: meta.sourceAddress,
      details,
    });
  }
}
