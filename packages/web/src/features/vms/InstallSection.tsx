import type { BootOrder, Vm } from '@gureum/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ProblemAlert } from '../../components/ProblemAlert';
import { StatusBadge } from '../../components/StateBadge';
import { useToasts } from '../../components/Toasts';
import { useClient } from '../../lib/app-context';
import { formatDateTime } from '../../lib/format';
import { keys } from '../../live/query-keys';
import { readyImages, useImages } from '../images/use-images';

const ORDERS: { value: BootOrder; label: string }[] = [
  { value: 'hd', label: 'Disk only' },
  { value: 'cdrom_hd', label: 'CD-ROM, then disk' },
  { value: 'hd_cdrom', label: 'Disk, then CD-ROM' },
  { value: 'cdrom', label: 'CD-ROM only' },
];

/** Boot order, the ISO in the CD drive (insert/eject, running or not), and the installation phase. */
export function InstallSection(props: { vm: Vm; readOnly: boolean }) {
  const { vm, readOnly } = props;
  const client = useClient();
  const queryClient = useQueryClient();
  const toasts = useToasts();
  const images = useImages();
  const isos = readyImages(images.data?.items, 'iso');
  const [iso, setIso] = useState('');

  const bootOrder = useQuery({
    queryKey: keys.vmPart(vm.id, 'boot-order'),
    queryFn: ({ signal }) => client.getVmBootOrder({ id: vm.id }, { signal }),
    retry: false,
  });
  const installation = useQuery({
    queryKey: keys.vmPart(vm.id, 'installation'),
    queryFn: ({ signal }) => client.getVmInstallation({ id: vm.id }, { signal }),
    retry: false,
  });
  const refreshVm = () => queryClient.invalidateQueries({ queryKey: keys.vm(vm.id) });

  const setOrder = useMutation({
    mutationFn: (order: BootOrder) => client.setVmBootOrder({ id: vm.id, order }),
    onSuccess: (data) => {
      queryClient.setQueryData(keys.vmPart(vm.id, 'boot-order'), data);
      void refreshVm();
      toasts.show({
        kind: 'success',
        title: 'Boot order saved',
        ...(data.pendingRestart ? { detail: 'It takes effect at the next boot.' } : {}),
      });
    },
    onError: (err) => toasts.error(err, 'Boot order not changed'),
  });
  const insert = useMutation({
    mutationFn: (imageId: string) => client.insertVmMedia({ id: vm.id, imageId }),
    onSuccess: () => {
      setIso('');
      void refreshVm();
    },
  });
  const eject = useMutation({
    mutationFn: () => client.ejectVmMedia({ id: vm.id }),
    onSuccess: () => void refreshVm(),
  });
  const complete = useMutation({
    mutationFn: (status: 'installed' | 'failed') => client.completeVmInstallation({ id: vm.id, status }),
    onSuccess: (data) => {
      queryClient.setQueryData(keys.vmPart(vm.id, 'installation'), data);
      void refreshVm();
    },
  });

  const current = bootOrder.data?.order ?? vm.bootOrder;
  const install = installation.data ?? vm.installation;
  return (
    <div className="grid-2">
      <section className="card" aria-labelledby="boot-title">
        <h2 id="boot-title">Boot order</h2>
        {bootOrder.error && <ProblemAlert error={bootOrder.error} title="Boot order unavailable" />}
        <div className="row">
          <select
            className="select"
            aria-label="Boot order"
            value={current}
            disabled={readOnly || setOrder.isPending}
            onChange={(e) => {
              const next = ORDERS.find((o) => o.value === e.target.value);
              if (next) setOrder.mutate(next.value);
            }}
          >
            {ORDERS.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
          {bootOrder.data?.pendingRestart && <span className="muted">Applies at the next boot.</span>}
        </div>
        <h2>CD-ROM</h2>
        <p>
          {vm.media ? (
            <>
              <strong>{vm.media.name}</strong> is inserted.
            </>
          ) : (
            <span className="muted">The drive is empty.</span>
          )}
        </p>
        <div className="row">
          <select
            className="select"
            aria-label="ISO to insert"
            value={iso}
            disabled={readOnly}
            onChange={(e) => setIso(e.target.value)}
          >
            <option value="">Choose an ISO…</option>
            {isos.map((i) => (
              <option key={i.id} value={i.id}>
                {i.name}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="btn"
            disabled={readOnly || !iso || insert.isPending}
            onClick={() => insert.mutate(iso)}
          >
            {vm.media ? 'Replace' : 'Insert'}
          </button>
          <button
            type="button"
            className="btn"
            disabled={readOnly || !vm.media || eject.isPending}
            onClick={() => eject.mutate()}
          >
            Eject
          </button>
        </div>
        {insert.error && <ProblemAlert error={insert.error} title="Not inserted" />}
        {eject.error && <ProblemAlert error={eject.error} title="Not ejected" />}
      </section>
      <section className="card" aria-labelledby="install-title">
        <h2 id="install-title">Installation</h2>
        {installation.error && (
          <ProblemAlert error={installation.error} title="Installation status unavailable" />
        )}
        <dl className="facts">
          <dt>Status</dt>
          <dd>
            <StatusBadge status={install.status} />
          </dd>
          <dt>Started</dt>
          <dd>{formatDateTime(install.startedAt)}</dd>
          <dt>Finished</dt>
          <dd>{formatDateTime(install.finishedAt)}</dd>
          {installation.data?.message && (
            <>
              <dt>Note</dt>
              <dd>{installation.data.message}</dd>
            </>
          )}
        </dl>
        {install.status === 'installing' && (
          <p className="muted">
            When the installer finishes, the VM switches to its disk by itself. If it does not notice,
            complete the installation by hand: the ISO is ejected and the VM boots from its disk.
          </p>
        )}
        <div className="row">
          <button
            type="button"
            className="btn btn-primary"
            disabled={readOnly || install.status !== 'installing' || complete.isPending}
            onClick={() => complete.mutate('installed')}
          >
            Complete installation
          </button>
          <button
            type="button"
            className="btn"
            disabled={readOnly || install.status !== 'installing' || complete.isPending}
            onClick={() => complete.mutate('failed')}
          >
            Mark as failed
          </button>
        </div>
        {complete.error && <ProblemAlert error={complete.error} title="Installation not updated" />}
      </section>
    </div>
  );
}
