import RFB from '@novnc/novnc';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useParams } from 'react-router';
import { useClient } from '../../lib/app-context';
import { ConsoleChrome, TypeTextButton, type ConsoleStatus } from './ConsoleChrome';
import { explainClose, explainOpenFailure, openConsoleSocket } from './console-session';
import { COMBOS, pressCombo, typeText } from './keyboard';

/**
 * The VNC console: noVNC draws the VM's display from the ticketed WebSocket (binary RFB frames). Nothing else in
 * the app touches noVNC. Scaling, fullscreen, Ctrl-Alt-Del and other combinations, and "type text".
 */
export function VncConsolePage() {
  const { id = '' } = useParams();
  const client = useClient();
  const screen = useRef<HTMLDivElement>(null);
  const frame = useRef<HTMLDivElement>(null);
  const rfb = useRef<RFB | null>(null);
  const [status, setStatus] = useState<ConsoleStatus>({ kind: 'connecting' });
  const [scale, setScale] = useState(true);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const target = screen.current;
    if (!target) return;
    let cancelled = false;
    let socket: WebSocket | null = null;
    setStatus({ kind: 'connecting' });
    openConsoleSocket(client, id, 'vnc').then(
      (ws) => {
        if (cancelled) {
          ws.close(1000, 'left the page');
          return;
        }
        socket = ws;
        let opened = false;
        ws.addEventListener('open', () => {
          opened = true;
        });
        ws.addEventListener('close', (e) => {
          rfb.current = null;
          if (!cancelled) setStatus({ kind: 'closed', why: explainClose(e.code, e.reason, opened) });
        });
        const r = new RFB(target, ws, { shared: true });
        r.scaleViewport = true;
        r.background = '#000';
        r.addEventListener('connect', () => {
          if (!cancelled) setStatus({ kind: 'open' });
          r.focus();
        });
        r.addEventListener('securityfailure', () => {
          if (!cancelled)
            setStatus({
              kind: 'closed',
              why: {
                title: 'VNC refused us',
                detail: 'The VM’s VNC server refused the session.',
                canReconnect: true,
              },
            });
        });
        rfb.current = r;
      },
      (err: unknown) => {
        if (cancelled) return;
        setStatus({ kind: 'closed', why: explainOpenFailure(err) });
      },
    );
    return () => {
      cancelled = true;
      rfb.current?.disconnect();
      rfb.current = null;
      socket?.close(1000, 'left the page');
    };
  }, [client, id, attempt]);

  useEffect(() => {
    if (rfb.current) rfb.current.scaleViewport = scale;
  }, [scale, status]);

  const send = useCallback((keysym: number, code: string | null, down: boolean) => {
    rfb.current?.sendKey(keysym, code, down);
  }, []);
  const open = status.kind === 'open';
  return (
    <ConsoleChrome
      vmId={id}
      kind="VNC"
      status={status}
      frameRef={frame}
      onReconnect={() => setAttempt((a) => a + 1)}
      toolbar={
        <>
          <button
            type="button"
            className="btn"
            disabled={!open}
            onClick={() => rfb.current?.sendCtrlAltDel()}
          >
            Ctrl-Alt-Del
          </button>
          <select
            className="select"
            aria-label="Send a key combination"
            disabled={!open}
            value=""
            onChange={(e) => {
              const combo = COMBOS.find((c) => c.label === e.target.value);
              if (combo) pressCombo(send, combo);
              rfb.current?.focus();
            }}
          >
            <option value="">Send keys…</option>
            {COMBOS.map((c) => (
              <option key={c.label} value={c.label}>
                {c.label}
              </option>
            ))}
          </select>
          <TypeTextButton
            disabled={!open}
            type={(text, signal, onProgress) => typeText(send, text, { signal, onProgress })}
          />
          <label className="row">
            <input
              type="checkbox"
              className="checkbox"
              checked={scale}
              onChange={(e) => setScale(e.target.checked)}
            />
            Scale to fit
          </label>
        </>
      }
    >
      <div ref={screen} style={{ width: '100%', height: '100%' }} data-testid="vnc-screen" />
    </ConsoleChrome>
  );
}
