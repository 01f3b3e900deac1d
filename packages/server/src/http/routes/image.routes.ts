import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import type { AppServices } from '../context.js';
import { registerRoute } from '../route.js';
import { toImage } from '../views.js';

export function registerImageRoutes(app: FastifyInstance, s: AppServices): void {
  registerRoute(app, 'listImages', async ({ actor, query }) => {
    const page = await s.images.list(actor, {
      limit: query.limit ?? 100,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.q ? { q: query.q } : {}),
    });
    return { items: page.items.map(toImage), nextCursor: page.nextCursor };
  });

  // With `source`, the server downloads the content in an `image.import` task (found by the image's id).
  registerRoute(app, 'createImage', async (req, reply) => {
    const { actor, body } = req;
    const image = body.source
      ? (
          await s.images.createFromUrl(
            actor,
            { name: body.name, kind: body.kind, url: body.source.url, sha256: body.source.sha256 },
            { requestId: req.requestId },
          )
        ).image
      : await s.images.create(actor, { name: body.name, kind: body.kind });
    return reply.code(201).send(toImage(image));
  });

  registerRoute(app, 'getImage', async ({ actor, params }) => toImage(await s.images.get(actor, params.id)));

  registerRoute(app, 'deleteImage', async ({ actor, params }, reply) => {
    await s.images.delete(actor, params.id);
    return reply.code(204).send();
  });

  registerRoute(app, 'uploadImageContent', async ({ actor, params, query, raw }) => {
    const header = raw.headers['content-length'];
    const length = header !== undefined && /^\d+$/.test(header) ? Number(header) : null;
    const controller = new AbortController();
    const onClose = (): void => {
      if (!raw.raw.complete) controller.abort(new Error('the client went away'));
    };
    raw.raw.once('close', onClose);
    try {
      // The octet-stream parser handed over the request stream itself: nothing is buffered.
      const image = await s.images.upload(actor, params.id, raw.body as Readable, {
        lengthBytes: length,
        expectedSha256: query.sha256,
        signal: controller.signal,
      });
      return toImage(image);
    } finally {
      raw.raw.off('close', onClose);
    }
  });
}
