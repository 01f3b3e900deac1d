import type { VmState } from '@gureum/contract';

const LABELS: Record<VmState, string> = {
  running: 'Running',
  stopped: 'Stopped',
  paused: 'Paused',
  crashed: 'Crashed',
  suspended: 'Suspended',
  unknown: 'Unknown',
};

/** A VM's live state. */
export function StateBadge(props: { state: VmState }) {
  return <span className={`badge badge-${props.state}`}>{LABELS[props.state]}</span>;
}

/** A status word (task, image, installation) as a badge. */
export function StatusBadge(props: { status: string; label?: string }) {
  const cls = props.status === 'running' ? 'running-task' : props.status;
  return <span className={`badge badge-${cls}`}>{props.label ?? props.status.replace(/_/g, ' ')}</span>;
}
