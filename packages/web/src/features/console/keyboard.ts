/**
 * Keys for the VNC console, as the RFB protocol wants them: an X11 keysym plus, for QEMU's extended key events,
 * the physical key (`KeyboardEvent.code`, which noVNC turns into a scancode). QEMU uses the scancode when it has
 * one, so a capital letter must be typed as Shift + the letter's key, exactly as on a US keyboard.
 */

/** One key to press and release. */
export interface KeyStroke {
  readonly keysym: number;
  /** The physical key (US layout); null when there is none (noVNC then sends the keysym alone). */
  readonly code: string | null;
  readonly shift: boolean;
}

export const XK = {
  BackSpace: 0xff08,
  Tab: 0xff09,
  Return: 0xff0d,
  Escape: 0xff1b,
  Delete: 0xffff,
  Shift_L: 0xffe1,
  Control_L: 0xffe3,
  Alt_L: 0xffe9,
  Super_L: 0xffeb,
  F1: 0xffbe,
} as const;

// The US layout: unshifted character, shifted character, physical key.
const PAIRS: readonly (readonly [string, string, string])[] = [
  ['`', '~', 'Backquote'],
  ['1', '!', 'Digit1'],
  ['2', '@', 'Digit2'],
  ['3', '#', 'Digit3'],
  ['4', '$', 'Digit4'],
  ['5', '%', 'Digit5'],
  ['6', '^', 'Digit6'],
  ['7', '&', 'Digit7'],
  ['8', '*', 'Digit8'],
  ['9', '(', 'Digit9'],
  ['0', ')', 'Digit0'],
  ['-', '_', 'Minus'],
  ['=', '+', 'Equal'],
  ['[', '{', 'BracketLeft'],
  [']', '}', 'BracketRight'],
  ['\\', '|', 'Backslash'],
  [';', ':', 'Semicolon'],
  ["'", '"', 'Quote'],
  [',', '<', 'Comma'],
  ['.', '>', 'Period'],
  ['/', '?', 'Slash'],
];

const US = new Map<string, { code: string; shift: boolean }>();
for (const [plain, shifted, code] of PAIRS) {
  US.set(plain, { code, shift: false });
  US.set(shifted, { code, shift: true });
}
for (let c = 0; c < 26; c++) {
  const lower = String.fromCharCode(0x61 + c);
  const code = `Key${lower.toUpperCase()}`;
  US.set(lower, { code, shift: false });
  US.set(lower.toUpperCase(), { code, shift: true });
}
US.set(' ', { code: 'Space', shift: false });

/** The keysym of a character: Latin-1 maps to itself, the rest of Unicode to 0x01000000 + code point. */
export function keysymOf(char: string): number {
  const cp = char.codePointAt(0) ?? 0;
  if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff)) return cp;
  return 0x01000000 + cp;
}

/** The keystroke that types `char`, or null for characters that cannot be typed (other control characters). */
export function strokeOf(char: string): KeyStroke | null {
  if (char === '\n' || char === '\r') return { keysym: XK.Return, code: 'Enter', shift: false };
  if (char === '\t') return { keysym: XK.Tab, code: 'Tab', shift: false };
  const cp = char.codePointAt(0) ?? 0;
  if (cp < 0x20 || cp === 0x7f) return null;
  const us = US.get(char);
  return { keysym: keysymOf(char), code: us?.code ?? null, shift: us?.shift ?? false };
}

/** The keystrokes of a text ("\r\n" counts as one Enter); characters that cannot be typed are skipped. */
export function strokesOf(text: string): KeyStroke[] {
  const out: KeyStroke[] = [];
  const normalized = text.replace(/\r\n/g, '\n');
  for (const char of normalized) {
    const stroke = strokeOf(char);
    if (stroke) out.push(stroke);
  }
  return out;
}

/** A key combination: modifiers held while `key` is pressed. */
export interface KeyCombo {
  readonly label: string;
  readonly keys: readonly { keysym: number; code: string }[];
}

const ctrl = { keysym: XK.Control_L, code: 'ControlLeft' };
const alt = { keysym: XK.Alt_L, code: 'AltLeft' };
const fn = (n: number) => ({ keysym: XK.F1 + n - 1, code: `F${n}` });

/** The combinations the console offers besides Ctrl-Alt-Del (which noVNC sends itself). */
export const COMBOS: readonly KeyCombo[] = [
  { label: 'Ctrl-Alt-Backspace', keys: [ctrl, alt, { keysym: XK.BackSpace, code: 'Backspace' }] },
  { label: 'Ctrl-Alt-F1', keys: [ctrl, alt, fn(1)] },
  { label: 'Ctrl-Alt-F2', keys: [ctrl, alt, fn(2)] },
  { label: 'Ctrl-Alt-F7', keys: [ctrl, alt, fn(7)] },
  { label: 'Alt-Tab', keys: [alt, { keysym: XK.Tab, code: 'Tab' }] },
  { label: 'Alt-F4', keys: [alt, fn(4)] },
  { label: 'Ctrl-C', keys: [ctrl, { keysym: 0x63, code: 'KeyC' }] },
  { label: 'Ctrl-D', keys: [ctrl, { keysym: 0x64, code: 'KeyD' }] },
  { label: 'Escape', keys: [{ keysym: XK.Escape, code: 'Escape' }] },
];

/** Something that sends key events (noVNC's `RFB.sendKey`). */
export type SendKey = (keysym: number, code: string | null, down: boolean) => void;

/** Presses a combination: modifiers down in order, all up in reverse. */
export function pressCombo(send: SendKey, combo: KeyCombo): void {
  for (const k of combo.keys) send(k.keysym, k.code, true);
  for (const k of [...combo.keys].reverse()) send(k.keysym, k.code, false);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Types `text` as keystrokes, one every `delayMs` (guests drop keys sent faster than they poll), reporting how many
 * were typed. Aborting `signal` stops between two keys, never with a key or Shift held down.
 */
export async function typeText(
  send: SendKey,
  text: string,
  options: { signal: AbortSignal; delayMs?: number; onProgress?: (typed: number, total: number) => void },
): Promise<void> {
  const strokes = strokesOf(text);
  const delay = options.delayMs ?? 15;
  for (const [i, s] of strokes.entries()) {
    if (options.signal.aborted) throw options.signal.reason as Error;
    if (s.shift) send(XK.Shift_L, 'ShiftLeft', true);
    send(s.keysym, s.code, true);
    send(s.keysym, s.code, false);
    if (s.shift) send(XK.Shift_L, 'ShiftLeft', false);
    options.onProgress?.(i + 1, strokes.length);
    if (i < strokes.length - 1) await sleep(delay, options.signal);
  }
}
