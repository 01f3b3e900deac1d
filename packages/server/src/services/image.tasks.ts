/**
 * `image.import`: downloads an image from its source URL into its volume (one step). A download cannot resume
 * where it stopped, so after a crash the task is compensated: the half-written volume is removed and the image is
 * `failed` ("interrupted"); the user starts a new download. A cancel aborts the transfer the same way.
 */
import type { TaskDefinition } from '../tasks/index.js';
import type { ImageService } from './image.service.js';

export const IMPORT_IMAGE = 'image.import';

export interface ImageImportInput {
  imageId: string;
  url: string;
  sha256?: string;
}

export function imageImportTask(
  images: () => ImageService,
): TaskDefinition<ImageImportInput, { imageId: string }, { download: { imageId: string } }> {
  return {
    kind: IMPORT_IMAGE,
    recovery: 'compensate',
    lease: (input) => ({
      key: `image:${input.imageId}`,
      busyCode: 'IMAGE_UPLOAD_CONFLICT',
      busyMessage: 'Another upload or download of this image is in progress.',
    }),
    async run(ctx) {
      const { imageId, url, sha256 } = ctx.input;
      ctx.progress(0, 'connecting');
      await ctx.step('download', { imageId }, () =>
        images().importFromUrl(
          imageId,
          { url, sha256 },
          {
            signal: ctx.signal,
            onProgress: (loaded, total) => {
              ctx.progress(total === 0 ? 1 : loaded / total, `downloaded ${loaded} of ${total} bytes`);
            },
          },
        ),
      );
      return { imageId };
    },
    undo: {
      // A failed download already said why; an interrupted or cancelled one says so here.
      download: ({ imageId }) =>
        images().failImport(imageId, 'The download was interrupted or cancelled; start it again.', {
          unlessFailed: true,
        }),
    },
  };
}
