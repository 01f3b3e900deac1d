import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import { useParams } from 'react-router';
import { useClient } from '../../lib/app-context';
import { ConsoleChrome, TypeTextButton, type ConsoleStatus } from './ConsoleChrome';
import { explainClose, explainOpenFailure, openConsoleSocket } from './console-session';

const encoder = new TextEncoder();

/** Sends `text` in small pieces with a pause between them (a guest's serial line drops a flood), cancellably. */
export async function sendSlowly(
  send: (bytes: Uint8Array) => void,
  text: string,
  options: {
    signal: AbortSignal;
    chunk?: number;
    delayMs?: number;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<void> {
  // Code points, so a chunk never splits a surrogate pair.
  const chars = Array.from(text.replace(/\r?\n/g, '\r'));
  const chunk = options.chunk ?? 16;
  for (let i = 0; i < chars.length; i += chunk) {
    if (options.signal.aborted) throw options.signal.reason as Error;
    send(encoder.encode(chars.slice(i, i + chunk).join('')));
    const done = Math.min(chars.length, i + chunk);
    options.onProgress?.(done, chars.length);
    if (done < chars.length) await new Promise((r) => setTimeout(r, options.delayMs ?? 20));
  }
}

/** The serial console: xterm.js over the ticketed WebSocket (raw bytes both ways). */
export function SerialConsolePage() {
  const { id = '' } = useParams();
  const client = useClient();
  const screen = useRef<HTMLDivElement>(null);
  const frame = useRef<HTMLDivElement>(null);
  const socket = useRef<WebSocket | null>(null);
  const [status, setStatus] = useState<ConsoleStatus>({ kind: 'connecting' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const target = screen.current;
    if (!target) return;
    const term = new Terminal({
      convertEol: false,
      cursorBlink: true,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
      fontSize: 14,
      scrollback: 5000,
      theme: { background: '#000000' },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(target);
    fit.fit();
    const resize = new ResizeObserver(() => fit.fit());
    resize.observe(target);
    let cancelled = false;
    setStatus({ kind: 'connecting' });
    const input = term.onData((data) => {
      const ws = socket.current;
      if (ws?.readyState === WebSocket.OPEN) ws.send(encoder.encode(data));
    });
    openConsoleSocket(client, id, 'serial').then(
      (ws) => {
        if (cancelled) {
          ws.close(1000, 'left the page');
          return;
        }
        socket.current = ws;
        let opened = false;
        ws.addEventListener('open', () => {
          opened = true;
          setStatus({ kind: 'open' });
          term.focus();
          // A shell that printed its prompt before we attached shows nothing: say what to do (locally only).
          term.write('\x1b[2m[connected: press Enter for a prompt]\x1b[0m\r\n');
        });
        ws.addEventListener('message', (e: MessageEvent<unknown>) => {
          if (e.data instanceof ArrayBuffer) term.write(new Uint8Array(e.data));
          else if (typeof e.data === 'string') term.write(e.data);
        });
        ws.addEventListener('close', (e) => {
          socket.current = null;
          if (!cancelled) setStatus({ kind: 'closed', why: explainClose(e.code, e.reason, opened) });
        });
      },
      (err: unknown) => {
        if (cancelled) return;
        setStatus({ kind: 'closed', why: explainOpenFailure(err) });
      },
    );
    return () => {
      cancelled = true;
      input.dispose();
      resize.disconnect();
      socket.current?.close(1000, 'left the page');
      socket.current = null;
      term.dispose();
    };
  }, [client, id, attempt]);

  const open = status.kind === 'open';
  const send = (bytes: Uint8Array) => {
    const ws = socket.current;
    if (ws?.readyState === WebSocket.OPEN) ws.send(bytes);
  };
  return (
    <ConsoleChrome
      vmId={id}
      kind="Serial"
      status={status}
      frameRef={frame}
      onReconnect={() => setAttempt((a) => a + 1)}
      toolbar={
        <>
          <button type="button" className="btn" disabled={!open} onClick={() => send(new Uint8Array([3]))}>
            Ctrl-C
          </button>
          <button type="button" className="btn" disabled={!open} onClick={() => send(new Uint8Array([4]))}>
            Ctrl-D
          </button>
          <TypeTextButton
            disabled={!open}
            type={(text, signal, onProgress) => sendSlowly(send, text, { signal, onProgress })}
          />
        </>
      }
    >
      <div ref={screen} style={{ width: '100%', height: '100%', padding: 6 }} data-testid="serial-screen" />
    </ConsoleChrome>
  );
}
