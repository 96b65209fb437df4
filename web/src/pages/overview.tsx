// Overview: who the user is, their organisation and where it sits in the hierarchy
// (support centre -> national authorities -> healthcare providers).

import { get } from "../api";
import { Badge, Card, Link, Notice, PageHeader, ProblemAlert, Spinner } from "../components";
import {
  countryName,
  formatDate,
  formatDateTime,
  kindLabel,
  kKindLabels,
  kProviderTypeLabels,
  kRoleDescriptions,
  kRoleLabels,
  kSizeBandLabels,
} from "../format";
import { useResource } from "../hooks";
import { useSession } from "../session";
import type { Items, Organisation } from "../types";
import { RemindersCard } from "./incident-clocks";

export function OverviewPage() {
  const { me } = useSession();
  const { user, organisation: org } = me;
  const orgs = useResource(() => get<Items<Organisation>>("/api/v1/organisations"), []);

  return (
    <>
      <PageHeader
        title="Overview"
        description={`Welcome, ${user.display_name || user.username}. This is your place in the Caduceus network.`}
      />
      {!user.totp_enabled && (
        <Notice
          kind={org.require_totp ? "warning" : "info"}
          title={
            org.require_totp
              ? "Your organisation requires two-factor authentication"
              : "Protect your account with two-factor authentication"
          }
        >
          <p>
            Add an authenticator app to your account in <Link href="/account">My account</Link> so
            that a stolen password alone cannot open it.
          </p>
        </Notice>
      )}
      <RemindersCard />
      <div class="grid-2">
        <Card title="You">
          <dl class="facts">
            <dt>Name</dt>
            <dd>{user.display_name || "—"}</dd>
            <dt>Username</dt>
            <dd>
              <code>{user.username}</code>
            </dd>
            <dt>Role</dt>
            <dd>
              <strong>{kRoleLabels[user.role]}</strong>
              <span class="muted"> — {kRoleDescriptions[user.role]}</span>
            </dd>
            <dt>Email</dt>
            <dd>{user.email || "—"}</dd>
            <dt>Two-factor</dt>
            <dd>
              {user.totp_enabled ? (
                <Badge tone="good">Enabled</Badge>
              ) : (
                <Badge tone={org.require_totp ? "bad" : "warn"}>Not enabled</Badge>
              )}
            </dd>
            <dt>Last sign-in</dt>
            <dd>{formatDateTime(user.last_login_at)}</dd>
          </dl>
        </Card>
        <Card title="Your organisation">
          <dl class="facts">
            <dt>Name</dt>
            <dd>{org.name}</dd>
            <dt>Kind</dt>
            <dd>{kKindLabels[org.kind]}</dd>
            {org.kind !== "support_centre" && (
              <>
                <dt>Country</dt>
                <dd>{countryName(org.country)}</dd>
              </>
            )}
            {org.kind === "provider" && (
              <>
                <dt>Provider type</dt>
                <dd>{org.provider_type ? kProviderTypeLabels[org.provider_type] : "—"}</dd>
                <dt>Size</dt>
                <dd>{org.size_band ? kSizeBandLabels[org.size_band] : "—"}</dd>
              </>
            )}
            <dt>Two-factor policy</dt>
            <dd>{org.require_totp ? "Required for every user" : "Optional"}</dd>
            <dt>Registered</dt>
            <dd>{formatDate(org.created_at)}</dd>
          </dl>
        </Card>
      </div>
      <Card
        title="Place in the hierarchy"
        description="Providers report to their national authority; authorities work with the EU support centre."
      >
        <ProblemAlert error={orgs.error} />
        {orgs.loading && !orgs.data && <Spinner />}
        {orgs.data && <Hierarchy orgs={orgs.data.items} mine={org} />}
      </Card>
    </>
  );
}

function Hierarchy(props: { orgs: Organisation[]; mine: Organisation }) {
  const byId = new Map(props.orgs.map((o) => [o.id, o]));
  byId.set(props.mine.id, props.mine);

  const chain: Organisation[] = [];
  const seen = new Set<number>();
  for (let o: Organisation | undefined = props.mine; o && !seen.has(o.id);) {
    seen.add(o.id);
    chain.unshift(o);
    o = o.parent_id === null ? undefined : byId.get(o.parent_id);
  }
  const children = props.orgs.filter((o) => o.parent_id === props.mine.id);
  const grandchildren = props.orgs.filter(
    (o) => o.parent_id !== null && children.some((c) => c.id === o.parent_id),
  );

  return (
    <>
      <ol class="chain">
        {chain.map((o) => (
          <li key={o.id} class={o.id === props.mine.id ? "chain-item chain-mine" : "chain-item"}>
            <span class="chain-kind">{kindLabel(o)}</span>
            <span class="chain-name">{o.name}</span>
            {o.id === props.mine.id && <span class="chain-you">Your organisation</span>}
          </li>
        ))}
      </ol>
      {children.length > 0 && (
        <div class="below">
          <h3 class="subheading">
            Under {props.mine.name}: {countLabel(children)}
            {grandchildren.length > 0 && `, and ${countLabel(grandchildren)} below them`}
          </h3>
          <ul class="pill-list">
            {children.slice(0, 12).map((c) => (
              <li key={c.id} class="pill">
                {c.name} <span class="muted">· {kindLabel(c)}</span>
              </li>
            ))}
            {children.length > 12 && <li class="pill muted">and {children.length - 12} more</li>}
          </ul>
        </div>
      )}
      {children.length === 0 && props.mine.kind !== "provider" && (
        <p class="muted">No organisations are registered under yours yet.</p>
      )}
    </>
  );
}

function countLabel(orgs: Organisation[]): string {
  const authorities = orgs.filter((o) => o.kind === "authority").length;
  const providers = orgs.filter((o) => o.kind === "provider").length;
  const parts: string[] = [];
  if (authorities) parts.push(`${authorities} ${authorities === 1 ? "authority" : "authorities"}`);
  if (providers) parts.push(`${providers} ${providers === 1 ? "provider" : "providers"}`);
  return parts.join(" and ") || `${orgs.length} organisations`;
}
