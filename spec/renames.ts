/**
 * Ids that test titles use but that name the wrong section (or no requirement at all), with the id
 * they should carry. Coverage credits their tests to `to`; the coverage test pins this list, and
 * fails once a title is renamed (the entry is stale then and must go), so it can only shrink.
 */
export interface PendingRename {
  /** The id as test titles spell it today. */
  readonly from: string;
  /** The catalogue id it should become, or null when the title should carry no requirement id. */
  readonly to: string | null;
  readonly why: string;
}

export const PENDING_RENAMES: readonly PendingRename[] = [];
