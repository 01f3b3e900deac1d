/**
 * The cdrom and the boot configuration of a domain: live media changes, the boot order and media as a definition
 * says, and what firmware the host offers. Libvirt errors pass through untranslated; the adapter translates.
 */
import {
  DomainDeviceModifyFlags,
  DomainState,
  DomainXmlFlags,
  ErrorNumber,
  isLibvirtError,
  type LibvirtClient,
} from '@gureum/libvirt';
import {
  bootOrderOf,
  buildCdromMediaXml,
  parseDomainCapabilitiesXml,
  parseDomainXml,
} from '@gureum/libvirt-xml';
import type { FirmwareSupport, VmBootConfig, VmCdromSpec } from '../../ports/hypervisor.js';
import { isMissingDomain } from './errors.js';
import { volumePath, type CallOpts } from './storage.js';
import { domHandle, isUuid } from './vms.js';

/**
 * How long a live media change keeps trying while QEMU refuses it because the guest closed the tray meanwhile, and
 * the pause between attempts. A guest's firmware probing the drive under TCG on a busy host can keep closing it for
 * seconds.
 */
export interface TrayRetry {
  readonly budgetMs: number;
  readonly delayMs: number;
}
export const DEFAULT_TRAY_RETRY: TrayRetry = { budgetMs: 15_000, delayMs: 250 };

/**
 * QEMU refused to remove or insert the medium because the tray was closed again after libvirt opened it: the guest
 * did it (SeaBIOS and the guest's driver probe and load the drive while it boots). Trying again succeeds. QEMU says
 * "Tray of the device is not open" (insert) or "Tray of device 'ide0-1-0' is not open" (remove).
 */
function isTrayRace(err: unknown): boolean {
  return (
    isLibvirtError(err, ErrorNumber.InternalError) &&
    /\btray of (the )?device\b.*\bnot open\b/i.test(err.message)
  );
}

/**
 * libvirt follows the tray from QEMU's events and does not open a tray it believes open. Under load that belief can
 * go stale — open in libvirt (live XML `tray='open'`), closed in QEMU — and then every media change fails with
 * "Tray … is not open" until the VM restarts. When libvirt's view is open, opening the tray through QMP makes QEMU
 * agree, and libvirt's next change goes through (the domain is marked tainted by the monitor command; that is the
 * price of the repair). Returns whether it repaired; a failure to look or to repair is not the caller's error.
 */
async function repairStaleTray(
  client: LibvirtClient,
  dom: ReturnType<typeof domHandle>,
  target: string,
  o: CallOpts,
): Promise<boolean> {
  try {
    const disk = parseDomainXml(await client.domainGetXmlDesc({ dom, flags: 0 }, o)).disks.find(
      (d) => d.target === target,
    );
    if (disk?.tray !== 'open' || disk.alias === undefined) return false;
    const cmd = JSON.stringify({ execute: 'blockdev-open-tray', arguments: { id: disk.alias, force: true } });
    await client.qemuDomainMonitorCommand({ dom, cmd, flags: 0 }, o);
    return true;
  } catch {
    return false;
  }
}

/**
 * Inserts or ejects the media of a running domain's cdrom (`domainUpdateDeviceFlags`, LIVE only). FORCE opens a tray
 * the guest locked: an installed system that mounted the ISO must not keep the API from ejecting it.
 */
export async function changeMedia(
  client: LibvirtClient,
  id: string,
  cdrom: VmCdromSpec,
  o: CallOpts,
  retry: TrayRetry = DEFAULT_TRAY_RETRY,
): Promise<void> {
  const file = cdrom.media === null ? null : await volumePath(client, cdrom.media, o);
  const xml = buildCdromMediaXml(cdrom.target, file, { bus: cdrom.bus });
  const args = {
    dom: domHandle(id),
    xml,
    flags: DomainDeviceModifyFlags.Live | DomainDeviceModifyFlags.Force,
  };
  const deadline = Date.now() + retry.budgetMs;
  for (;;) {
    try {
      await client.domainUpdateDeviceFlags(args, o);
      return;
    } catch (err: unknown) {
      if (!isTrayRace(err) || Date.now() + retry.delayMs > deadline) throw err;
    }
    await repairStaleTray(client, args.dom, cdrom.target, o);
    await new Promise((resolve) => setTimeout(resolve, retry.delayMs));
    o.signal?.throwIfAborted();
  }
}

/**
 * Boot order and media of the persistent definition, or of the running domain (`live`); null when the domain does
 * not exist, or for `live` when it does not run (libvirt would answer with the inactive definition).
 */
export async function bootConfig(
  client: LibvirtClient,
  id: string,
  live: boolean,
  o: CallOpts,
): Promise<VmBootConfig | null> {
  if (!isUuid(id)) return null;
  const dom = domHandle(id);
  try {
    if (live) {
      const { state } = await client.domainGetState({ dom, flags: 0 }, o);
      if (state === DomainState.Shutoff || state === DomainState.Crashed || state === DomainState.NoState) {
        return null;
      }
    }
    const xml = await client.domainGetXmlDesc({ dom, flags: live ? 0 : DomainXmlFlags.Inactive }, o);
    const parsed = parseDomainXml(xml);
    return {
      bootOrder: bootOrderOf(parsed),
      hasMedia: parsed.disks.some((d) => d.device === 'cdrom' && d.source !== null),
    };
  } catch (err: unknown) {
    if (isMissingDomain(err)) return null;
    throw err;
  }
}

/**
 * What firmware new VMs can have, from libvirt's domain capabilities for the machine and domain type Gureum
 * defines (`pc`): UEFI when libvirt can auto-select an EFI build or knows a pflash loader (OVMF installed).
 */
export async function firmwareSupport(
  client: LibvirtClient,
  domainType: 'qemu' | 'kvm',
  o: CallOpts,
): Promise<FirmwareSupport> {
  const xml = await client.connectGetDomainCapabilities(
    { emulatorbin: null, arch: 'x86_64', machine: 'pc', virttype: domainType, flags: 0 },
    o,
  );
  return { uefi: parseDomainCapabilitiesXml(xml).efiSupported };
}
