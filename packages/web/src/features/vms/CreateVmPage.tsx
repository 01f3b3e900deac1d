import type { Task, Usage, VmCreate } from '@gureum/contract';
import { useQuery } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { Field, TextField } from '../../components/Field';
import { ProblemAlert } from '../../components/ProblemAlert';
import { SizeInput } from '../../components/SizeInput';
import { useClient } from '../../lib/app-context';
import { formatBytes, randomKey } from '../../lib/format';
import { keys } from '../../live/query-keys';
import { readyImages, useImages } from '../images/use-images';
import { TaskProgress } from '../tasks/TaskProgress';
import {
  INITIAL_FORM,
  quotaLines,
  validateCreateVm,
  type CreateVmForm,
  type QuotaLine,
} from './create-vm-form';

const STEPS = ['Source', 'Settings', 'Review'] as const;

/**
 * The create wizard: from a disk image, or a blank disk + an installer ISO; the name is checked as you type with
 * the API's rule; sizes in MiB/GiB; the quota shown before submitting; then the task followed until the VM
 * exists, and on to its page.
 */
export function CreateVmPage() {
  const client = useClient();
  const navigate = useNavigate();
  const images = useImages();
  const [step, setStep] = useState(0);
  const [form, setForm] = useState<CreateVmForm>(INITIAL_FORM);
  const [touched, setTouched] = useState<ReadonlySet<keyof CreateVmForm>>(new Set());
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<unknown>(null);
  const [taskId, setTaskId] = useState<string | null>(null);
  const [failedTask, setFailedTask] = useState(false);
  const { errors, body } = useMemo(() => validateCreateVm(form), [form]);

  const usage = useQuery({
    queryKey: keys.usage,
    queryFn: ({ signal }) => client.getMyUsage(undefined, { signal }),
    retry: false,
  });
  const networks = useQuery({
    queryKey: keys.networks,
    queryFn: ({ signal }) => client.listNetworks({ limit: 100 }, { signal }),
    retry: false,
  });

  const set = <K extends keyof CreateVmForm>(key: K, value: CreateVmForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setTouched((t) => new Set(t).add(key));
  };
  const shown = (key: keyof CreateVmForm) => (touched.has(key) || step > 1 ? errors[key] : undefined);
  const diskImages = readyImages(images.data?.items, 'disk');
  const isos = readyImages(images.data?.items, 'iso');
  const sourceValid = form.source === 'image' ? !errors.imageId : !errors.isoImageId && !errors.diskSize;
  const settingsValid =
    !errors.name && !errors.vcpus && !errors.memory && !errors.tags && !errors.description;

  const submit = async () => {
    if (!body) return;
    setSubmitting(true);
    setSubmitError(null);
    setFailedTask(false);
    try {
      const { task } = await client.createVm(body, { idempotencyKey: randomKey() });
      setTaskId(task.id);
    } catch (err: unknown) {
      setSubmitError(err);
    } finally {
      setSubmitting(false);
    }
  };
  const onDone = useCallback(
    (task: Task) => {
      if (task.status === 'succeeded') void navigate(`/vms/${task.resource.id}`);
      else setFailedTask(true);
    },
    [navigate],
  );

  return (
    <div className="page">
      <div className="page-head">
        <h1>Create a virtual machine</h1>
        <span className="spacer" />
        <Link to="/vms" className="btn btn-ghost">
          Cancel
        </Link>
      </div>
      <ol className="steps" aria-label="Steps">
        {STEPS.map((label, i) => (
          <li key={label} aria-current={i === step ? 'step' : undefined}>
            <span className="num">{i + 1}</span>
            {label}
          </li>
        ))}
      </ol>

      {step === 0 && (
        <section className="card" aria-label="Source">
          <h2>Where does the system come from?</h2>
          <div className="grid-2">
            <label className="choice">
              <input
                type="radio"
                name="source"
                checked={form.source === 'image'}
                onChange={() => set('source', 'image')}
              />
              <span>
                <strong>From a disk image</strong>
                <br />
                <span className="muted">
                  A ready system (qcow2/raw). Boots at once; the image stays untouched.
                </span>
              </span>
            </label>
            <label className="choice">
              <input
                type="radio"
                name="source"
                checked={form.source === 'iso'}
                onChange={() => set('source', 'iso')}
              />
              <span>
                <strong>Install from an ISO</strong>
                <br />
                <span className="muted">
                  A blank disk and an installer in the CD drive; installation is tracked.
                </span>
              </span>
            </label>
          </div>
          {images.error ? <ProblemAlert error={images.error} title="Cannot list the images" /> : null}
          {form.source === 'image' ? (
            <Field
              label="Disk image"
              error={shown('imageId')}
              hint={imagesHint(diskImages.length, 'disk image')}
            >
              {({ id, describedBy, invalid }) => (
                <select
                  id={id}
                  className="select"
                  aria-describedby={describedBy}
                  aria-invalid={invalid}
                  value={form.imageId}
                  onChange={(e) => set('imageId', e.target.value)}
                >
                  <option value="">Choose…</option>
                  {diskImages.map((i) => (
                    <option key={i.id} value={i.id}>
                      {i.name} ({formatBytes(i.virtualSizeBytes ?? i.sizeBytes)})
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ) : (
            <div className="grid-2">
              <Field label="Installer ISO" error={shown('isoImageId')} hint={imagesHint(isos.length, 'ISO')}>
                {({ id, describedBy, invalid }) => (
                  <select
                    id={id}
                    className="select"
                    aria-describedby={describedBy}
                    aria-invalid={invalid}
                    value={form.isoImageId}
                    onChange={(e) => set('isoImageId', e.target.value)}
                  >
                    <option value="">Choose…</option>
                    {isos.map((i) => (
                      <option key={i.id} value={i.id}>
                        {i.name} ({formatBytes(i.sizeBytes)})
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field
                label="Blank disk size"
                error={shown('diskSize')}
                hint="The disk the system is installed on."
              >
                {({ id, describedBy, invalid }) => (
                  <SizeInput
                    id={id}
                    describedBy={describedBy}
                    invalid={invalid}
                    label="Disk size"
                    value={form.diskSize}
                    unit={form.diskUnit}
                    onChange={(value, unit) => {
                      set('diskSize', value);
                      set('diskUnit', unit);
                    }}
                  />
                )}
              </Field>
            </div>
          )}
          <div className="row">
            <span className="spacer" style={{ flex: 1 }} />
            <button
              type="button"
              className="btn btn-primary"
              disabled={!sourceValid}
              onClick={() => setStep(1)}
            >
              Next
            </button>
          </div>
        </section>
      )}

      {step === 1 && (
        <section className="card" aria-label="Settings">
          <h2>Name and size</h2>
          <TextField
            label="Name"
            error={shown('name')}
            hint="Lowercase letters, digits and hyphens; up to 63 characters. It is also the name in virsh."
            className="input"
            autoFocus
            spellCheck={false}
            value={form.name}
            onChange={(v) => set('name', v)}
          />
          <div className="grid-2">
            <TextField
              label="vCPUs"
              error={shown('vcpus')}
              hint="1 to 256."
              className="input"
              inputMode="numeric"
              value={form.vcpus}
              onChange={(v) => set('vcpus', v)}
            />
            <Field label="Memory" error={shown('memory')} hint="64 MiB to 1 TiB.">
              {({ id, describedBy, invalid }) => (
                <SizeInput
                  id={id}
                  describedBy={describedBy}
                  invalid={invalid}
                  label="Memory"
                  value={form.memory}
                  unit={form.memoryUnit}
                  onChange={(value, unit) => {
                    set('memory', value);
                    set('memoryUnit', unit);
                  }}
                />
              )}
            </Field>
          </div>
          <TextField
            label="Tags"
            error={shown('tags')}
            hint="Optional, separated by commas: web, prod."
            className="input"
            value={form.tags}
            onChange={(v) => set('tags', v)}
          />
          <Field label="Description" error={shown('description')} hint="Optional.">
            {({ id, describedBy, invalid }) => (
              <textarea
                id={id}
                className="input"
                rows={2}
                aria-describedby={describedBy}
                aria-invalid={invalid}
                value={form.description}
                onChange={(e) => set('description', e.target.value)}
              />
            )}
          </Field>
          {networks.data && networks.data.items.length > 0 && (
            <fieldset className="field" style={{ border: 0, padding: 0, margin: 0 }}>
              <legend className="label">Networks</legend>
              {networks.data.items.map((n) => (
                <label key={n.id} className="row">
                  <input
                    type="checkbox"
                    className="checkbox"
                    checked={form.networks.includes(n.id)}
                    onChange={(e) =>
                      set(
                        'networks',
                        e.target.checked ? [...form.networks, n.id] : form.networks.filter((x) => x !== n.id),
                      )
                    }
                  />
                  {n.name}
                </label>
              ))}
            </fieldset>
          )}
          <label className="row">
            <input
              type="checkbox"
              className="checkbox"
              checked={form.start}
              onChange={(e) => set('start', e.target.checked)}
            />
            Start the VM once it is created
          </label>
          <div className="row">
            <button type="button" className="btn" onClick={() => setStep(0)}>
              Back
            </button>
            <span className="spacer" style={{ flex: 1 }} />
            <button
              type="button"
              className="btn btn-primary"
              disabled={!settingsValid}
              onClick={() => setStep(2)}
            >
              Next
            </button>
          </div>
        </section>
      )}

      {step === 2 && body && (
        <section className="card" aria-label="Review">
          <h2>Review</h2>
          <dl className="facts">
            <dt>Name</dt>
            <dd>{body.name}</dd>
            <dt>Source</dt>
            <dd>
              {'imageId' in body.source
                ? `Disk image ${diskImages.find((i) => i.id === form.imageId)?.name ?? form.imageId}`
                : `Blank ${formatBytes(body.source.blank.sizeBytes)} disk + ISO ${
                    isos.find((i) => i.id === form.isoImageId)?.name ?? form.isoImageId
                  }`}
            </dd>
            <dt>vCPUs</dt>
            <dd>{body.vcpus}</dd>
            <dt>Memory</dt>
            <dd>{formatBytes(body.memoryBytes)}</dd>
            <dt>Start</dt>
            <dd>{body.start ? 'Yes, once created' : 'No'}</dd>
          </dl>
          <QuotaSummary usage={usage.data} error={usage.error} body={body} />
          {submitError !== null && <ProblemAlert error={submitError} title="The VM was not created" />}
          {taskId && (
            <div className="card" aria-live="polite">
              <TaskProgress taskId={taskId} onDone={onDone} />
            </div>
          )}
          <div className="row">
            <button
              type="button"
              className="btn"
              onClick={() => setStep(1)}
              disabled={submitting || (!!taskId && !failedTask)}
            >
              Back
            </button>
            <span className="spacer" style={{ flex: 1 }} />
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => void submit()}
              disabled={submitting || (!!taskId && !failedTask)}
            >
              {submitting ? 'Creating…' : failedTask ? 'Try again' : 'Create VM'}
            </button>
          </div>
        </section>
      )}
    </div>
  );
}

function imagesHint(count: number, what: string) {
  if (count > 0) return `${count} ready ${what}${count === 1 ? '' : 's'}.`;
  return (
    <>
      No ready {what} yet: <Link to="/images">upload one</Link>.
    </>
  );
}

function QuotaSummary(props: { usage: Usage | undefined; error: unknown; body: VmCreate }) {
  if (props.error) return <ProblemAlert error={props.error} title="Your quota usage is not available" />;
  if (!props.usage) return null;
  const lines = quotaLines(props.usage, props.body);
  const over = lines.filter((l) => l.over);
  return (
    <div className="stack" style={{ gap: 6 }} aria-label="Quota">
      <h3>Your quota</h3>
      {lines.map((l) => (
        <div key={l.label} className="meter">
          <span>{l.label}</span>
          <QuotaBar line={l} />
          <span className={l.over ? '' : 'muted'} style={l.over ? { color: 'var(--danger)' } : undefined}>
            {l.format(l.used)} + {l.format(l.adding)} / {l.max === null ? 'unlimited' : l.format(l.max)}
          </span>
        </div>
      ))}
      {over.length > 0 && (
        <div className="alert alert-warning" role="status">
          <span className="alert-title">Over quota</span>
          <span>
            This VM would exceed your {over.map((l) => l.label).join(', ')} quota; the server will refuse it.
            Ask an administrator to raise it, or make the VM smaller.
          </span>
        </div>
      )}
    </div>
  );
}

function QuotaBar(props: { line: QuotaLine }) {
  const { used, adding, max } = props.line;
  if (max === null || max === 0) return <div className="progress" aria-hidden="true" />;
  const pct = Math.min(100, ((used + adding) / max) * 100);
  return (
    <div className={`progress${props.line.over ? ' progress-failed' : ''}`} aria-hidden="true">
      <span style={{ width: `${pct}%` }} />
    </div>
  );
}
