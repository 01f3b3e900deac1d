import type { Image, ImageKind } from '@gureum/contract';
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { Field, TextField } from '../../components/Field';
import { ProblemAlert } from '../../components/ProblemAlert';
import { ProgressBar } from '../../components/Progress';
import { useServices } from '../../lib/app-context';
import { formatBytes, randomKey } from '../../lib/format';
import { resourceNameProblem } from '../../lib/names';
import { uploadImageFile, type UploadProgress } from '../../lib/upload';
import { keys } from '../../live/query-keys';
import { TaskProgress } from '../tasks/TaskProgress';

type Mode = 'upload' | 'url';

/** A name from a file name: `Debian 12.qcow2` → `debian-12`. */
export function nameFromFile(fileName: string): string {
  return fileName
    .replace(/\.[^.]+$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

/**
 * Adds an image: upload a file (progress bar, cancel) or let the server download a URL (a task, followed live).
 */
export function AddImageDialog(props: { onClose: () => void }) {
  const { client } = useServices();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<Mode>('upload');
  const [name, setName] = useState('');
  const [kind, setKind] = useState<ImageKind>('disk');
  const [file, setFile] = useState<File | null>(null);
  const [url, setUrl] = useState('');
  const [sha256, setSha256] = useState('');
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [downloadTask, setDownloadTask] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const created = useRef<Image | null>(null);

  const nameProblem = name ? resourceNameProblem(name) : null;
  const urlProblem = url && !/^https?:\/\/\S+$/.test(url) ? 'An http:// or https:// address.' : null;
  const shaProblem = sha256 && !/^[a-f0-9]{64}$/.test(sha256) ? '64 lowercase hex characters.' : null;
  const ready =
    name !== '' &&
    nameProblem === null &&
    (mode === 'upload' ? file !== null : url !== '' && urlProblem === null && shaProblem === null);

  const start = async () => {
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      if (mode === 'url') {
        const image = await client.createImage(
          { name, kind, source: { url, ...(sha256 ? { sha256 } : {}) } },
          { idempotencyKey: randomKey() },
        );
        void queryClient.invalidateQueries({ queryKey: keys.images });
        const tasks = await client.listTasks({ resource: image.id, limit: 1 });
        const task = tasks.items[0];
        if (task) setDownloadTask(task.id);
        else setDone(true);
        setBusy(false);
        return;
      }
      if (!file) return;
      // Re-use the image created by an attempt that failed or was cancelled: its name is taken already.
      const image =
        created.current?.name === name && created.current.kind === kind
          ? created.current
          : await client.createImage({ name, kind }, { idempotencyKey: randomKey() });
      created.current = image;
      void queryClient.invalidateQueries({ queryKey: keys.images });
      const controller = new AbortController();
      abort.current = controller;
      setProgress({ loadedBytes: 0, totalBytes: file.size });
      await uploadImageFile({
        baseUrl: window.location.origin,
        token: client.token,
        imageId: image.id,
        file,
        onProgress: setProgress,
        signal: controller.signal,
      });
      created.current = null;
      void queryClient.invalidateQueries({ queryKey: keys.images });
      setDone(true);
    } catch (err: unknown) {
      setError(err);
    } finally {
      abort.current = null;
      setBusy(false);
    }
  };

  const pct = progress && progress.totalBytes > 0 ? progress.loadedBytes / progress.totalBytes : undefined;
  return (
    <Dialog
      open
      wide
      title="Add an image"
      onClose={props.onClose}
      busy={busy}
      footer={
        done ? (
          <button type="button" className="btn btn-primary" onClick={props.onClose}>
            Done
          </button>
        ) : busy && mode === 'upload' ? (
          <button type="button" className="btn" onClick={() => abort.current?.abort()}>
            Cancel upload
          </button>
        ) : (
          <>
            <button type="button" className="btn" onClick={props.onClose} disabled={busy}>
              Close
            </button>
            <button
              type="button"
              className="btn btn-primary"
              disabled={!ready || busy || downloadTask !== null}
              onClick={() => void start()}
            >
              {mode === 'upload' ? 'Upload' : 'Download'}
            </button>
          </>
        )
      }
    >
      <div className="tabs" role="tablist">
        {(['upload', 'url'] as const).map((m) => (
          <button
            key={m}
            type="button"
            role="tab"
            className="tab"
            aria-selected={mode === m}
            disabled={busy}
            onClick={() => setMode(m)}
          >
            {m === 'upload' ? 'Upload a file' : 'Download from a URL'}
          </button>
        ))}
      </div>
      {mode === 'upload' ? (
        <Field label="File" hint={file ? `${file.name}, ${formatBytes(file.size)}` : 'qcow2, raw or ISO.'}>
          {({ id, describedBy }) => (
            <input
              id={id}
              type="file"
              aria-describedby={describedBy}
              disabled={busy}
              onChange={(e) => {
                const f = e.target.files?.[0] ?? null;
                setFile(f);
                if (f) {
                  if (!name) setName(nameFromFile(f.name));
                  setKind(/\.iso$/i.test(f.name) ? 'iso' : 'disk');
                }
              }}
            />
          )}
        </Field>
      ) : (
        <>
          <TextField
            label="URL"
            error={urlProblem}
            hint="The server downloads it and checks its format."
            className="input"
            type="url"
            value={url}
            onChange={setUrl}
          />
          <TextField
            label="SHA-256 (optional)"
            error={shaProblem}
            hint="Checked when the download ends."
            className="input mono"
            value={sha256}
            onChange={(v) => setSha256(v.trim().toLowerCase())}
          />
        </>
      )}
      <div className="grid-2">
        <TextField
          label="Name"
          error={nameProblem}
          hint="Lowercase letters, digits and hyphens."
          className="input"
          disabled={busy}
          value={name}
          onChange={setName}
        />
        <Field label="Kind">
          {({ id }) => (
            <select
              id={id}
              className="select"
              value={kind}
              disabled={busy}
              onChange={(e) => setKind(e.target.value === 'iso' ? 'iso' : 'disk')}
            >
              <option value="disk">Disk image (boots a VM)</option>
              <option value="iso">ISO (installer, CD drive)</option>
            </select>
          )}
        </Field>
      </div>
      {progress && mode === 'upload' && (
        <div className="stack" style={{ gap: 4 }}>
          <ProgressBar label="Upload progress" value={pct} />
          <span className="muted" aria-live="polite">
            {formatBytes(progress.loadedBytes)} of {formatBytes(progress.totalBytes)}
            {pct !== undefined ? ` (${Math.round(pct * 100)} %)` : ''}
            {done ? ' — uploaded and checked; the image is ready.' : ''}
          </span>
        </div>
      )}
      {downloadTask && <TaskProgress taskId={downloadTask} onDone={() => setDone(true)} />}
      {error !== null && <ProblemAlert error={error} title="The image was not added" />}
    </Dialog>
  );
}
