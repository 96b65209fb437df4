// Administration > Users: users of the organisations an administrator manages, filtered by
// organisation; create users (the one-time password is shown once), change roles, disable or
// enable accounts, reset passwords.

import { useEffect, useId, useMemo, useRef, useState } from "preact/hooks";

import { get, patch, post } from "../api";
import {
  Badge,
  Card,
  ConfirmButton,
  DataTable,
  Form,
  PageHeader,
  ProblemAlert,
  SecretOnce,
  SelectField,
  Spinner,
  StatusMessage,
  SubmitActions,
  TextField,
} from "../components";
import { formatDateTime, kRoleDescriptions, kRoleLabels } from "../format";
import { useAction, useResource } from "../hooks";
import { useSession } from "../session";
import type { CreatedUser, Items, Organisation, Role, User } from "../types";
import { subtreeIds, treeRows } from "./org-tree";

const kRoles: Role[] = ["admin", "analyst", "reporter", "viewer"];
const kRoleOptions = kRoles.map((r) => [r, kRoleLabels[r]] as const);

interface Secret {
  username: string;
  password: string;
  created: boolean;
}

export function UsersPage() {
  const { me } = useSession();
  const orgs = useResource(() => get<Items<Organisation>>("/api/v1/organisations"), []);
  const [filter, setFilter] = useState("");
  const users = useResource(
    () =>
      get<Items<User>>(
        filter ? `/api/v1/users?organisation_id=${encodeURIComponent(filter)}` : "/api/v1/users",
      ),
    [filter],
  );
  const [secret, setSecret] = useState<Secret | null>(null);
  const action = useAction();
  const secretRef = useRef<HTMLDivElement>(null);

  const scope = useMemo(() => {
    const list = orgs.data?.items ?? [];
    const ids = subtreeIds(list, me.organisation.id);
    const rows = treeRows(list.filter((o) => ids.has(o.id)));
    return rows.length ? rows : [{ org: me.organisation, depth: 0 }];
  }, [orgs.data, me]);
  const orgName = (id: number) => scope.find((r) => r.org.id === id)?.org.name ?? `#${id}`;
  const orgOptions = scope.map(
    ({ org, depth }) => [String(org.id), `${"\u00a0\u00a0".repeat(depth)}${org.name}`] as const,
  );

  useEffect(() => {
    if (secret) secretRef.current?.scrollIntoView({ block: "nearest" });
  }, [secret]);

  const act = async (work: () => Promise<string>) => {
    await action.run(work, { quiet: true });
    await users.reload();
  };

  const changeRole = (u: User, role: Role) =>
    act(async () => {
      await patch<User>(`/api/v1/users/${u.id}`, { role });
      return `${u.username} is now ${kRoleLabels[role].toLowerCase()}.`;
    });

  const setDisabled = (u: User, disabled: boolean) =>
    act(async () => {
      await patch<User>(`/api/v1/users/${u.id}`, { disabled });
      return disabled ? `${u.username} was disabled.` : `${u.username} was enabled.`;
    });

  const resetPassword = (u: User) =>
    act(async () => {
      const res = await post<{ initial_password: string }>(
        `/api/v1/users/${u.id}/reset-password`,
        {},
      );
      setSecret({ username: u.username, password: res.initial_password, created: false });
      return `The password of ${u.username} was reset.`;
    });

  if (users.error?.status === 403) {
    return (
      <>
        <PageHeader title="Users" />
        <ProblemAlert error={users.error} />
      </>
    );
  }

  return (
    <>
      <PageHeader
        title="Users"
        description="People who can sign in for the organisations you administer."
      />
      {secret && (
        <div ref={secretRef}>
          <SecretOnce
            title={
              secret.created
                ? `Initial password for ${secret.username}`
                : `New one-time password for ${secret.username}`
            }
            secret={secret.password}
            onDismiss={() => setSecret(null)}
          >
            <p>
              It is shown only this once. Give it to {secret.username} through a trusted channel (in
              person or by phone, not in the same email as the username). They must choose their own
              password when they first sign in.
            </p>
          </SecretOnce>
        </div>
      )}
      <Card
        title="Accounts"
        actions={
          <div class="filter">
            <SelectField
              label="Organisation"
              name="organisation_filter"
              value={filter}
              onValue={setFilter}
              options={[["", "All organisations you manage"], ...orgOptions]}
            />
          </div>
        }
      >
        <ProblemAlert error={users.error ?? action.error} />
        <StatusMessage message={action.status} />
        {users.loading && !users.data && <Spinner />}
        {users.data && users.data.items.length === 0 && (
          <p class="empty">No users in this organisation yet.</p>
        )}
        {users.data && users.data.items.length > 0 && (
          <DataTable
            label="Users"
            columns={["User", !filter && "Organisation", "Role", "Status", "Last sign-in"]}
            actions
          >
            {users.data.items.map((u) => (
              <UserRow
                key={u.id}
                user={u}
                self={u.id === me.user.id}
                orgName={filter ? null : orgName(u.organisation_id)}
                onRole={(r) => void changeRole(u, r)}
                onDisabled={(d) => setDisabled(u, d)}
                onReset={() => resetPassword(u)}
              />
            ))}
          </DataTable>
        )}
      </Card>
      <CreateUser
        orgOptions={orgOptions}
        defaultOrg={filter || String(me.organisation.id)}
        onCreated={async (created) => {
          setSecret({
            username: created.user.username,
            password: created.initial_password,
            created: true,
          });
          action.setStatus(null);
          await users.reload();
        }}
      />
    </>
  );
}

