/** A logged-in session: the bearer token lives in memory and in sessionStorage (never in a URL, never in localStorage). */
export interface Session {
  readonly token: string;
  readonly expiresAt: string;
  readonly username: string;
}

const STORAGE_KEY = 'gureum.session';

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['token'] === 'string' && typeof v['expiresAt'] === 'string' && typeof v['username'] === 'string'
  );
}

/**
 * The session of this browser tab. sessionStorage keeps it across reloads of the tab and drops it when the tab
 * closes; a token past its `expiresAt` is never restored.
 */
export class SessionStore {
  private session: Session | null;
  private notice: string | null = null;
  private readonly listeners = new Set<() => void>();
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.session = this.restore();
    this.armExpiry();
  }

  /** The current session, or null when logged out. */
  get current(): Session | null {
    return this.session;
  }

  /** Why the user was logged out (shown once on the login page). */
  get message(): string | null {
    return this.notice;
  }

  signIn(session: Session): void {
    this.session = session;
    this.notice = null;
    try {
      this.storage?.setItem(STORAGE_KEY, JSON.stringify(session));
    } catch {
      // Storage full or disabled: the session still works for this page.
    }
    this.armExpiry();
    this.emit();
  }

  /** Ends the session; `message` says why (session expired, logged out elsewhere…). */
  signOut(message: string | null = null): void {
    if (!this.session && this.notice === message) return;
    this.session = null;
    this.notice = message;
    try {
      this.storage?.removeItem(STORAGE_KEY);
    } catch {
      // Nothing to clean.
    }
    this.armExpiry();
    this.emit();
  }

  clearMessage(): void {
    if (this.notice === null) return;
    this.notice = null;
    this.emit();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private restore(): Session | null {
    let raw: string | null = null;
    try {
      raw = this.storage?.getItem(STORAGE_KEY) ?? null;
    } catch {
      return null;
    }
    if (!raw) return null;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (isSession(parsed) && Date.parse(parsed.expiresAt) > this.now()) return parsed;
    } catch {
      // Corrupt entry: dropped below.
    }
    this.storage?.removeItem(STORAGE_KEY);
    return null;
  }

  private armExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    if (!this.session) return;
    const ms = Date.parse(this.session.expiresAt) - this.now();
    // setTimeout overflows past ~24.8 days; such a session is re-armed on the next sign-in or reload.
    if (ms > 2 ** 31 - 1) return;
    this.expiryTimer = setTimeout(
      () => {
        this.signOut('Your session expired. Log in again to continue.');
      },
      Math.max(0, ms),
    );
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
