import type { Vm } from '@gureum/contract';
import { useQuery } from '@tanstack/react-query';
import { useRef, useState, type ReactNode, type RefObject } from 'react';
import { Link } from 'react-router';
import { Dialog } from '../../components/Dialog';
import { ProgressBar } from '../../components/Progress';
import { StateBadge } from '../../components/StateBadge';
import { useClient } from '../../lib/app-context';
import { keys } from '../../live/query-keys';
import type { CloseExplanation } from './console-session';

export type ConsoleStatus =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'open' }
  | { readonly kind: 'closed'; readonly why: CloseExplanation };

/** The VM whose console this is (live state from the cache). */
export function useConsoleVm(id: string) {
  const client = useClient();
  return useQuery({
    queryKey: keys.vm(id),
    queryFn: ({ signal }): Promise<Vm | null> => client.getVm({ idOrName: id }, { signal }),
    staleTime: Infinity,
  }).data;
}

/** Title bar, toolbar and the closed/connecting overlay around a console's screen. */
export function ConsoleChrome(props: {
  vmId: string;
  kind: string;
  status: ConsoleStatus;
  toolbar: ReactNode;
  onReconnect: () => void;
  frameRef: RefObject<HTMLDivElement | null>;
  children: ReactNode;
}) {
  const vm = useConsoleVm(props.vmId);
  const { status } = props;
  return (
    <div className="page page-fill">
      <div className="page-head">
        <Link to={`/vms/${props.vmId}`} className="muted">
          {vm?.name ?? 'VM'}
        </Link>
        <span className="muted">/</span>
        <h1>{props.kind} console</h1>
        {vm && <StateBadge state={vm.state} />}
        <span className="muted" role="status" data-testid="console-status">
          {status.kind === 'open'
            ? 'Connected'
            : status.kind === 'connecting'
              ? 'Connecting…'
              : 'Disconnected'}
        </span>
        <span className="spacer" />
      </div>
      <div className="row" role="toolbar" aria-label="Console tools">
        {props.toolbar}
        <button
          type="button"
          className="btn"
          onClick={() => void props.frameRef.current?.requestFullscreen()}
        >
          Fullscreen
        </button>
      </div>
      <div className="console-frame" ref={props.frameRef}>
        {props.children}
        {status.kind !== 'open' && (
          <div className="console-overlay">
            {status.kind === 'connecting' ? (
              <div className="stack">
                <span>Connecting…</span>
              </div>
            ) : (
              <div className="stack" role="alert">
                <strong>{status.why.title}</strong>
                <span>{status.why.detail}</span>
                {status.why.canReconnect && (
                  <button type="button" className="btn btn-primary" onClick={props.onReconnect}>
                    Reconnect
                  </button>
                )}
              </div>
            )}
          </div>
        )}
      </div>
    </div>
  );
}

/**
 * "Type text": sends a text as keystrokes (for a password prompt or a guest without clipboard), with a progress
 * bar and a Cancel that stops between two keys.
 */
export function TypeTextButton(props: {
  disabled: boolean;
  type: (
    text: string,
    signal: AbortSignal,
    onProgress: (done: number, total: number) => void,
  ) => Promise<void>;
}) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const abort = useRef<AbortController | null>(null);
  const run = async () => {
    const controller = new AbortController();
    abort.current = controller;
    setProgress({ done: 0, total: text.length });
    try {
      await props.type(text, controller.signal, (done, total) => setProgress({ done, total }));
      setOpen(false);
      setText('');
    } catch {
      // Cancelled: the keys typed so far stay typed.
    } finally {
      abort.current = null;
      setProgress(null);
    }
  };
  const typing = progress !== null;
  return (
    <>
      <button type="button" className="btn" disabled={props.disabled} onClick={() => setOpen(true)}>
        Type text…
      </button>
      <Dialog
        open={open}
        title="Type text into the console"
        onClose={() => {
          abort.current?.abort();
          setOpen(false);
        }}
        footer={
          typing ? (
            <button type="button" className="btn" onClick={() => abort.current?.abort()}>
              Cancel typing
            </button>
          ) : (
            <>
              <button type="button" className="btn" onClick={() => setOpen(false)}>
                Close
              </button>
              <button
                type="button"
                className="btn btn-primary"
                disabled={text === '' || props.disabled}
                onClick={() => void run()}
              >
                Type it
              </button>
            </>
          )
        }
      >
        <p className="muted">
          Each character is sent as a key press (US keyboard layout); new lines press Enter.
        </p>
        <textarea
          className="input mono"
          rows={5}
          aria-label="Text to type"
          value={text}
          disabled={typing}
          onChange={(e) => setText(e.target.value)}
        />
        {progress && (
          <div className="stack" style={{ gap: 4 }}>
            <ProgressBar label="Typing" value={progress.total ? progress.done / progress.total : undefined} />
            <span className="muted">
              {progress.done} of {progress.total} keys
            </span>
          </div>
        )}
      </Dialog>
    </>
  );
}
