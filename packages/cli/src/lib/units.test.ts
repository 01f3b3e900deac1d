import { describe, expect, it } from 'vitest';
import { formatAge, formatDuration, formatSize, parseDuration, parseSize } from './units.js';

describe('parseSize', () => {
  it.each([
    ['512', 512],
    ['512M', 512 * 2 ** 20],
    ['512m', 512 * 2 ** 20],
    ['512MB', 512 * 2 ** 20],
    ['512MiB', 512 * 2 ** 20],
    ['2G', 2 * 2 ** 30],
    ['1.5G', 1.5 * 2 ** 30],
    ['1K', 1024],
    ['100G', 100 * 2 ** 30],
    ['1T', 2 ** 40],
    [' 8 G ', 8 * 2 ** 30],
  ])('%s → %d bytes (binary units)', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', 'abc', '-1G', '1X', '1.1', '0.3K', 'G', '1e9', '1GG'])('rejects %j', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });
});

describe('formatSize', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [512 * 2 ** 20, '512 MiB'],
    [2 ** 30, '1 GiB'],
    [1.5 * 2 ** 30, '1.5 GiB'],
    [16 * 2 ** 40, '16 TiB'],
  ])('%d → %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });
});

describe('parseDuration', () => {
  it.each([
    ['60s', 60_000],
    ['60', 60_000],
    ['1.5', 1500],
    ['500ms', 500],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['30d', 30 * 86_400_000],
    ['2w', 14 * 86_400_000],
    ['1M', 60_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'soon', '5x', 'm5', '-5s', '5 m s'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration and formatAge', () => {
  it('formats durations for humans', () => {
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(4000)).toBe('4s');
    expect(formatDuration(65_000)).toBe('1m 5s');
    expect(formatDuration(120_000)).toBe('2m');
    expect(formatDuration(7_380_000)).toBe('2h 3m');
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe('3d 4h');
  });

  it('says how long ago, and gives the date when it is long ago', () => {
    const now = new Date('2025-03-01T12:00:00Z');
    expect(formatAge('2025-03-01T11:59:30Z', now)).toBe('30s ago');
    expect(formatAge('2025-03-01T11:00:00Z', now)).toBe('1h ago');
    expect(formatAge('2025-02-25T12:00:00Z', now)).toBe('4d ago');
    expect(formatAge('2024-01-01T00:00:00Z', now)).toBe('2024-01-01');
    expect(formatAge('2025-03-02T00:00:00Z', now)).toBe('just now');
  });
});
