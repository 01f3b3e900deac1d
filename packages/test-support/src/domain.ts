import { execFile } from 'node:child_process';

/** Options of {@link testDomainXml}: the verified layout of shared/TEST-GUESTS.md (machine pc, TCG, ACPI). */
export interface TestDomainOptions {
  name: string;
  /** Default 128 (80 is the minimum that boots; the initramfs with qemu-guest-agent wants 128). */
  memoryMiB?: number;
  /** qcow2 attached as virtio `vda` (an overlay of guests.disk, or a blank disk for the installer). */
  disk?: string;
  /** ISO attached as IDE cdrom `hdc`; `null` = an empty drive. */
  cdrom?: string | null;
  /** Per-device boot order; default `['cdrom', 'hd']` when a cdrom is given, else `['hd']`. */
  boot?: ('hd' | 'cdrom')[];
  /** Direct kernel boot (guests.vmlinuz / guests.initrd) with this command line. */
  kernel?: { vmlinuz: string; initrd: string; cmdline: string };
  /** Serial log file (truncated at each start). */
  serialLog: string;
  /** Unix socket of an interactive serial console ({@link SerialConsole}); without it the serial is a file. */
  serialSocket?: string;
  /** libvirt network name: adds a virtio NIC (the guest runs DHCP and prints TG-LEASE ip=...). */
  network?: string;
  /** Adds the org.qemu.guest_agent.0 channel. */
  guestAgent?: boolean;
  /** Adds VGA + a VNC server on 127.0.0.1 (autoport). */
  vnc?: boolean;
}

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/'/g, '&apos;')
    .replace(/"/g, '&quot;');
}

/**
 * Domain XML for a test guest: `<domain type='qemu'>` (TCG), machine `pc`, `<acpi/>` (needed for poweroff and
 * `virsh shutdown`), on_poweroff destroy, on_reboot restart, no balloon.
 *
 * @example
 * ```ts
 * const xml = testDomainXml({ name: 'tg-x', disk: overlay, serialLog: log, serialSocket: sock });
 * ```
 */
export function testDomainXml(o: TestDomainOptions): string {
  const boot = o.boot ?? (o.cdrom !== undefined ? ['cdrom', 'hd'] : ['hd']);
  const order = (dev: 'hd' | 'cdrom'): string => {
    const i = boot.indexOf(dev);
    return i < 0 || o.kernel ? '' : `<boot order='${i + 1}'/>`;
  };
  const dev: string[] = [];
  if (o.disk !== undefined) {
    dev.push(
      `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${esc(o.disk)}'/>` +
        `<target dev='vda' bus='virtio'/>${order('hd')}</disk>`,
    );
  }
  if (o.cdrom !== undefined) {
    const src = o.cdrom === null ? '' : `<source file='${esc(o.cdrom)}'/>`;
    dev.push(
      `<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>${src}<target dev='hdc' bus='ide'/>` +
        `<readonly/>${order('cdrom')}</disk>`,
    );
  }
  if (o.network !== undefined) {
    dev.push(
      `<interface type='network'><source network='${esc(o.network)}'/><model type='virtio'/></interface>`,
    );
  }
  const log = `<log file='${esc(o.serialLog)}' append='off'/>`;
  if (o.serialSocket !== undefined) {
    const src = `<source mode='bind' path='${esc(o.serialSocket)}'/>`;
    dev.push(`<serial type='unix'>${src}${log}<target port='0'/></serial>`);
    dev.push(`<console type='unix'>${src}<target type='serial' port='0'/></console>`);
  } else {
    dev.push(
      `<serial type='file'><source path='${esc(o.serialLog)}' append='off'/><target port='0'/></serial>`,
    );
  }
  if (o.guestAgent)
    dev.push(`<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>`);
  if (o.vnc)
    dev.push(`<graphics type='vnc' autoport='yes' listen='127.0.0.1'/><video><model type='vga'/></video>`);
  dev.push(`<memballoon model='none'/>`);
  const kernel = o.kernel
    ? `<kernel>${esc(o.kernel.vmlinuz)}</kernel><initrd>${esc(o.kernel.initrd)}</initrd>` +
      `<cmdline>${esc(o.kernel.cmdline)}</cmdline>`
    : '';
  return [
    `<domain type='qemu'>`,
    `  <name>${esc(o.name)}</name>`,
    `  <memory unit='MiB'>${o.memoryMiB ?? 128}</memory><vcpu>1</vcpu>`,
    `  <os><type arch='x86_64' machine='pc'>hvm</type>${kernel}</os>`,
    `  <features><acpi/></features>`,
    `  <on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>`,
    `  <devices>`,
    ...dev.map((d) => `    ${d}`),
    `  </devices>`,
    `</domain>`,
    '',
  ].join('\n');
}

function qemuImg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('qemu-img', args, (err, _stdout, stderr) => {
      if (err) reject(new Error(`qemu-img ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}

/** `qemu-img create -f qcow2 -F qcow2 -b BACKING PATH`: a throw-away overlay of guests.disk. */
export function createOverlay(backing: string, path: string): Promise<void> {
  return qemuImg(['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', backing, path]);
}

/** A blank qcow2 of `sizeMiB` (64-256 MiB for the installer). */
export function createBlankDisk(path: string, sizeMiB: number): Promise<void> {
  return qemuImg(['create', '-q', '-f', 'qcow2', path, `${sizeMiB}M`]);
}
