// Collections of threat intel: every collection the user's organisation may read or write, with
// its counts and the access it has; for those who administer a collection, its settings and the
// organisations granted read or write access beyond its root's community. Support-centre and
// authority administrators create collections and API roots (the hub decides where).

import { useState } from "preact/hooks";

import { get, intelApi } from "../api";
import {
  Badge,
  Card,
  CheckField,
  DataTable,
  Form,
  Link,
  Notice,
  PageHeader,
  ProblemAlert,
  SelectField,
  Spinner,
  StatusMessage,
  SubmitActions,
  TextAreaField,
  TextField,
} from "../components";
import { countryName } from "../format";
import { useAction, useResource } from "../hooks";
import { navigate } from "../router";
import { useSession } from "../session";
import { TlpLabel, TlpPicker } from "../tlp";
import type {
  IntelCollection,
  IntelCollectionInput,
  IntelGrant,
  IntelRoot,
  Items,
  Organisation,
} from "../types";
import { mayAdministerIntel, plural } from "./intel-model";
import { IntelTabs, useCollections } from "./intel-shared";

const kCollectionAudience = {
  clear: "anyone with access to the hub",
  green: "the community of the collection",
  amber: "the producer, its authority and named organisations",
  "amber+strict": "the producer only",
  red: "only the organisations the producer names",
} as const;

function rootLabel(r: IntelRoot): string {
  if (r.kind === "eu") return `${r.title} (EU-wide)`;
  if (r.kind === "country") return `${r.title} (Member State)`;
  return `${r.title} (/${r.slug}/)`;
}

