import type { Selectable } from 'kysely';
import type { ImageKind, ImageRecord, ImageStatus } from '../../domain/model.js';
import type { ImageListFilter, ImageRepository, Page } from '../../ports/repositories.js';
import type { DbContext } from './context.js';
import { translateUnique } from './errors.js';
import {
  decodeCursor,
  isoTime,
  containsText,
  pageSize,
  toColumns,
  toPage,
  type ColumnMap,
} from './mapping.js';
import type { ImagesTable } from './schema.js';

type ImageFields = Omit<ImageRecord, 'id' | 'createdAt'>;

export function toImage(row: Selectable<ImagesTable>): ImageRecord {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as ImageKind,
    format: row.format as ImageRecord['format'],
    status: row.status as ImageStatus,
    sizeBytes: row.size_bytes,
    virtualSizeBytes: row.virtual_size_bytes,
    sha256: row.sha256,
    volumeId: row.volume_id,
    ownerId: row.owner_id,
    sourceUrl: row.source_url,
    failureReason: row.failure_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const imageColumns: ColumnMap<ImageFields, ImagesTable> = {
  name: (v) => ({ name: v }),
  kind: (v) => ({ kind: v }),
  format: (v) => ({ format: v }),
  status: (v) => ({ status: v }),
  sizeBytes: (v) => ({ size_bytes: v }),
  virtualSizeBytes: (v) => ({ virtual_size_bytes: v }),
  sha256: (v) => ({ sha256: v }),
  volumeId: (v) => ({ volume_id: v }),
  ownerId: (v) => ({ owner_id: v }),
  sourceUrl: (v) => ({ source_url: v }),
  failureReason: (v) => ({ failure_reason: v }),
  updatedAt: (v) => ({ updated_at: isoTime(v) }),
};

/** Images ordered by name (unique), paged by keyset on the name. */
export class KyselyImageRepository implements ImageRepository {
  constructor(private readonly ctx: DbContext) {}

  /** Throws UniqueViolation('images.name') when the name is taken. */
  async insert(image: ImageRecord): Promise<void> {
    // imageColumns is total over ImageFields, so a whole record yields every column but these two.
    const row = {
      ...(toColumns(image, imageColumns) as Omit<ImagesTable, 'id' | 'created_at'>),
      id: image.id,
      created_at: isoTime(image.createdAt),
    };
    await translateUnique(() => this.ctx.executor().insertInto('images').values(row).execute());
  }

  async findReadyBySha256(sha256: string, kind: ImageRecord['kind']): Promise<ImageRecord | null> {
    const row = await this.ctx
      .executor()
      .selectFrom('images')
      .selectAll()
      .where('sha256', '=', sha256)
      .where('kind', '=', kind)
      .where('status', '=', 'ready')
      .orderBy('created_at')
      .executeTakeFirst();
    return row ? toImage(row) : null;
  }

  async findById(id: string): Promise<ImageRecord | null> {
    const row = await this.ctx
      .executor()
      .selectFrom('images')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toImage(row) : null;
  }

  async list(filter: ImageListFilter): Promise<Page<ImageRecord>> {
    const limit = pageSize(filter.limit);
    let query = this.ctx.executor().selectFrom('images').selectAll();
    if (filter.ownerId !== undefined) query = query.where('owner_id', '=', filter.ownerId);
    if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.q !== undefined && filter.q !== '')
      query = query.where(containsText(this.ctx.dialect, 'images.name', filter.q));
    if (filter.cursor !== undefined) {
      const [afterName] = decodeCursor(filter.cursor, ['string']);
      query = query.where('name', '>', afterName);
    }
    const rows = await query
      .orderBy('name')
      .limit(limit + 1)
      .execute();
    return toPage(rows, limit, toImage, (row) => [row.name]);
  }

  /** Returns the updated image, or null when it does not exist. Throws UniqueViolation('images.name') on rename. */
  async update(id: string, patch: Partial<ImageFields>): Promise<ImageRecord | null> {
    const set = toColumns(patch, imageColumns);
    const executor = this.ctx.executor();
    if (Object.keys(set).length === 0) return this.findById(id);
    const row = await translateUnique(() =>
      executor.updateTable('images').set(set).where('id', '=', id).returningAll().executeTakeFirst(),
    );
    return row ? toImage(row) : null;
  }

  async delete(id: string): Promise<void> {
    await this.ctx.executor().deleteFrom('images').where('id', '=', id).execute();
  }
}
