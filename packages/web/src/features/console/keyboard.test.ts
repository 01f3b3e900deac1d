import { ConsoleCloseCode } from '@gureum/contract';
import { describe, expect, it } from 'vitest';
import { consoleSocketUrl, explainClose } from './console-session';
import { COMBOS, XK, pressCombo, strokesOf, typeText } from './keyboard';

type Sent = [number, string | null, boolean];

describe('strokesOf', () => {
  it('types capitals and shifted symbols as Shift + the key, as on a US keyboard', () => {
    expect(strokesOf('aA!')).toEqual([
      { keysym: 0x61, code: 'KeyA', shift: false },
      { keysym: 0x41, code: 'KeyA', shift: true },
      { keysym: 0x21, code: 'Digit1', shift: true },
    ]);
  });

  it('turns new lines (CRLF counts once) into Enter and skips other control characters', () => {
    expect(strokesOf('a\r\nb\u0007').map((s) => s.code)).toEqual(['KeyA', 'Enter', 'KeyB']);
  });

  it('gives characters outside the US layout their Unicode keysym and no physical key', () => {
    expect(strokesOf('é€')).toEqual([
      { keysym: 0xe9, code: null, shift: false },
      { keysym: 0x010020ac, code: null, shift: false },
    ]);
  });
});

describe('typeText', () => {
  it('presses and releases every key, Shift around capitals, and can be cancelled between keys', async () => {
    const sent: Sent[] = [];
    const send = (k: number, c: string | null, d: boolean) => void sent.push([k, c, d]);
    await typeText(send, 'Hi', { signal: new AbortController().signal, delayMs: 0 });
    expect(sent).toEqual([
      [XK.Shift_L, 'ShiftLeft', true],
      [0x48, 'KeyH', true],
      [0x48, 'KeyH', false],
      [XK.Shift_L, 'ShiftLeft', false],
      [0x69, 'KeyI', true],
      [0x69, 'KeyI', false],
    ]);

    const abort = new AbortController();
    const typed: Sent[] = [];
    const progress: number[] = [];
    const run = typeText((k, c, d) => void typed.push([k, c, d]), 'abcdef', {
      signal: abort.signal,
      delayMs: 20,
      onProgress: (n) => {
        progress.push(n);
        if (n === 2) abort.abort(new Error('cancelled'));
      },
    });
    await expect(run).rejects.toThrow('cancelled');
    expect(progress).toEqual([1, 2]);
    expect(typed.filter(([, , down]) => down)).toHaveLength(2); // no key left held down
    expect(typed.filter(([, , down]) => !down)).toHaveLength(2);
  });
});

describe('key combinations', () => {
  it('holds the modifiers in order and releases them in reverse', () => {
    const combo = COMBOS.find((c) => c.label === 'Ctrl-Alt-F2');
    if (!combo) throw new Error('no Ctrl-Alt-F2');
    const sent: Sent[] = [];
    pressCombo((k, c, d) => void sent.push([k, c, d]), combo);
    expect(sent.map(([, c, d]) => `${c}${d ? '↓' : '↑'}`)).toEqual([
      'ControlLeft↓',
      'AltLeft↓',
      'F2↓',
      'F2↑',
      'AltLeft↑',
      'ControlLeft↑',
    ]);
  });
});

describe('console sessions', () => {
  it('builds the WebSocket URL of a ticket on this origin', () => {
    expect(consoleSocketUrl('http://127.0.0.1:8080', '/api/v1/consoles/abc')).toBe(
      'ws://127.0.0.1:8080/api/v1/consoles/abc',
    );
    expect(consoleSocketUrl('https://gureum.example', '/api/v1/consoles/abc')).toBe(
      'wss://gureum.example/api/v1/consoles/abc',
    );
  });

  it('says why a console closed and offers to reconnect', () => {
    expect(explainClose(1006, '', false).title).toBe('The console could not be opened');
    expect(explainClose(ConsoleCloseCode.VmStopped, 'stopped', true)).toMatchObject({
      title: 'The VM stopped',
      canReconnect: true,
    });
    expect(explainClose(ConsoleCloseCode.IdleTimeout, 'idle', true).detail).toContain('idle');
    expect(explainClose(1006, '', true).title).toBe('Connection lost');
  });
});
