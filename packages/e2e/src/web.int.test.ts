// End to end through the browser: the web app served by a real server process (as `npm start` runs it), driven in
// Debian's chromium by playwright-core, with a real libvirtd and the tiny test guest. virsh acts from outside.
// Screenshots of each page go to .cache/screenshots/web/ (test artifacts, not committed).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Image } from '@gureum/contract';
import { repoRoot, virshOk } from '@gureum/test-support';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGureum, uploadTestImage, type GureumServer } from './harness.js';
import { waitForBoot } from './observe.js';

const execFileP = promisify(execFile);
const CHROMIUM = process.env.GUREUM_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(repoRoot, '.cache/screenshots/web');
const WEB_INDEX = join(repoRoot, 'packages/web/dist/index.html');

let gureum: GureumServer | undefined;
let browser: Browser | undefined;
let page: Page | undefined;
let image: Image;
let vmName = '';
let vmId = '';

function server(): GureumServer {
  if (!gureum) throw new Error('no server');
  return gureum;
}
function thePage(): Page {
  if (!page) throw new Error('no browser page');
  return page;
}
async function shot(name: string): Promise<void> {
  await thePage().screenshot({ path: join(SHOTS, `${name}.png`) });
}
/** The state badge of a VM's row in the list. */
function rowState(name: string) {
  return thePage()
    .locator('[role="row"]', { has: thePage().getByRole('link', { name, exact: true }) })
    .locator('[data-col="state"]');
}

beforeAll(async () => {
  if (!existsSync(WEB_INDEX)) {
    await execFileP('npm', ['run', '--silent', 'build', '-w', '@gureum/web'], { cwd: repoRoot });
  }
  await mkdir(SHOTS, { recursive: true });
  gureum = await startGureum({ dialect: 'sqlite' });
  image = await uploadTestImage(gureum.client, gureum.name('img'));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1366, height: 820 } });
  page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  await browser?.close();
  await gureum?.dispose();
});

