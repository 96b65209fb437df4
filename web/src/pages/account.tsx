// My account: profile, password, two-factor authentication and personal API tokens.

import { useState } from "preact/hooks";

import { del, get, post } from "../api";
import {
  Badge,
  Card,
  CheckField,
  ConfirmButton,
  DataTable,
  Form,
  PageHeader,
  PasswordField,
  ProblemAlert,
  SecretOnce,
  Spinner,
  StatusMessage,
  SubmitActions,
  TextField,
} from "../components";
import { formatDate, formatDateTime, isPast, kindLabel, kRoleLabels } from "../format";
import { useAction, useResource } from "../hooks";
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
  const { busy, error, status, setStatus, run } = useAction();

  const disable = (e: Event) => {
    e.preventDefault();
    return run(async () => {
      await post<void>("/api/v1/me/totp/disable", { password });
      setPassword("");
      await refresh();
      return "Two-factor authentication is off.";
    });
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
          <PasswordField
            label="Password to turn it off"
            name="password"
            value={password}
            onValue={setPassword}
            autoComplete="current-password"
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
  const { busy, error, status, run } = useAction();
  const [created, setCreated] = useState<CreatedToken | null>(null);

  const create = (e: Event) => {
    e.preventDefault();
    const scopes: Scope[] = [];
    if (read) scopes.push("read");
    if (write) scopes.push("write");
    return run(async () => {
      const result = await post<CreatedToken>("/api/v1/tokens", {
        name: name.trim(),
        scopes,
        expires_in_days: Number(days),
      });
      setCreated(result);
      setName("");
      await tokens.reload();
    });
  };

  const revoke = async (t: ApiToken) => {
    await run(
      async () => {
        await del<void>(`/api/v1/tokens/${t.id}`);
        if (created?.item.id === t.id) setCreated(null);
        return `The token “${t.name}” was revoked.`;
      },
      { quiet: true },
    );
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
        <DataTable
          label="API tokens"
          columns={["Name", "Scopes", "Created", "Expires", "Last used", "Status"]}
          actions
        >
          {tokens.data.items.map((t) => {
            const expired = isPast(t.expires_at);
            return (
              <tr key={t.id} data-token-name={t.name} class={t.revoked ? "row-muted" : undefined}>
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
        </DataTable>
      )}
      <Form class="form token-form" error={error} onSubmit={create}>
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
            <CheckField label="read" name="scope_read" checked={read} onChecked={setRead} />
            <CheckField label="write" name="scope_write" checked={write} onChecked={setWrite} />
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
          />
          <SubmitActions label="Create token" busyLabel="Creating…" busy={busy} />
        </div>
      </Form>
    </Card>
  );
}