function UserRow(props: {
  user: User;
  self: boolean;
  orgName: string | null;
  onRole: (r: Role) => void;
  onDisabled: (d: boolean) => Promise<void>;
  onReset: () => Promise<void>;
}) {
  const { user: u } = props;
  const roleId = useId();
  return (
    <tr data-username={u.username} class={u.disabled ? "row-muted" : undefined}>
      <th scope="row" class="cell-user">
        <span class="cell-main">{u.display_name || u.username}</span>
        <span class="cell-sub">
          {u.username}
          {props.self && " (you)"}
        </span>
      </th>
      {props.orgName !== null && <td>{props.orgName}</td>}
      <td>
        <label for={roleId} class="sr-only">
          Role of {u.username}
        </label>
        <select
          id={roleId}
          class="input input-compact"
          value={u.role}
          disabled={props.self}
          title={props.self ? "You cannot change your own role." : undefined}
          onChange={(e) => props.onRole(e.currentTarget.value as Role)}
        >
          {kRoleOptions.map(([r, text]) => (
            <option key={r} value={r}>
              {text}
            </option>
          ))}
        </select>
      </td>
      <td>
        {u.disabled ? <Badge tone="bad">Disabled</Badge> : <Badge tone="good">Active</Badge>}
        <span class="cell-note">Two-factor {u.totp_enabled ? "on" : "off"}</span>
      </td>
      <td class="cell-date">{formatDateTime(u.last_login_at)}</td>
      <td class="cell-actions cell-actions-stacked">
        {!props.self &&
          (u.disabled ? (
            <button
              type="button"
              class="btn btn-small btn-secondary"
              aria-label={`Enable ${u.username}`}
              onClick={() => void props.onDisabled(false)}
            >
              Enable
            </button>
          ) : (
            <ConfirmButton
              label="Disable"
              accessibleLabel={`Disable ${u.username}`}
              confirmLabel="Disable"
              question={`Disable ${u.username}?`}
              tone="danger"
              onConfirm={() => props.onDisabled(true)}
            />
          ))}
        {!props.self && (
          <ConfirmButton
            label="Reset password"
            accessibleLabel={`Reset password of ${u.username}`}
            confirmLabel="Reset"
            question="Issue a new one-time password?"
            onConfirm={props.onReset}
          />
        )}
      </td>
    </tr>
  );
}

function CreateUser(props: {
  orgOptions: ReadonlyArray<readonly [string, string]>;
  defaultOrg: string;
  onCreated: (created: CreatedUser) => Promise<void>;
}) {
  const [username, setUsername] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [org, setOrg] = useState(props.defaultOrg);
  const { busy, error, run } = useAction();

  useEffect(() => setOrg(props.defaultOrg), [props.defaultOrg]);

  const submit = (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = {
      username: username.trim(),
      display_name: displayName.trim(),
      role,
      organisation_id: Number(org),
    };
    if (email.trim()) body.email = email.trim();
    return run(async () => {
      const created = await post<CreatedUser>("/api/v1/users", body);
      setUsername("");
      setDisplayName("");
      setEmail("");
      await props.onCreated(created);
    });
  };

  return (
    <Card
      title="Add a user"
      description="The new user receives a one-time password and chooses their own at first sign-in."
    >
      <Form class="form form-grid" error={error} onSubmit={submit}>
        <ProblemAlert error={error} class="span-2" />
        <TextField
          label="Username"
          name="username"
          value={username}
          onValue={(v) => setUsername(v.toLowerCase())}
          required
          minLength={3}
          maxLength={64}
          pattern="[a-z0-9._\-]{3,64}"
          autoCapitalize="none"
          autoComplete="off"
          spellcheck={false}
          hint="3 to 64 characters: lower-case letters, digits, dot, underscore, hyphen."
        />
        <TextField
          label="Display name"
          name="display_name"
          value={displayName}
          onValue={setDisplayName}
          required
          maxLength={200}
          autoComplete="off"
        />
        <TextField
          label="Email (optional)"
          name="email"
          type="email"
          value={email}
          onValue={setEmail}
          maxLength={254}
          autoComplete="off"
        />
        <SelectField
          label="Organisation"
          name="organisation_id"
          value={org}
          onValue={setOrg}
          options={props.orgOptions}
        />
        <SelectField
          label="Role"
          name="role"
          value={role}
          onValue={setRole}
          options={kRoleOptions}
          hint={`${kRoleLabels[role]}: ${kRoleDescriptions[role]}.`}
        />
        <SubmitActions label="Create user" busyLabel="Creating…" busy={busy} class="span-2" />
      </Form>
    </Card>
  );
}