export function IntelCollectionsPage() {
  const { me } = useSession();
  const collections = useCollections();
  const roots = useResource(() => intelApi.roots(), []);
  const [creating, setCreating] = useState<"collection" | "root" | null>(null);
  const admin = mayAdministerIntel(me);
  const items = collections.data?.items ?? [];
  const rootTitle = (slug: string) => {
    const r = roots.data?.items.find((x) => x.slug === slug);
    return r ? rootLabel(r) : slug;
  };

  return (
    <>
      <PageHeader
        title="Threat intel collections"
        description="Collections belong to API roots, one per sharing community: the EU, each Member State, and those administrators create. TAXII 2.1 clients see the same collections."
      />
      <IntelTabs current="collections" />
      {admin && creating === null && (
        <div class="page-actions">
          <button type="button" class="btn btn-primary" onClick={() => setCreating("collection")}>
            New collection
          </button>
          <button type="button" class="btn btn-secondary" onClick={() => setCreating("root")}>
            New API root
          </button>
        </div>
      )}
      {creating === "collection" && (
        <CollectionForm
          roots={roots.data?.items ?? []}
          onCancel={() => setCreating(null)}
          onSaved={(c) => navigate(`/intel/collections/${c.id}?created=1`)}
        />
      )}
      {creating === "root" && (
        <RootForm
          onCancel={() => setCreating(null)}
          onSaved={async () => {
            setCreating(null);
            await roots.reload();
          }}
        />
      )}
      <Card title="Collections you may read or write">
        <ProblemAlert error={collections.error ?? roots.error} />
        {collections.loading && !collections.data && <Spinner />}
        {collections.data && items.length === 0 && (
          <p class="empty">Your organisation may read no collection yet.</p>
        )}
        {items.length > 0 && (
          <DataTable
            label="Collections"
            columns={[
              "Collection",
              "API root",
              "Default TLP",
              "Community",
              "Your access",
              "Objects",
            ]}
            actions
          >
            {items.map((c) => (
              <tr key={c.id} data-collection-id={c.id} data-title={c.title}>
                <th scope="row">
                  <span class="cell-main">{c.title}</span>
                  {c.alias && <span class="cell-sub">{c.alias}</span>}
                  {c.description && <span class="cell-note intel-wrap">{c.description}</span>}
                </th>
                <td>{rootTitle(c.root)}</td>
                <td>
                  <TlpLabel tlp={c.default_tlp} />
                </td>
                <td>{communityText(c)}</td>
                <td data-testid="access">
                  <AccessBadges c={c} />
                </td>
                <td>{c.objects.toLocaleString("en-GB")}</td>
                <td class="cell-actions">
                  {c.can_administer && (
                    <Link href={`/intel/collections/${c.id}`} class="btn btn-small btn-secondary">
                      Manage <span class="sr-only">{c.title}</span>
                    </Link>
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </Card>
      {roots.data && (
        <Card title="API roots" description="TAXII 2.1 clients find them at /taxii2/.">
          <DataTable label="API roots" columns={["API root", "Path", "Community"]} dense>
            {roots.data.items.map((r) => (
              <tr key={r.slug}>
                <th scope="row">{rootLabel(r)}</th>
                <td class="mono">/taxii2/{r.slug}/</td>
                <td>
                  {r.kind === "eu"
                    ? "Every organisation"
                    : r.kind === "country"
                      ? `The national authority of ${countryName(r.country)}, its providers and the support centre`
                      : "Organisations granted access"}
                </td>
              </tr>
            ))}
          </DataTable>
        </Card>
      )}
    </>
  );
}

function communityText(c: IntelCollection): string {
  if (c.community_read && c.community_write) return "reads and writes";
  if (c.community_read) return "reads";
  return "no access (grants only)";
}

function AccessBadges(props: { c: IntelCollection }) {
  const c = props.c;
  return (
    <span class="chip-list">
      {c.can_read && <Badge tone="info">Read</Badge>}
      {c.can_write && <Badge tone="good">Write</Badge>}
      {c.can_administer && <Badge tone="warn">Administer</Badge>}
    </span>
  );
}

function blankCollection(roots: IntelRoot[]): IntelCollectionInput {
  return {
    root: roots[0]?.slug ?? "",
    title: "",
    description: "",
    alias: "",
    default_tlp: "green",
    community_read: true,
    community_write: false,
  };
}

function CollectionForm(props: {
  roots: IntelRoot[];
  collection?: IntelCollection;
  onCancel?: () => void;
  onSaved: (c: IntelCollection) => void;
}) {
  const existing = props.collection;
  const [v, setV] = useState<IntelCollectionInput>(
    existing
      ? {
          root: existing.root,
          title: existing.title,
          description: existing.description,
          alias: existing.alias ?? "",
          default_tlp: existing.default_tlp,
          community_read: existing.community_read,
          community_write: existing.community_write,
        }
      : blankCollection(props.roots),
  );
  const { busy, error, status, run } = useAction();
  const set = <K extends keyof IntelCollectionInput>(k: K, x: IntelCollectionInput[K]) =>
    setV((old) => ({ ...old, [k]: x }));
  const submit = (e: Event) => {
    e.preventDefault();
    return run(async () => {
      if (existing) {
        const { root: _root, ...changes } = v;
        props.onSaved(await intelApi.updateCollection(existing.id, changes));
        return "The collection was saved.";
      }
      props.onSaved(await intelApi.createCollection(v));
      return undefined;
    });
  };
  return (
    <Card title={existing ? "Settings" : "New collection"}>
      <Form class="form form-grid" error={error} onSubmit={submit}>
        {existing ? (
          <TextField
            label="API root"
            name="root"
            value={v.root}
            onValue={() => undefined}
            readOnly
          />
        ) : (
          <SelectField
            label="API root"
            name="root"
            value={v.root}
            onValue={(x) => set("root", x)}
            options={props.roots.map((r) => [r.slug, rootLabel(r)] as const)}
            hint="You may create collections in the roots you administer."
          />
        )}
        <TextField
          label="Title"
          name="title"
          value={v.title}
          onValue={(x) => set("title", x)}
          required
          maxLength={200}
        />
        <TextField
          label="Alias (optional)"
          name="alias"
          value={v.alias}
          onValue={(x) => set("alias", x.toLowerCase())}
          maxLength={40}
          pattern="[a-z0-9\-]*"
          hint="A short name, unique in the root: lower-case letters, digits, hyphens."
        />
        <TextAreaField
          class="span-2"
          label="Description"
          name="description"
          value={v.description}
          onValue={(x) => set("description", x)}
          rows={2}
          maxLength={2000}
        />
        <div class="span-2">
          <TlpPicker
            legend="Default TLP"
            name="default_tlp"
            value={v.default_tlp}
            onValue={(x) => set("default_tlp", x)}
            hint="Objects that arrive without a TLP marking get this level."
            audience={kCollectionAudience}
          />
        </div>
        <fieldset class="checks span-2">
          <legend class="field-legend">The root's community</legend>
          <CheckField
            label="may read"
            name="community_read"
            checked={v.community_read}
            onChecked={(x) => set("community_read", x)}
          />
          <CheckField
            label="may write"
            name="community_write"
            checked={v.community_write}
            onChecked={(x) => set("community_write", x)}
          />
        </fieldset>
        <ProblemAlert error={error} class="span-2" />
        <StatusMessage message={status} />
        <div class="form-actions span-2">
          <SubmitActions
            label={existing ? "Save the settings" : "Create the collection"}
            busyLabel="Saving…"
            busy={busy}
          />
          {props.onCancel && (
            <button type="button" class="btn btn-ghost" onClick={props.onCancel}>
              Cancel
            </button>
          )}
        </div>
      </Form>
    </Card>
  );
}

function RootForm(props: { onCancel: () => void; onSaved: () => void }) {
  const [v, setV] = useState({ slug: "", title: "", description: "" });
  const { busy, error, run } = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    return run(async () => {
      await intelApi.createRoot(v);
      props.onSaved();
    });
  };
  return (
    <Card
      title="New API root"
      description="A sharing community of its own: only organisations granted access to its collections see them."
    >
      <Form class="form form-grid" error={error} onSubmit={submit}>
        <TextField
          label="Path"
          name="slug"
          value={v.slug}
          onValue={(x) => setV({ ...v, slug: x.toLowerCase() })}
          required
          pattern="[a-z0-9\-]{2,40}"
          hint="2 to 40 lower-case letters, digits and hyphens: /taxii2/<path>/."
        />
        <TextField
          label="Title"
          name="title"
          value={v.title}
          onValue={(x) => setV({ ...v, title: x })}
          required
          maxLength={200}
        />
        <TextAreaField
          class="span-2"
          label="Description"
          name="description"
          value={v.description}
          onValue={(x) => setV({ ...v, description: x })}
          rows={2}
          maxLength={2000}
        />
        <ProblemAlert error={error} class="span-2" />
        <div class="form-actions span-2">
          <SubmitActions label="Create the API root" busyLabel="Creating…" busy={busy} />
          <button type="button" class="btn btn-ghost" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      </Form>
    </Card>
  );
}

/** One collection's settings and grants, for those who administer it. */
export function IntelCollectionPage(props: { id: string }) {
  const collections = useCollections();
  const roots = useResource(() => intelApi.roots(), []);
  const c = collections.data?.items.find((x) => x.id === props.id);
  return (
    <>
      <PageHeader title={c ? c.title : "Collection"} />
      <IntelTabs current="collections" />
      <p class="back-link">
        <Link href="/intel/collections">← Collections</Link>
      </p>
      <ProblemAlert error={collections.error} />
      {collections.loading && !collections.data && <Spinner />}
      {collections.data && !c && (
        <Notice kind="warning" title="No such collection">
          <p>It does not exist, or your organisation may not see it.</p>
        </Notice>
      )}
      {c && !c.can_administer && (
        <Notice kind="info" title="You do not administer this collection">
          <p>Its administrators are the support centre and, for a Member State, its authority.</p>
        </Notice>
      )}
      {c && c.can_administer && (
        <>
          <p class="intel-object-head">
            <TlpLabel tlp={c.default_tlp} /> <span class="muted">default</span>
            <AccessBadges c={c} />
            <span class="muted">{plural(c.objects, "object")} you may see</span>
          </p>
          <CollectionForm
            key={c.id}
            roots={roots.data?.items ?? []}
            collection={c}
            onSaved={() => void collections.reload()}
          />
          <GrantsEditor id={c.id} />
        </>
      )}
    </>
  );
}

function GrantsEditor(props: { id: string }) {
  const grants = useResource(() => intelApi.grants(props.id), [props.id]);
  const orgs = useResource(() => get<Items<Organisation>>("/api/v1/organisations"), []);
  const data = grants.data;
  return (
    <Card
      title="Grants"
      description="Organisations that read or write this collection beyond the root's community."
    >
      <ProblemAlert error={grants.error ?? orgs.error} />
      {(grants.loading || orgs.loading) && !(data && orgs.data) && <Spinner />}
      {data && orgs.data && (
        <GrantsForm key={props.id} id={props.id} initial={data.items} orgs={orgs.data.items} />
      )}
    </Card>
  );
}

function GrantsForm(props: { id: string; initial: IntelGrant[]; orgs: Organisation[] }) {
  const [rows, setRows] = useState<IntelGrant[]>(props.initial);
  const [adding, setAdding] = useState("");
  const { busy, error, status, run } = useAction();
  const name = (g: IntelGrant) =>
    g.org_name || props.orgs.find((o) => o.id === g.org_id)?.name || `Organisation ${g.org_id}`;
  const candidates = props.orgs
    .filter((o) => !rows.some((g) => g.org_id === o.id))
    .sort((a, b) => a.name.localeCompare(b.name));
  const change = (org: number, patch: Partial<IntelGrant>) =>
    setRows((old) => old.map((g) => (g.org_id === org ? { ...g, ...patch } : g)));

  const submit = (e: Event) => {
    e.preventDefault();
    return run(async () => {
      const saved = await intelApi.setGrants(
        props.id,
        rows
          .filter((g) => g.can_read || g.can_write)
          .map((g) => ({
            org_id: g.org_id,
            can_read: g.can_read || g.can_write,
            can_write: g.can_write,
          })),
      );
      setRows(saved.items);
      return "The grants were saved.";
    });
  };

  return (
    <Form class="form" error={error} onSubmit={submit}>
      {rows.length === 0 ? (
        <p class="empty">No organisation has a grant on this collection.</p>
      ) : (
        <DataTable label="Grants" columns={["Organisation", "Read", "Write"]} actions dense>
          {rows.map((g) => (
            <tr key={g.org_id} data-org-id={g.org_id} data-testid="grant">
              <th scope="row">{name(g)}</th>
              <td>
                <input
                  type="checkbox"
                  checked={g.can_read || g.can_write}
                  disabled={g.can_write}
                  aria-label={`${name(g)} reads`}
                  onChange={(e) => change(g.org_id, { can_read: e.currentTarget.checked })}
                />
              </td>
              <td>
                <input
                  type="checkbox"
                  checked={g.can_write}
                  aria-label={`${name(g)} writes`}
                  onChange={(e) =>
                    change(g.org_id, {
                      can_write: e.currentTarget.checked,
                      can_read: g.can_read || e.currentTarget.checked,
                    })
                  }
                />
              </td>
              <td class="cell-actions">
                <button
                  type="button"
                  class="btn btn-small btn-ghost"
                  onClick={() => setRows((old) => old.filter((x) => x.org_id !== g.org_id))}
                >
                  Remove <span class="sr-only">{name(g)}</span>
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {candidates.length > 0 && (
        <div class="form-inline grant-add">
          <SelectField
            label="Add an organisation"
            name="grant_org"
            value={adding}
            onValue={setAdding}
            options={[["", "Choose…"], ...candidates.map((o) => [String(o.id), o.name] as const)]}
          />
          <button
            type="button"
            class="btn btn-secondary"
            disabled={!adding}
            onClick={() => {
              setRows((old) => [
                ...old,
                { org_id: Number(adding), can_read: true, can_write: false },
              ]);
              setAdding("");
            }}
          >
            Add
          </button>
        </div>
      )}
      <ProblemAlert error={error} />
      <StatusMessage message={status} />
      <SubmitActions label="Save the grants" busyLabel="Saving…" busy={busy} />
    </Form>
  );
}
