import { GiB, MiB, TiB, type Usage, type VmCreate } from '@gureum/contract';
import { formatBytes, toBytes, type SizeUnit } from '../../lib/format';
import { vmNameProblem } from '../../lib/names';

/** The create wizard's fields, as typed. */
export interface CreateVmForm {
  readonly source: 'image' | 'iso';
  readonly imageId: string;
  readonly isoImageId: string;
  readonly diskSize: string;
  readonly diskUnit: SizeUnit;
  readonly name: string;
  readonly vcpus: string;
  readonly memory: string;
  readonly memoryUnit: SizeUnit;
  readonly description: string;
  readonly tags: string;
  readonly start: boolean;
  readonly networks: readonly string[];
}

export const INITIAL_FORM: CreateVmForm = {
  source: 'image',
  imageId: '',
  isoImageId: '',
  diskSize: '10',
  diskUnit: 'GiB',
  name: '',
  vcpus: '1',
  memory: '512',
  memoryUnit: 'MiB',
  description: '',
  tags: '',
  start: true,
  networks: [],
};

export type FormErrors = Partial<Record<keyof CreateVmForm, string>>;

const TAG = /^[a-z0-9]([a-z0-9._:-]{0,61}[a-z0-9])?$/;

/** The tags typed as `web, prod` → `['web', 'prod']`. */
export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,]+/)
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}

/**
 * Checks the form with the same limits as the API (the contract's name rule, vCPUs 1–256, memory 64 MiB–1 TiB,
 * disk 1 MiB–16 TiB, tags as labels) and builds the `POST /vms` body when everything is valid.
 */
export function validateCreateVm(form: CreateVmForm): { errors: FormErrors; body: VmCreate | null } {
  const errors: FormErrors = {};
  const nameProblem = vmNameProblem(form.name);
  if (nameProblem) errors.name = nameProblem;
  const vcpus = Number(form.vcpus);
  if (!/^\d+$/.test(form.vcpus.trim()) || vcpus < 1 || vcpus > 256) errors.vcpus = 'Between 1 and 256.';
  const memoryBytes = toBytes(form.memory, form.memoryUnit);
  if (memoryBytes === null) errors.memory = 'A positive number.';
  else if (memoryBytes < 64 * MiB) errors.memory = 'At least 64 MiB.';
  else if (memoryBytes > TiB) errors.memory = 'At most 1 TiB.';
  let diskBytes: number | null = null;
  if (form.source === 'image') {
    if (!form.imageId) errors.imageId = 'Choose a disk image.';
  } else {
    if (!form.isoImageId) errors.isoImageId = 'Choose an installer ISO.';
    diskBytes = toBytes(form.diskSize, form.diskUnit);
    if (diskBytes === null) errors.diskSize = 'A positive number.';
    else if (diskBytes > 16 * 1024 * GiB) errors.diskSize = 'At most 16 TiB.';
  }
  const tags = parseTags(form.tags);
  const badTag = tags.find((t) => !TAG.test(t));
  if (badTag) errors.tags = `“${badTag}” is not a valid tag (lowercase letters, digits, . _ : -).`;
  else if (tags.length > 32) errors.tags = 'At most 32 tags.';
  if (form.description.length > 1024) errors.description = 'At most 1,024 characters.';
  if (Object.keys(errors).length > 0 || memoryBytes === null) return { errors, body: null };

  const source: VmCreate['source'] =
    form.source === 'image'
      ? { imageId: form.imageId }
      : { blank: { sizeBytes: diskBytes ?? 0 }, isoImageId: form.isoImageId };
  const body: VmCreate = {
    name: form.name,
    vcpus,
    memoryBytes,
    source,
    start: form.start,
    ...(form.description ? { description: form.description } : {}),
    ...(tags.length > 0 ? { tags } : {}),
    ...(form.networks.length > 0 ? { networks: [...form.networks] } : {}),
  };
  return { errors, body };
}

/** One line of the quota summary: what is used, what this VM adds, and the limit. */
export interface QuotaLine {
  readonly label: string;
  readonly used: number;
  readonly adding: number;
  readonly max: number | null;
  readonly format: (n: number) => string;
  /** The VM would go over this limit. */
  readonly over: boolean;
}

/** The quota lines shown before submitting (the server enforces them; this warns early). */
export function quotaLines(
  usage: Usage,
  body: Pick<VmCreate, 'vcpus' | 'memoryBytes' | 'source'>,
): QuotaLine[] {
  const disk = 'blank' in body.source ? body.source.blank.sizeBytes : 0;
  const count = (n: number) => String(n);
  const line = (
    label: string,
    used: number,
    adding: number,
    max: number | null,
    format: (n: number) => string,
  ): QuotaLine => ({ label, used, adding, max, format, over: max !== null && used + adding > max });
  return [
    line('VMs', usage.vms, 1, usage.quota.maxVms, count),
    line('vCPUs', usage.vcpus, body.vcpus, usage.quota.maxVcpus, count),
    line('Memory', usage.memoryBytes, body.memoryBytes, usage.quota.maxMemoryBytes, formatBytes),
    line('Disk', usage.diskBytes, disk, usage.quota.maxDiskBytes, formatBytes),
  ];
}
