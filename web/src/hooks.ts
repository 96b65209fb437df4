// Hooks shared by the pages: loading data (useResource) and running actions (useAction).

import { useCallback, useEffect, useRef, useState } from "preact/hooks";

import { type ApiError, toApiError } from "./api";

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  reload(): Promise<void>;
}

export function useResource<T>(loader: () => Promise<T>, deps: unknown[]): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);

  const run = useCallback(loader, deps);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const value = await run();
      if (mine !== generation.current) return;
      setData(value);
      setError(null);
    } catch (e) {
      if (mine !== generation.current) return;
      setError(toApiError(e));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [run]);

  useEffect(() => {
    void reload();
    return () => {
      generation.current++;
    };
  }, [reload]);

  return { data, error, loading, reload };
}

export interface Action {
  busy: boolean;
  error: ApiError | null;
  status: string | null;
  setError(error: ApiError | null): void;
  setStatus(message: string | null): void;
  /**
   * Clears the error and the status, runs `work` and shows what it throws as the error or the
   * message it returns as the status. Never throws. `busy` is true meanwhile unless `quiet`.
   */
  run(work: () => Promise<string | void>, options?: { quiet?: boolean }): Promise<void>;
}

/** State of a form or button that calls the hub: busy flag, problem and success message. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  const run = async (work: () => Promise<string | void>, options: { quiet?: boolean } = {}) => {
    if (!options.quiet) setBusy(true);
    setError(null);
    setStatus(null);
    try {
      const message = await work();
      if (message) setStatus(message);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      if (!options.quiet) setBusy(false);
    }
  };

  return { busy, error, status, setError, setStatus, run };
}

/** The current time in milliseconds, refreshed every `everyMs` (for running clocks). */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
