import { describe, expect, it } from 'vitest';
import { palette } from './format.js';
import { renderFields, renderTable, visibleLength } from './table.js';

const rows = [
  { name: 'web-1', state: 'running', mem: '512 MiB' },
  { name: 'database-primary', state: 'stopped', mem: '16 GiB' },
];

describe('renderTable', () => {
  it('aligns columns under their headers, numbers to the right, without trailing blanks', () => {
    const out = renderTable(
      [
        { header: 'NAME', value: (r: (typeof rows)[number]) => r.name },
        { header: 'MEMORY', value: (r) => r.mem, align: 'right' },
        { header: 'STATE', value: (r) => r.state },
      ],
      rows,
    );
    expect(out).toBe(
      [
        'NAME               MEMORY  STATE',
        'web-1             512 MiB  running',
        'database-primary   16 GiB  stopped',
        '',
      ].join('\n'),
    );
    for (const line of out.split('\n')) expect(line).toBe(line.trimEnd());
  });

  it('ignores colour sequences when measuring', () => {
    const p = palette(true);
    const out = renderTable(
      [
        { header: 'STATE', value: (r: (typeof rows)[number]) => p.green(r.state) },
        { header: 'NAME', value: (r) => r.name },
      ],
      rows,
    );
    const plain = out.replaceAll(p.green('running'), 'running');
    expect(plain.split('\n')[1]).toBe('running  web-1');
    expect(visibleLength(p.red('héllo'))).toBe(5);
  });

  it('prints only the header for no rows', () => {
    expect(renderTable([{ header: 'NAME', value: (r: { n: string }) => r.n }], [])).toBe('NAME\n');
  });
});

describe('renderFields', () => {
  it('aligns values and leaves out missing ones', () => {
    expect(
      renderFields([
        ['Name', 'web-1'],
        ['Media', undefined],
        ['Boot order', 'hd'],
      ]),
    ).toBe('Name:        web-1\nBoot order:  hd\n');
  });
});
