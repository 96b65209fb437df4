// Administration > Organisations: the hierarchy as an indented table, the two-factor policy
// switch per organisation, and a form to register authorities and providers.

import { useId, useMemo, useState } from "preact/hooks";

import { get, patch, post } from "../api";
import {
  Badge,
  Card,
  DataTable,
  Form,
  Notice,
  PageHeader,
  ProblemAlert,
  SelectField,
  Spinner,
  StatusMessage,
  SubmitActions,
  TextField,
} from "../components";
import {
  countryName,
  formatDate,
  kCountries,
  kindLabel,
  kKindLabels,
  kProviderTypeLabels,
  kSizeBandLabels,
} from "../format";
import { useAction, useResource } from "../hooks";
import { isAdmin, useSession } from "../session";
import type { Items, Organisation, OrgKind, ProviderType, SizeBand } from "../types";
import { subtreeIds, treeRows } from "./org-tree";

export function OrganisationsPage() {
  const { me, refresh } = useSession();
  const orgs = useResource(() => get<Items<Organisation>>("/api/v1/organisations"), []);
  const toggle = useAction();
  const [confirmOwn, setConfirmOwn] = useState<Organisation | null>(null);
  const [pending, setPending] = useState<{ id: number; value: boolean } | null>(null);

  const list = orgs.data?.items ?? [];
  const rows = useMemo(() => treeRows(list), [list]);
  const managed = useMemo(
    () => (isAdmin(me) ? subtreeIds(list, me.organisation.id) : new Set<number>()),
    [list, me],
  );

  const toggleTotp = async (org: Organisation) => {
    setPending({ id: org.id, value: !org.require_totp });
    await toggle.run(
      async () => {
        const updated = await patch<Organisation>(`/api/v1/organisations/${org.id}`, {
          require_totp: !org.require_totp,
        });
        toggle.setStatus(
          updated.require_totp
            ? `Two-factor authentication is now required for ${updated.name}.`
            : `Two-factor authentication is now optional for ${updated.name}.`,
        );
        await orgs.reload();
        if (updated.id === me.organisation.id) await refresh();
      },
      { quiet: true },
    );
    setPending(null);
  };

  return (
    <>
      <PageHeader
        title="Organisations"
        description="The support centre, the national authorities and the healthcare providers you can see."
      />
      <Card title="Hierarchy">
        <ProblemAlert error={orgs.error ?? toggle.error} />
        <StatusMessage message={toggle.status} />
        {confirmOwn && (
          <Notice kind="warning" title="You have not set up two-factor authentication yourself">
            <p>
              Once {confirmOwn.name} requires it, you must set it up before you can do anything else
              in the hub.
            </p>
            <div class="form-actions notice-actions">
              <button
                type="button"
                class="btn btn-primary btn-small"
                onClick={() => {
                  const org = confirmOwn;
                  setConfirmOwn(null);
                  void toggleTotp(org);
                }}
              >
                Require it now
              </button>
              <button
                type="button"
                class="btn btn-ghost btn-small"
                onClick={() => setConfirmOwn(null)}
              >
                Cancel
              </button>
            </div>
          </Notice>
        )}
        {orgs.loading && !orgs.data && <Spinner />}
        {orgs.data && (
          <DataTable
            label="Organisations"
            columns={["Organisation", "Kind", "Country", "Size", "Two-factor", "Registered"]}
          >
            {rows.map(({ org, depth }) => (
              <tr key={org.id} data-org-id={org.id}>
                <th scope="row" class={`tree-cell depth-${Math.min(depth, 4)}`}>
                  {depth > 0 && <span class="tree-branch" aria-hidden="true" />}
                  <span class="tree-name">{org.name}</span>
                  {org.id === me.organisation.id && <Badge tone="info">Yours</Badge>}
                </th>
                <td class="nowrap">
                  <span class={`kind-dot kind-${org.kind}`} aria-hidden="true" />
                  {org.kind === "provider" ? kindLabel(org) : kKindLabels[org.kind]}
                </td>
                <td>{org.kind === "support_centre" ? "EU" : countryName(org.country)}</td>
                <td>{org.size_band ? kSizeBandLabels[org.size_band].split(" (")[0] : "—"}</td>
                <td>
                  {managed.has(org.id) ? (
                    <TotpSwitch
                      org={org}
                      checked={pending?.id === org.id ? pending.value : org.require_totp}
                      busy={pending?.id === org.id}
                      onToggle={() => {
                        const locksMeOut =
                          org.id === me.organisation.id &&
                          !org.require_totp &&
                          !me.user.totp_enabled;
                        if (locksMeOut) setConfirmOwn(org);
                        else void toggleTotp(org);
                      }}
                    />
                  ) : org.require_totp ? (
                    <Badge tone="good">Required</Badge>
                  ) : (
                    <span class="muted">Optional</span>
                  )}
                </td>
                <td>{formatDate(org.created_at)}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </Card>
      {isAdmin(me) && me.organisation.kind !== "provider" && orgs.data && (
        <CreateOrganisation orgs={list} onCreated={orgs.reload} />
      )}
    </>
  );
}

function TotpSwitch(props: {
  org: Organisation;
  checked: boolean;
  busy: boolean;
  onToggle: () => void;
}) {
  const id = useId();
  return (
    <div class="switch-field">
      <input
        type="checkbox"
        role="switch"
        id={id}
        class="switch"
        checked={props.checked}
        aria-busy={props.busy}
        onClick={(e) => {
          if (props.busy) e.preventDefault();
        }}
        onChange={props.onToggle}
      />
      <label for={id}>
        <span class="switch-state">{props.checked ? "Required" : "Optional"}</span>
        <span class="sr-only"> — Require two-factor authentication for {props.org.name}</span>
      </label>
    </div>
  );
}

function CreateOrganisation(props: { orgs: Organisation[]; onCreated: () => Promise<void> }) {
  const { me } = useSession();
  const mine = me.organisation;
  const kinds: Array<[OrgKind, string]> =
    mine.kind === "support_centre"
      ? [
          ["authority", "National authority"],
          ["provider", "Healthcare provider"],
        ]
      : [["provider", "Healthcare provider"]];

  const authorities = props.orgs
    .filter((o) => o.kind === "authority")
    .filter((o) => mine.kind === "support_centre" || o.id === mine.id)
    .sort((a, b) => a.name.localeCompare(b.name));
  const supportCentre =
    mine.kind === "support_centre" ? mine : props.orgs.find((o) => o.kind === "support_centre");

  const [kind, setKind] = useState<OrgKind>(kinds[0][0]);
  const [name, setName] = useState("");
  const [country, setCountry] = useState("");
  const [parent, setParent] = useState(authorities[0] ? String(authorities[0].id) : "");
  const [providerType, setProviderType] = useState<ProviderType>("hospital");
  const [size, setSize] = useState<SizeBand>("large");
  const { busy, error, status, setStatus, run } = useAction();

  const submit = (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = { name: name.trim(), kind };
    if (kind === "authority") {
      body.country = country;
      body.parent_id = supportCentre?.id ?? null;
    } else {
      body.parent_id = parent ? Number(parent) : null;
      body.provider_type = providerType;
      body.size_band = size;
    }
    return run(async () => {
      const created = await post<Organisation>("/api/v1/organisations", body);
      setStatus(`${created.name} was registered as ${kindLabel(created).toLowerCase()}.`);
      setName("");
      await props.onCreated();
    });
  };

  const parentAuthority = authorities.find((a) => String(a.id) === parent);
  return (
    <Card
      title="Register an organisation"
      description={
        mine.kind === "support_centre"
          ? "Add a national authority, or a healthcare provider under one of the authorities."
          : `Add a healthcare provider under ${mine.name}.`
      }
    >
      <Form class="form form-grid" error={error} onSubmit={submit}>
        <ProblemAlert error={error} class="span-2" />
        <StatusMessage message={status} />
        {kinds.length > 1 && (
          <SelectField label="Kind" name="kind" value={kind} onValue={setKind} options={kinds} />
        )}
        <TextField
          label="Name"
          name="name"
          value={name}
          onValue={setName}
          required
          maxLength={200}
        />
        {kind === "authority" && (
          <SelectField
            label="Country"
            name="country"
            value={country}
            onValue={setCountry}
            options={[
              ["", "Choose a country"],
              ...kCountries.map(([c, n]) => [c, `${n} (${c})`] as const),
            ]}
            hint="The authority's providers inherit this country."
          />
        )}
        {kind === "provider" && (
          <>
            <SelectField
              label="National authority"
              name="parent_id"
              value={parent}
              onValue={setParent}
              disabled={authorities.length <= 1}
              options={
                authorities.length
                  ? authorities.map(
                      (a) => [String(a.id), `${a.name} (${a.country ?? "—"})`] as const,
                    )
                  : [["", "No authority registered yet"] as const]
              }
              hint={
                parentAuthority
                  ? `The provider's country will be ${countryName(parentAuthority.country)}.`
                  : undefined
              }
            />
            <SelectField
              label="Provider type"
              name="provider_type"
              value={providerType}
              onValue={setProviderType}
              options={Object.entries(kProviderTypeLabels) as Array<[ProviderType, string]>}
            />
            <SelectField
              label="Size"
              name="size_band"
              value={size}
              onValue={setSize}
              options={Object.entries(kSizeBandLabels) as Array<[SizeBand, string]>}
            />
          </>
        )}
        <SubmitActions
          label="Register organisation"
          busyLabel="Registering…"
          busy={busy}
          class="span-2"
        />
      </Form>
    </Card>
  );
}
