import { describe, expect, it } from 'vitest';
import { ProgressLine, RateMeter, renderBar, renderTaskProgress, renderTransfer } from './progress.js';

const MiB = 2 ** 20;

describe('renderBar', () => {
  it('fills in proportion, with a head until full', () => {
    expect(renderBar(0, 10)).toBe('[>         ]');
    expect(renderBar(0.5, 10)).toBe('[=====>    ]');
    expect(renderBar(1, 10)).toBe('[==========]');
    expect(renderBar(2, 10)).toBe('[==========]');
    expect(renderBar(Number.NaN, 4)).toBe('[>   ]');
  });
});

describe('renderTransfer', () => {
  it('shows bar, percentage, bytes, rate and ETA', () => {
    expect(
      renderTransfer(
        { loadedBytes: 5 * MiB, totalBytes: 10 * MiB, bytesPerSecond: MiB, elapsedMs: 5000 },
        10,
      ),
    ).toBe('[=====>    ]   50%  5 MiB / 10 MiB  1 MiB/s  ETA 5s');
  });

  it('says the ETA is unknown before a rate is known', () => {
    expect(renderTransfer({ loadedBytes: 0, totalBytes: 10 * MiB, elapsedMs: 0 }, 10)).toBe(
      '[>         ]    0%  0 B / 10 MiB  ETA --',
    );
  });

  it('shows the average rate and the time taken when done', () => {
    expect(
      renderTransfer({ loadedBytes: 10 * MiB, totalBytes: 10 * MiB, elapsedMs: 2000, done: true }, 10),
    ).toBe('[==========]  100%  10 MiB / 10 MiB  5 MiB/s  in 2s');
  });

  it('treats an empty file as complete', () => {
    expect(renderTransfer({ loadedBytes: 0, totalBytes: 0, elapsedMs: 1, done: true }, 4)).toContain('100%');
  });
});

describe('renderTaskProgress', () => {
  it('shows the task, its status, message and elapsed time', () => {
    expect(
      renderTaskProgress(
        { kind: 'vm.create', status: 'running', progress: 0.25, message: 'copying disk' },
        3000,
        8,
      ),
    ).toBe('[==>     ]   25%  vm.create  running  — copying disk  (3s)');
  });
});

describe('RateMeter', () => {
  it('measures over a sliding window', () => {
    const meter = new RateMeter(3000);
    meter.add(0, 0);
    expect(meter.rate()).toBeUndefined();
    meter.add(1000, MiB);
    expect(meter.rate()).toBe(MiB);
    meter.add(5000, 2 * MiB); // the first sample leaves the window
    meter.add(6000, 5 * MiB);
    expect(meter.rate()).toBe(3 * MiB);
  });
});

describe('ProgressLine', () => {
  it('redraws in place on a terminal, throttled, and ends the line', () => {
    let t = 0;
    const out: string[] = [];
    const line = new ProgressLine({ write: (s: string) => out.push(s) }, true, () => t);
    line.update('a');
    t = 50;
    line.update('b'); // throttled
    t = 200;
    line.update('c');
    line.done('final');
    expect(out).toEqual(['\ra\x1b[K', '\rc\x1b[K', '\rfinal\x1b[K\n']);
  });

  it('writes plain lines elsewhere, at most once a second, and the final one', () => {
    let t = 0;
    const out: string[] = [];
    const line = new ProgressLine({ write: (s: string) => out.push(s) }, false, () => t);
    line.update('10%');
    t = 500;
    line.update('50%');
    t = 1500;
    line.update('90%');
    line.done('100%');
    line.update('ignored after done');
    expect(out).toEqual(['10%\n', '90%\n', '100%\n']);
  });

  it('clears a live line before an error is printed', () => {
    const out: string[] = [];
    const line = new ProgressLine({ write: (s: string) => out.push(s) }, true, () => 0);
    line.update('x');
    line.clear();
    line.done('not written');
    expect(out).toEqual(['\rx\x1b[K', '\r\x1b[K']);
  });
});
