// A list read page by page from the API (a cursor in, `items` and the next cursor out): the first page
// whenever `fetchPage` changes (new filters), further pages appended by `more()`, a refusal as a
// sentence. One hook for the transactions, the audit log and a client's operations.

import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { problemText } from '../problems';

export interface Page<T, C> {
  items: T[];
  /** Undefined or null on the last page. */
  next: C | undefined | null;
}

export interface Pages<T, C> {
  items: T[];
  next: C | undefined;
  loading: boolean;
  error: string | undefined;
  /** The page after the last one read. */
  more: () => void;
  /** The first page again. */
  reload: () => void;
}

/** `fetchPage` should be memoised on its filters (useCallback): a new one reads from the first page. */
export function usePages<T, C>(fetchPage: (cursor: C | undefined) => Promise<Page<T, C>>, refreshed: unknown = 0): Pages<T, C> {
  const { t } = useTranslation();
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<C | undefined>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const load = useCallback(
    async (cursor: C | undefined) => {
      setLoading(true);
      setError(undefined);
      try {
        const page = await fetchPage(cursor);
        setItems((previous) => (cursor === undefined ? page.items : [...previous, ...page.items]));
        setNext(page.next ?? undefined);
      } catch (problem) {
        setError(problemText(t, problem));
      } finally {
        setLoading(false);
      }
    },
    [fetchPage, t],
  );
  useEffect(() => void load(undefined), [load, refreshed]);
  return { items, next, loading, error, more: () => void (next !== undefined ? load(next) : undefined), reload: () => void load(undefined) };
}
