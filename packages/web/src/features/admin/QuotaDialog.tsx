import { GiB, type Quota, type User } from '@gureum/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { TextField } from '../../components/Field';
import { ProblemAlert } from '../../components/ProblemAlert';
import { Spinner } from '../../components/Progress';
import { useToasts } from '../../components/Toasts';
import { useClient } from '../../lib/app-context';
import { formatBytes } from '../../lib/format';
import { keys } from '../../live/query-keys';

type QuotaText = Record<keyof Quota, string>;
const FIELDS: { key: keyof Quota; label: string; gib: boolean }[] = [
  { key: 'maxVms', label: 'VMs', gib: false },
  { key: 'maxVcpus', label: 'vCPUs (all VMs)', gib: false },
  { key: 'maxMemoryBytes', label: 'Memory, GiB (all VMs)', gib: true },
  { key: 'maxDiskBytes', label: 'Disk, GiB (volumes and VM disks)', gib: true },
];

/** Quota text fields → a Quota (empty = unlimited); `null` and the field in error when one is not a number. */
export function parseQuota(text: QuotaText): { quota: Quota | null; errors: Partial<QuotaText> } {
  const errors: Partial<QuotaText> = {};
  const out: Record<string, number | null> = {};
  for (const f of FIELDS) {
    const raw = text[f.key].trim();
    if (raw === '') {
      out[f.key] = null;
      continue;
    }
    if (!/^\d+(\.\d+)?$/.test(raw) || (!f.gib && !/^\d+$/.test(raw))) {
      errors[f.key] = f.gib ? 'A number of GiB, or empty for unlimited.' : 'A whole number, or empty.';
      continue;
    }
    out[f.key] = f.gib ? Math.round(Number(raw) * GiB) : Number(raw);
  }
  if (Object.keys(errors).length > 0) return { quota: null, errors };
  return {
    quota: {
      maxVms: out['maxVms'] ?? null,
      maxVcpus: out['maxVcpus'] ?? null,
      maxMemoryBytes: out['maxMemoryBytes'] ?? null,
      maxDiskBytes: out['maxDiskBytes'] ?? null,
    },
    errors,
  };
}

function toText(quota: Quota): QuotaText {
  const gib = (n: number | null) => (n === null ? '' : String(Math.round((n / GiB) * 100) / 100));
  const num = (n: number | null) => (n === null ? '' : String(n));
  return {
    maxVms: num(quota.maxVms),
    maxVcpus: num(quota.maxVcpus),
    maxMemoryBytes: gib(quota.maxMemoryBytes),
    maxDiskBytes: gib(quota.maxDiskBytes),
  };
}

/** A quota in one line. */
export function describeQuota(q: Quota): string {
  const part = (label: string, v: number | null, f: (n: number) => string) =>
    `${label} ${v === null ? '∞' : f(v)}`;
  return [
    part('VMs', q.maxVms, String),
    part('vCPUs', q.maxVcpus, String),
    part('memory', q.maxMemoryBytes, formatBytes),
    part('disk', q.maxDiskBytes, formatBytes),
  ].join(' · ');
}

/** Edits one user's quota (`PUT /users/{id}/quota`). */
export function QuotaDialog(props: { user: User; onClose: () => void }) {
  const client = useClient();
  const queryClient = useQueryClient();
  const toasts = useToasts();
  const current = useQuery({
    queryKey: keys.quota(props.user.id),
    queryFn: ({ signal }) => client.getUserQuota({ id: props.user.id }, { signal }),
    retry: false,
  });
  const [text, setText] = useState<QuotaText | null>(null);
  useEffect(() => {
    if (current.data && text === null) setText(toText(current.data));
  }, [current.data, text]);
  const parsed = text ? parseQuota(text) : null;
  const save = useMutation({
    mutationFn: (quota: Quota) => client.setUserQuota({ id: props.user.id, ...quota }),
    onSuccess: (quota) => {
      queryClient.setQueryData(keys.quota(props.user.id), quota);
      toasts.show({ kind: 'success', title: `Quota of ${props.user.username} saved` });
      props.onClose();
    },
  });
  return (
    <Dialog
      open
      title={`Quota of ${props.user.username}`}
      onClose={props.onClose}
      busy={save.isPending}
      footer={
        <>
          <button type="button" className="btn" onClick={props.onClose} disabled={save.isPending}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-primary"
            disabled={!parsed?.quota || save.isPending}
            onClick={() => parsed?.quota && save.mutate(parsed.quota)}
          >
            Save
          </button>
        </>
      }
    >
      {current.error && <ProblemAlert error={current.error} title="Cannot read the quota" />}
      {current.isPending && <Spinner label="Loading the quota" />}
      {text && (
        <div className="grid-2">
          {FIELDS.map((f) => (
            <TextField
              key={f.key}
              label={f.label}
              error={parsed?.errors[f.key]}
              hint="Empty: unlimited."
              className="input"
              inputMode="decimal"
              value={text[f.key]}
              onChange={(v) => setText({ ...text, [f.key]: v })}
            />
          ))}
        </div>
      )}
      {save.error && <ProblemAlert error={save.error} title="Quota not saved" />}
    </Dialog>
  );
}
