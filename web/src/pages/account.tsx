// My account: profile, password, two-factor authentication and personal API tokens.

import { useState } from "preact/hooks";

import { type ApiError, del, get, post, toApiError } from "../api";
import {
  Badge,
  Card,
  ConfirmButton,
  PageHeader,
  ProblemAlert,
  SecretOnce,
  Spinner,
  StatusMessage,
  TextField,
} from "../components";
import { formatDate, formatDateTime, isPast, kindLabel, kRoleLabels } from "../format";
import { useResource } from "../hooks";
import { useSession } from "../session";
import type { ApiToken, CreatedToken, Items, Scope } from "../types";
import { PasswordChangeForm } from "./password-form";
import { TotpEnrollment } from "./totp-enrollment";

export function AccountPage() {
  const { me } = useSession();
  const [passwordStatus, setPasswordStatus] = useState<string | null>(null);
  return (
    <>
      <PageHeader title="My account" description="Your sign-in settings and API tokens." />
      <div class="grid-2">
        <Card title="Profile">
          <dl class="facts">
            <dt>Name</dt>
            <dd>{me.user.display_name || "—"}</dd>
            <dt>Username</dt>
            <dd>
              <code>{me.user.username}</code>
            </dd>
            <dt>Email</dt>
            <dd>{me.user.email || "—"}</dd>
            <dt>Role</dt>
            <dd>{kRoleLabels[me.user.role]}</dd>
            <dt>Organisation</dt>
            <dd>
              {me.organisation.name} <span class="muted">· {kindLabel(me.organisation)}</span>
            </dd>
            <dt>Member since</dt>
            <dd>{formatDate(me.user.created_at)}</dd>
          </dl>
        </Card>
        <Card title="Password">
          <StatusMessage message={passwordStatus} />
          <PasswordChangeForm
            currentLabel="Current password"
            submitLabel="Change password"
            onChanged={() => setPasswordStatus("Your password was changed.")}
          />
        </Card>
      </div>
      <TwoFactor />
      <Tokens />
    </>
  );
}

function TwoFactor() {
  const { me, refresh } = useSession();
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  const disable = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      await post<void>("/api/v1/me/totp/disable", { password });
      setPassword("");
      await refresh();
      setStatus("Two-factor authentication is off.");
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const enabled = me.user.totp_enabled;
  return (
    <Card
      title="Two-factor authentication"
      description="A time-based code from an authenticator app (RFC 6238) in addition to your password."
      actions={
        enabled ? <Badge tone="good">Enabled</Badge> : <Badge tone="warn">Not enabled</Badge>
      }
    >
      <ProblemAlert error={error} />
      <StatusMessage message={status} />
      {!enabled && (
        <TotpEnrollment
          intro={
            me.organisation.require_totp
              ? `${me.organisation.name} requires two-factor authentication for every account.`
              : "Two-factor authentication keeps your account safe even if your password leaks."
          }
          onEnabled={async () => {
            await refresh();
            setStatus(
              "Two-factor authentication is on. You will be asked for a code at each sign-in.",
            );
          }}
          onCancel={() => setStatus(null)}
        />
      )}
      {enabled && me.organisation.require_totp && (
        <p>
          {me.organisation.name} requires two-factor authentication, so it cannot be turned off for
          your account.
        </p>
      )}
      {enabled && !me.organisation.require_totp && (
        <form class="form form-inline" onSubmit={disable}>
          <TextField
            label="Password to turn it off"
            name="password"
            type="password"
            value={password}
            onValue={setPassword}
            autoComplete="current-password"
            required
          />
          <button type="submit" class="btn btn-danger-outline" disabled={busy}>
            Turn off two-factor authentication
          </button>
        </form>
      )}
    </Card>
  );
}

