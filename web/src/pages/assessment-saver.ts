// Save as you go: answers changed in the wizard are kept as local drafts and sent in one PUT a
// moment after the last change (or at once when asked to flush). A draft is dropped only when the
// hub has stored that very revision, so typing on while a save is under way loses nothing.

import { useCallback, useEffect, useRef, useState } from "preact/hooks";

import { type ApiError, put, toApiError } from "../api";
import type { AnswerValue, Assessment } from "../types";

export interface Draft {
  value: AnswerValue;
  comment: string;
}

export type SaveState = "idle" | "pending" | "saving" | "saved" | "error";

export interface Saver {
  state: SaveState;
  error: ApiError | null;
  savedAt: Date | null;
  /** The unsaved draft of a question, if any. */
  draft(questionId: string): Draft | undefined;
  /** Records a change and schedules a save. */
  edit(questionId: string, draft: Draft): void;
  /** Sends every draft now; resolves to true when nothing is left unsaved. */
  flush(): Promise<boolean>;
  pending: number;
}

const kDelayMs = 700;
const kMaxPerRequest = 500;

export function useAnswerSaver(
  assessmentId: number,
  onSaved: (assessment: Assessment) => void,
): Saver {
  const drafts = useRef(new Map<string, Draft & { rev: number }>());
  const revision = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const inflight = useRef<Promise<boolean> | null>(null);
  const savedCallback = useRef(onSaved);
  savedCallback.current = onSaved;
  const [, setTick] = useState(0);
  const [state, setState] = useState<SaveState>("idle");
  const [error, setError] = useState<ApiError | null>(null);
  const [savedAt, setSavedAt] = useState<Date | null>(null);

  /** One PUT of the current drafts; false when the hub refused it or was unreachable. */
  const send = useCallback(async (): Promise<boolean> => {
    if (timer.current) {
      clearTimeout(timer.current);
      timer.current = null;
    }
    const batch = [...drafts.current.entries()].slice(0, kMaxPerRequest);
    if (batch.length === 0) return true;
    setState("saving");
    try {
      const answers: Record<string, { value: AnswerValue; comment: string }> = {};
      for (const [q, d] of batch) answers[q] = { value: d.value, comment: d.comment };
      const saved = await put<Assessment>(`/api/v1/assessments/${assessmentId}/answers`, {
        answers,
      });
      for (const [q, d] of batch) {
        if (drafts.current.get(q)?.rev === d.rev) drafts.current.delete(q);
      }
      savedCallback.current(saved);
      setError(null);
      setSavedAt(new Date());
      setState(drafts.current.size ? "pending" : "saved");
      setTick((t) => t + 1);
      return true;
    } catch (e) {
      setError(toApiError(e));
      setState("error");
      return false;
    }
  }, [assessmentId]);

  const flush = useCallback(async (): Promise<boolean> => {
    for (;;) {
      while (inflight.current) await inflight.current;
      if (drafts.current.size === 0) return true;
      const p = send();
      inflight.current = p;
      const ok = await p;
      if (inflight.current === p) inflight.current = null;
      // Changes made while the request was under way go out in the next round.
      if (!ok) return false;
    }
  }, [send]);

  const edit = useCallback(
    (questionId: string, draft: Draft) => {
      drafts.current.set(questionId, { ...draft, rev: ++revision.current });
      setTick((t) => t + 1);
      setState("pending");
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => void flush(), kDelayMs);
    },
    [flush],
  );

  // Leaving the page (or the app) sends what is left; closing the tab with unsaved changes asks.
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (drafts.current.size > 0) e.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => {
      window.removeEventListener("beforeunload", warn);
      if (drafts.current.size > 0) void send();
    };
  }, [send]);

  return {
    state,
    error,
    savedAt,
    pending: drafts.current.size,
    draft: (q) => drafts.current.get(q),
    edit,
    flush,
  };
}
