// Thin client for the hub's JSON API. Every call goes to the same origin with the session
// cookie; state-changing calls carry the CSRF token obtained from login or /me. Failures are
// thrown as ApiError carrying the RFC 9457 problem the hub returned.

import type {
  Clues,
  Correlation,
  CreatedExportFeed,
  ExportFeed,
  ExportFilters,
  ExportFormat,
  FeedRun,
  FreetextCandidate,
  IndicatorInput,
  IngestReport,
  IntelCollection,
  IntelCollectionInput,
  IntelFeed,
  IntelFeedInput,
  IntelGrant,
  IntelObjectPage,
  IntelObjectView,
  IntelRoot,
  ObservableKind,
  SightingInput,
  SightingSummary,
  Tlp,
  WarninglistSummary,
  Decryptor,
  DecryptorInput,
  FamilyDetail,
  FamilySummary,
  IdentifyResult,
  Incident,
  IncidentAction,
  IncidentPage,
  IncidentStage,
  IncidentStatistics,
  IncidentStatus,
  Items,
  RecoveryChecklist,
  Reminder,
  StageFields,
  StepState,
} from "./types";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  field?: string;
  /** The problem object as the hub sent it, with its extension members (e.g. row errors). */
  body?: Record<string, unknown>;
}

export class ApiError extends Error {
  readonly problem: Problem;
  /** Last segment of the problem type, e.g. "totp-required". */
  readonly slug: string;
  readonly status: number;
  /** Seconds from a Retry-After header, when the hub sent one. */
  readonly retryAfter: number | null;

  constructor(problem: Problem, retryAfter: number | null = null) {
    super(problem.detail || problem.title);
    this.problem = problem;
    this.status = problem.status;
    this.slug = problem.type.split(":").pop() ?? "";
    this.retryAfter = retryAfter;
  }
}

/** What the app does when the hub says the session is gone or needs the user to act first. */
export interface SessionHooks {
  onUnauthenticated(): void;
  /** A new password or two-factor enrolment is required before anything else. */
  onAccountActionRequired(): void;
}

let csrfToken: string | null = null;
let hooks: SessionHooks | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function setSessionHooks(h: SessionHooks): void {
  hooks = h;
}

export interface CallOptions {
  /** Do not treat 401 as "session ended" (used by login and the initial /me probe). */
  quiet401?: boolean;
}

const kStateChanging = new Set(["POST", "PUT", "PATCH", "DELETE"]);

async function readProblem(res: Response): Promise<Problem> {
  const type = res.headers.get("Content-Type") ?? "";
  if (type.includes("json")) {
    try {
      const body = (await res.json()) as Partial<Problem>;
      if (body && typeof body === "object" && typeof body.type === "string") {
        return {
          type: body.type,
          title: typeof body.title === "string" ? body.title : res.statusText,
          status: typeof body.status === "number" ? body.status : res.status,
          detail: typeof body.detail === "string" ? body.detail : undefined,
          field: typeof body.field === "string" ? body.field : undefined,
          instance: typeof body.instance === "string" ? body.instance : undefined,
          body: body as Record<string, unknown>,
        };
      }
    } catch {
      // Fall through to the generic problem below.
    }
  }
  return {
    type: `urn:caduceus:problem:http-${res.status}`,
    title: res.statusText || `HTTP ${res.status}`,
    status: res.status,
    detail: `The hub answered with HTTP status ${res.status}.`,
  };
}

export async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  options: CallOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (kStateChanging.has(method) && csrfToken) headers["X-CSRF-Token"] = csrfToken;

  return send<T>(
    path,
    { method, headers, body: body === undefined ? undefined : JSON.stringify(body) },
    options,
  );
}

async function send<T>(
  path: string,
  init: { method: string; headers: Record<string, string>; body?: BodyInit },
  options: CallOptions,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, credentials: "same-origin", cache: "no-store" });
  } catch {
    throw new ApiError({
      type: "urn:caduceus:problem:network",
      title: "Hub unreachable",
      status: 0,
      detail: "The hub could not be reached. Check the connection and try again.",
    });
  }

  if (res.ok) {
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  const retry = Number.parseInt(res.headers.get("Retry-After") ?? "", 10);
  const error = new ApiError(await readProblem(res), Number.isFinite(retry) ? retry : null);
  if (error.status === 401 && error.slug === "unauthenticated" && !options.quiet401) {
    hooks?.onUnauthenticated();
  } else if (
    error.slug === "password-change-required" ||
    error.slug === "totp-enrollment-required"
  ) {
    hooks?.onAccountActionRequired();
  }
  throw error;
}

export const get = <T>(path: string, options?: CallOptions) =>
  call<T>("GET", path, undefined, options);
