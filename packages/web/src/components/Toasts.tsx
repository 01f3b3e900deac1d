import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import { describeError } from '../lib/format';

export interface Toast {
  readonly id: number;
  readonly kind: 'info' | 'success' | 'error';
  readonly title: string;
  readonly detail?: string;
  readonly requestId?: string;
}

interface ToastApi {
  show(toast: Omit<Toast, 'id'>): void;
  /** An error, as its problem's title and detail. */
  error(err: unknown, title?: string): void;
}

const ToastContext = createContext<ToastApi | null>(null);

export function useToasts(): ToastApi {
  const api = useContext(ToastContext);
  if (!api) throw new Error('useToasts outside <ToastProvider>');
  return api;
}

/** Short notices in a corner, announced to screen readers; errors stay longer than successes. */
export function ToastProvider(props: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => {
    setToasts((list) => list.filter((t) => t.id !== id));
  }, []);
  const show = useCallback(
    (toast: Omit<Toast, 'id'>) => {
      const id = next.current++;
      setToasts((list) => [...list.slice(-4), { ...toast, id }]);
      setTimeout(() => dismiss(id), toast.kind === 'error' ? 12_000 : 5_000);
    },
    [dismiss],
  );
  const api = useMemo<ToastApi>(
    () => ({
      show,
      error(err, title) {
        const view = describeError(err);
        show({
          kind: 'error',
          title: title ?? view.title,
          detail: title ? `${view.title}: ${view.detail}` : view.detail,
          ...(view.requestId ? { requestId: view.requestId } : {}),
        });
      },
    }),
    [show],
  );
  return (
    <ToastContext.Provider value={api}>
      {props.children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`}>
            <div className="toast-body">
              <strong>{t.title}</strong>
              {t.detail && <span>{t.detail}</span>}
              {t.requestId && <span className="request-id">request {t.requestId}</span>}
            </div>
            <button
              type="button"
              className="btn btn-ghost btn-small"
              aria-label="Dismiss"
              onClick={() => dismiss(t.id)}
            >
              ✕
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
