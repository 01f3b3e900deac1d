import { isApiError } from '@gureum/client';
import type { Image } from '@gureum/contract';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { EmptyState } from '../../components/EmptyState';
import { ProblemAlert } from '../../components/ProblemAlert';
import { Spinner } from '../../components/Progress';
import { StatusBadge } from '../../components/StateBadge';
import { useClient, useMe } from '../../lib/app-context';
import { formatBytes, formatDateTime } from '../../lib/format';
import { keys } from '../../live/query-keys';
import { AddImageDialog } from './AddImageDialog';
import { useImages } from './use-images';

/** The image library: disk images and installer ISOs, with upload, download from a URL and delete. */
export function ImagesPage() {
  const images = useImages();
  const me = useMe();
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<Image | null>(null);
  const items = images.data?.items ?? [];
  const canWrite = me?.role !== 'viewer';
  return (
    <div className="page">
      <div className="page-head">
        <h1>Images</h1>
        <span className="muted">{images.data ? items.length : ''}</span>
        <span className="spacer" />
        {canWrite && (
          <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
            Add image
          </button>
        )}
      </div>
      {images.error ? (
        <ProblemAlert error={images.error} title="Cannot list the images" />
      ) : images.isPending ? (
        <Spinner label="Loading images" />
      ) : items.length === 0 ? (
        <EmptyState
          title="No images yet"
          action={
            canWrite ? (
              <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
                Upload an image
              </button>
            ) : undefined
          }
        >
          Upload a qcow2/raw disk image to create VMs from it, or an installer ISO to install from.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Images">
            <thead>
              <tr>
                <th>Name</th>
                <th>Kind</th>
                <th>Status</th>
                <th>Format</th>
                <th>Size</th>
                <th>Virtual size</th>
                <th>Added</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {items.map((image) => (
                <tr key={image.id} data-image-id={image.id}>
                  <td>{image.name}</td>
                  <td>{image.kind === 'iso' ? 'ISO' : 'Disk'}</td>
                  <td title={image.failureReason}>
                    <StatusBadge status={image.status} />
                  </td>
                  <td>{image.format ?? '—'}</td>
                  <td>{formatBytes(image.sizeBytes)}</td>
                  <td>{formatBytes(image.virtualSizeBytes)}</td>
                  <td>{formatDateTime(image.createdAt)}</td>
                  <td>
                    {canWrite && (
                      <button type="button" className="btn btn-small" onClick={() => setDeleting(image)}>
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {adding && <AddImageDialog onClose={() => setAdding(false)} />}
      {deleting && <DeleteImageDialog image={deleting} onClose={() => setDeleting(null)} />}
    </div>
  );
}

function DeleteImageDialog(props: { image: Image; onClose: () => void }) {
  const client = useClient();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await client.deleteImage({ id: props.image.id });
      await queryClient.invalidateQueries({ queryKey: keys.images });
      props.onClose();
    } catch (err: unknown) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open
      title={`Delete ${props.image.name}?`}
      onClose={props.onClose}
      busy={busy}
      footer={
        <>
          <button type="button" className="btn" onClick={props.onClose} disabled={busy}>
            Cancel
          </button>
          <button type="button" className="btn btn-danger" onClick={() => void remove()} disabled={busy}>
            Delete image
          </button>
        </>
      }
    >
      <p>
        The image is removed from the library. An image a VM still uses cannot be deleted: the server refuses
        and this dialog says why.
      </p>
      {error !== null &&
        (isApiError(error, 'IMAGE_IN_USE') ? (
          <ProblemAlert error={error} title="This image is in use">
            <span>
              A VM’s disk is built on it (it is that disk’s backing file) or it is inserted in a VM’s CD
              drive. Deleting it would break those VMs, so it is protected: delete those VMs or eject the ISO
              first.
            </span>
          </ProblemAlert>
        ) : (
          <ProblemAlert error={error} title="The image was not deleted" />
        ))}
    </Dialog>
  );
}