export const post = <T>(path: string, body?: unknown, options?: CallOptions) =>
  call<T>("POST", path, body ?? {}, options);
export const patch = <T>(path: string, body: unknown) => call<T>("PATCH", path, body);
export const put = <T>(path: string, body: unknown) => call<T>("PUT", path, body);
export const del = <T>(path: string) => call<T>("DELETE", path);

/**
 * POSTs raw bytes (not JSON), e.g. an evidence file, with their own Content-Type and the CSRF
 * token. Failures are thrown as ApiError like every other call.
 */
export async function upload<T>(path: string, body: Blob, contentType: string): Promise<T> {
  const headers: Record<string, string> = {
    Accept: "application/json",
    "Content-Type": contentType,
  };
  if (csrfToken) headers["X-CSRF-Token"] = csrfToken;
  return send<T>(path, { method: "POST", headers, body }, {});
}

/** Turns anything thrown by a call into an ApiError for display. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return new ApiError({
    type: "urn:caduceus:problem:client",
    title: "Unexpected error",
    status: 0,
    detail: e instanceof Error ? e.message : String(e),
  });
}

// ---------- Incidents and ransomware recovery (issue 5) ----------

/** Typed calls of the incidents API; the paths live here only. */
export const incidentsApi = {
  list: (status?: IncidentStatus, before?: number) => {
    const q = new URLSearchParams({ limit: "100" });
    if (status) q.set("status", status);
    if (before !== undefined) q.set("before", String(before));
    return get<IncidentPage>(`/api/v1/incidents?${q}`);
  },
  get: (id: number) => get<Incident>(`/api/v1/incidents/${id}`),
  create: (body: { title: string; aware_at: string; share_with_support_centre: boolean }) =>
    post<Incident>("/api/v1/incidents", body),
  report: <S extends IncidentStage>(id: number, stage: S, fields: StageFields[S]) =>
    post<Incident>(`/api/v1/incidents/${id}/reports`, { stage, fields }),
  act: (id: number, action: IncidentAction) =>
    post<Incident>(`/api/v1/incidents/${id}/actions`, action),
  reminders: () => get<Items<Reminder>>("/api/v1/incidents/reminders"),
  statistics: (query: URLSearchParams) =>
    get<IncidentStatistics>(`/api/v1/incidents/statistics?${query}`),
  statisticsExport: (query: URLSearchParams, format: "csv" | "json") => {
    const q = new URLSearchParams(query);
    q.set("format", format);
    return `/api/v1/incidents/statistics?${q}`;
  },
  printable: (id: number) => `/api/v1/incidents/${id}/report`,
  checklist: (id: number) => get<RecoveryChecklist>(`/api/v1/incidents/${id}/recovery`),
  setStep: (id: number, step: string, body: { state: StepState; note: string }) =>
    put<RecoveryChecklist>(
      `/api/v1/incidents/${id}/recovery/steps/${encodeURIComponent(step)}`,
      body,
    ),
  commentStep: (id: number, step: string, text: string) =>
    post<RecoveryChecklist>(
      `/api/v1/incidents/${id}/recovery/steps/${encodeURIComponent(step)}/comments`,
      { text },
    ),
};

export const recoveryApi = {
  identify: (clues: Clues) => post<IdentifyResult>("/api/v1/recovery/identify", clues),
  decryptors: () => get<Items<Decryptor>>("/api/v1/recovery/decryptors"),
  addDecryptor: (body: DecryptorInput) => post<Decryptor>("/api/v1/recovery/decryptors", body),
  changeDecryptor: (id: number, body: Omit<DecryptorInput, "key">) =>
    patch<Decryptor>(`/api/v1/recovery/decryptors/${id}`, body),
  deleteDecryptor: (id: number) => del<void>(`/api/v1/recovery/decryptors/${id}`),
  families: (q: string) =>
    get<Items<FamilySummary>>(
      `/api/v1/recovery/families?${new URLSearchParams({ q, limit: "100" })}`,
    ),
  family: (id: number) => get<FamilyDetail>(`/api/v1/recovery/families/${id}`),
  createFamily: (body: { name: string; synonyms: string[]; description: string }) =>
    post<FamilyDetail>("/api/v1/recovery/families", body),
  addMarker: (id: number, body: { kind: string; value: string; offset: number; comment: string }) =>
    post<FamilyDetail>(`/api/v1/recovery/families/${id}/markers`, body),
  deleteMarker: (id: number, markerId: number) =>
    del<void>(`/api/v1/recovery/families/${id}/markers/${markerId}`),
};

// ---------- Threat intelligence (issue 3) ----------

const kIntel = "/api/v1/intel";
const seg = (s: string) => encodeURIComponent(s);