function Tokens() {
  const tokens = useResource(() => get<Items<ApiToken>>("/api/v1/tokens"), []);
  const [name, setName] = useState("");
  const [read, setRead] = useState(true);
  const [write, setWrite] = useState(false);
  const [days, setDays] = useState("90");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedToken | null>(null);

  const create = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setStatus(null);
    const scopes: Scope[] = [];
    if (read) scopes.push("read");
    if (write) scopes.push("write");
    try {
      const result = await post<CreatedToken>("/api/v1/tokens", {
        name: name.trim(),
        scopes,
        expires_in_days: Number(days),
      });
      setCreated(result);
      setName("");
      await tokens.reload();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (t: ApiToken) => {
    setError(null);
    setStatus(null);
    try {
      await del<void>(`/api/v1/tokens/${t.id}`);
      setStatus(`The token “${t.name}” was revoked.`);
      if (created?.item.id === t.id) setCreated(null);
    } catch (err) {
      setError(toApiError(err));
    }
    await tokens.reload();
  };

  const field = error?.problem.field;
  return (
    <Card
      title="API tokens"
      description="Tokens let scripts and the Caduceus agent call the hub's API as you. Send one as “Authorization: Bearer <token>”."
    >
      <ProblemAlert error={tokens.error ?? error} />
      <StatusMessage message={status} />
      {created && (
        <SecretOnce
          title={`Token “${created.item.name}”`}
          secret={created.token}
          onDismiss={() => setCreated(null)}
        >
          <p>It is shown only this once. Store it in a password manager or a secrets store.</p>
        </SecretOnce>
      )}
      {tokens.loading && !tokens.data && <Spinner />}
      {tokens.data && tokens.data.items.length === 0 && (
        <p class="empty">You have no API tokens.</p>
      )}
      {tokens.data && tokens.data.items.length > 0 && (
        <div class="table-wrap">
          <table class="table" aria-label="API tokens">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.items.map((t) => {
                const expired = isPast(t.expires_at);
                return (
                  <tr
                    key={t.id}
                    data-token-name={t.name}
                    class={t.revoked ? "row-muted" : undefined}
                  >
                    <th scope="row">
                      <span class="cell-main">{t.name}</span>
                      <span class="cell-sub mono" title="First characters of the token">
                        {t.prefix}…
                      </span>
                    </th>
                    <td>{t.scopes.join(", ")}</td>
                    <td>{formatDate(t.created_at)}</td>
                    <td>{formatDate(t.expires_at)}</td>
                    <td class="cell-date">{formatDateTime(t.last_used_at)}</td>
                    <td>
                      {t.revoked ? (
                        <Badge tone="bad">Revoked</Badge>
                      ) : expired ? (
                        <Badge tone="warn">Expired</Badge>
                      ) : (
                        <Badge tone="good">Active</Badge>
                      )}
                    </td>
                    <td class="cell-actions">
                      {!t.revoked && (
                        <ConfirmButton
                          label="Revoke"
                          accessibleLabel={`Revoke ${t.name}`}
                          confirmLabel="Revoke"
                          question="Revoke this token?"
                          tone="danger"
                          onConfirm={() => revoke(t)}
                        />
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <form class="form token-form" onSubmit={create}>
        <h3 class="subheading">New token</h3>
        <div class="form-row">
          <TextField
            label="Name"
            name="token_name"
            value={name}
            onValue={setName}
            required
            maxLength={100}
            placeholder="e.g. agent on backup server"
            invalid={field === "name"}
          />
          <fieldset class="field checks" aria-invalid={field === "scopes" ? "true" : undefined}>
            <legend>Scopes</legend>
            <label class="check">
              <input
                type="checkbox"
                name="scope_read"
                checked={read}
                onChange={(e) => setRead(e.currentTarget.checked)}
              />
              read
            </label>
            <label class="check">
              <input
                type="checkbox"
                name="scope_write"
                checked={write}
                onChange={(e) => setWrite(e.currentTarget.checked)}
              />
              write
            </label>
          </fieldset>
          <TextField
            label="Expires in (days)"
            name="expires_in_days"
            type="number"
            min={1}
            max={365}
            value={days}
            onValue={setDays}
            required
            invalid={field === "expires_in_days"}
          />
          <div class="form-actions">
            <button type="submit" class="btn btn-primary" disabled={busy}>
              {busy ? "Creating…" : "Create token"}
            </button>
          </div>
        </div>
      </form>
    </Card>
  );
}
