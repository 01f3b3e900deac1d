/** A progress bar; `value` in 0..1, or undefined for "working, no estimate". */
export function ProgressBar(props: { value?: number | undefined; failed?: boolean; label: string }) {
  const pct = props.value === undefined ? undefined : Math.round(Math.min(1, Math.max(0, props.value)) * 100);
  const cls = [
    'progress',
    props.failed ? 'progress-failed' : '',
    pct === undefined ? 'progress-indeterminate' : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div
      className={cls}
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      {...(pct === undefined ? {} : { 'aria-valuenow': pct })}
    >
      <span style={pct === undefined ? undefined : { width: `${pct}%` }} />
    </div>
  );
}

export function Spinner(props: { label?: string }) {
  return <span className="spinner" role="status" aria-label={props.label ?? 'Loading'} />;
}