/** Query of a direct export download: filters with a value only. */
function exportQuery(filters: ExportFilters): URLSearchParams {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) {
    if (v === undefined || v === null || v === "" || v === false) continue;
    q.set(k, String(v));
  }
  return q;
}

/** Typed calls of the threat-intelligence API; the paths live here only. */
export const intelApi = {
  roots: () => get<Items<IntelRoot>>(`${kIntel}/roots`),
  createRoot: (body: { slug: string; title: string; description: string }) =>
    post<IntelRoot>(`${kIntel}/roots`, body),
  collections: () => get<Items<IntelCollection>>(`${kIntel}/collections`),
  createCollection: (body: IntelCollectionInput) =>
    post<IntelCollection>(`${kIntel}/collections`, body),
  updateCollection: (id: string, body: Partial<IntelCollectionInput>) =>
    patch<IntelCollection>(`${kIntel}/collections/${seg(id)}`, body),
  grants: (id: string) => get<Items<IntelGrant>>(`${kIntel}/collections/${seg(id)}/grants`),
  setGrants: (id: string, items: IntelGrant[]) =>
    put<Items<IntelGrant>>(`${kIntel}/collections/${seg(id)}/grants`, { items }),
  submitObjects: (
    collection: string,
    body: { bundle: unknown; tlp?: Tlp; recipients?: number[] },
  ) => post<IngestReport>(`${kIntel}/collections/${seg(collection)}/objects`, body),
  submitIndicator: (collection: string, body: IndicatorInput) =>
    post<IngestReport>(`${kIntel}/collections/${seg(collection)}/indicators`, body),
  submitBatch: (
    collection: string,
    body: {
      items: Array<{ kind: ObservableKind; value: string }>;
      tlp: Tlp;
      recipients?: number[];
      name_prefix?: string;
    },
  ) => post<IngestReport>(`${kIntel}/collections/${seg(collection)}/indicators/batch`, body),
  /** A MISP event file as it is (MISP JSON), not parsed again in the browser. */
  importMisp: (collection: string, text: string, tlp?: Tlp, recipients?: number[]) => {
    const q = new URLSearchParams();
    if (tlp) q.set("tlp", tlp);
    if (recipients?.length) q.set("recipients", recipients.join(","));
    const query = q.toString();
    return upload<IngestReport>(
      `${kIntel}/collections/${seg(collection)}/misp${query ? `?${query}` : ""}`,
      new Blob([text]),
      "application/json",
    );
  },
  search: (query: URLSearchParams) => get<IntelObjectPage>(`${kIntel}/objects?${query}`),
  object: (id: string) => get<IntelObjectView>(`${kIntel}/objects/${seg(id)}`),
  mispUrl: (id: string) => `${kIntel}/objects/${seg(id)}/misp`,
  correlations: (id: string) =>
    get<Items<Correlation>>(`${kIntel}/objects/${seg(id)}/correlations`),
  sightings: (id: string) => get<SightingSummary>(`${kIntel}/objects/${seg(id)}/sightings`),
  reportSighting: (body: SightingInput) => post<unknown>(`${kIntel}/sightings`, body),
  freetext: (text: string) => post<Items<FreetextCandidate>>(`${kIntel}/freetext`, { text }),
  warninglists: () => get<Items<WarninglistSummary>>(`${kIntel}/warninglists`),
  feeds: () => get<Items<IntelFeed>>(`${kIntel}/feeds`),
  feed: (id: number) => get<IntelFeed>(`${kIntel}/feeds/${id}`),
  createFeed: (body: IntelFeedInput) => post<IntelFeed>(`${kIntel}/feeds`, body),
  updateFeed: (id: number, body: Partial<IntelFeedInput>) =>
    patch<IntelFeed>(`${kIntel}/feeds/${id}`, body),
  deleteFeed: (id: number) => del<void>(`${kIntel}/feeds/${id}`),
  runFeed: (id: number) => post<FeedRun>(`${kIntel}/feeds/${id}/run`),
  feedRuns: (id: number) => get<Items<FeedRun>>(`${kIntel}/feeds/${id}/runs`),
  exportUrl: (format: ExportFormat, filters: ExportFilters) => {
    const q = exportQuery(filters).toString();
    return `${kIntel}/exports/${format}${q ? `?${q}` : ""}`;
  },
  exportFeeds: () => get<Items<ExportFeed>>(`${kIntel}/export-feeds`),
  createExportFeed: (body: { name: string; format: ExportFormat; params: ExportFilters }) =>
    post<CreatedExportFeed>(`${kIntel}/export-feeds`, body),
  revokeExportFeed: (id: number) => del<void>(`${kIntel}/export-feeds/${id}`),
  /** The absolute pull address of a path the hub returned. */
  absolute: (path: string) => `${location.origin}${path}`,
};