describe('web app', () => {
  it('serves the app at / on the API port and logs in (the token never in a URL)', async () => {
    const p = thePage();
    const urls: string[] = [];
    p.on('request', (r) => urls.push(r.url()));
    await p.goto(`${server().url}/vms`);
    await p.getByRole('heading', { name: 'Log in' }).waitFor();
    await shot('01-login');
    await p.getByLabel('Username').fill('admin');
    await p.getByLabel('Password').fill(server().adminPassword);
    await p.getByRole('button', { name: 'Log in' }).click();
    await p.getByRole('heading', { name: 'Virtual machines', exact: true }).waitFor();
    await shot('02-vm-list-empty');
    const token = await p.evaluate<string>('JSON.parse(sessionStorage.getItem("gureum.session")).token');
    expect(token.length).toBeGreaterThan(10);
    expect(urls.filter((u) => u.includes(token))).toEqual([]);
  });

  it('creates a VM from the test image with the wizard and sees it reach Running without a reload', async () => {
    const p = thePage();
    vmName = server().name('web');
    await p.getByRole('link', { name: 'Create VM' }).click();
    await p.getByLabel('Disk image', { exact: true }).selectOption(image.id);
    await shot('03-create-source');
    await p.getByRole('button', { name: 'Next' }).click();
    await p.getByLabel('Name', { exact: true }).fill('Not_Valid');
    await p.getByText('Use lowercase letters only.').waitFor();
    await p.getByLabel('Name', { exact: true }).fill(vmName);
    await p.getByLabel('Memory', { exact: true }).fill('128');
    await p.getByRole('button', { name: 'Next' }).click();
    await p.getByRole('heading', { name: 'Your quota' }).waitFor();
    await shot('04-create-review');
    let reloads = 0;
    p.on('load', () => reloads++);
    await p.getByRole('button', { name: 'Create VM' }).click();
    await p.waitForURL(/\/vms\/[0-9a-f-]{36}$/, { timeout: 60_000 });
    await p.getByTestId('vm-state').getByText('Running').waitFor({ timeout: 60_000 });
    expect(reloads).toBe(0);
    vmId = p.url().split('/').pop() ?? '';
    await shot('05-vm-detail-running');
  });

  it('opens the serial console, sees the guest, types a command and reads its output', async () => {
    const p = thePage();
    await waitForBoot(server().serialLog(vmId), 1);
    await p.getByRole('link', { name: 'Serial console' }).click();
    await p.getByTestId('console-status').getByText('Connected').waitFor();
    await p.locator('.xterm-helper-textarea').focus();
    await p.keyboard.type('echo web-$((6*7))\n', { delay: 20 });
    await p.locator('.xterm-rows').getByText('web-42').first().waitFor();
    await shot('06-serial-console');
  });

  it('opens the VNC console and draws the screen (the canvas is not blank)', async () => {
    const p = thePage();
    await p.goto(`${server().url}/vms/${vmId}/console/vnc`);
    await p.getByTestId('console-status').getByText('Connected').waitFor();
    const lit = await p.waitForFunction(
      `(() => {
        const c = document.querySelector('[data-testid="vnc-screen"] canvas');
        if (!c || c.width === 0 || c.height === 0) return false;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let lit = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 96) lit++;
        return lit > 100 ? lit : false;
      })()`,
      undefined,
      { timeout: 30_000 },
    );
    expect(Number(await lit.jsonValue())).toBeGreaterThan(100);
    await shot('07-vnc-console');
  });

  it('stops the VM from the UI; the list shows it Stopped', async () => {
    const p = thePage();
    await p.goto(`${server().url}/vms/${vmId}`);
    await p.getByRole('button', { name: 'Stop', exact: true }).click();
    await p.getByTestId('vm-state').getByText('Stopped').waitFor({ timeout: 90_000 });
    await p.getByRole('link', { name: 'Virtual machines', exact: true }).first().click();
    await rowState(vmName).getByText('Stopped').waitFor();
    await shot('08-vm-list-stopped');
  });

  it('shows an external virsh destroy in the list within 1 s, without a reload', async () => {
    const p = thePage();
    await p.goto(`${server().url}/vms/${vmId}`);
    await p.getByRole('button', { name: 'Start', exact: true }).click();
    await p.getByTestId('vm-state').getByText('Running').waitFor({ timeout: 60_000 });
    await p.getByRole('link', { name: 'Virtual machines', exact: true }).first().click();
    await rowState(vmName).getByText('Running').waitFor();
    let reloads = 0;
    p.on('load', () => reloads++);
    await virshOk(['destroy', vmName]);
    const destroyed = Date.now();
    await rowState(vmName).getByText('Stopped').waitFor({ timeout: 5_000 });
    const latency = Date.now() - destroyed;
    expect(latency).toBeLessThan(1000);
    expect(reloads).toBe(0);
  });

  it('deletes the VM after showing what the dry run says would go', async () => {
    const p = thePage();
    await p.getByRole('link', { name: vmName, exact: true }).click();
    await p.getByRole('button', { name: 'Delete…' }).click();
    const plan = p.getByTestId('delete-plan');
    await plan.waitFor();
    expect(await plan.locator('li').count()).toBeGreaterThan(0);
    expect(await plan.innerText()).toContain('volume');
    await shot('09-delete-plan');
    await p.getByRole('button', { name: 'Delete VM' }).click();
    await p.waitForURL(/\/vms$/, { timeout: 60_000 });
    await p.getByRole('link', { name: vmName, exact: true }).waitFor({ state: 'detached' });
    await shot('10-vm-list-after-delete');
  });

  it('shows the other pages: images, tasks, tokens, users, audit', async () => {
    const p = thePage();
    for (const [path, heading, name] of [
      ['/images', 'Images', '11-images'],
      ['/tasks', 'Tasks', '12-tasks'],
      ['/tokens', 'API tokens', '13-tokens'],
      ['/admin/users', 'Users', '14-users'],
      ['/admin/audit', 'Audit log', '15-audit'],
    ] as const) {
      await p.goto(`${server().url}${path}`);
      await p.getByRole('heading', { name: heading, exact: true }).waitFor();
      await p.waitForLoadState('networkidle');
      await shot(name);
    }
  });
});
