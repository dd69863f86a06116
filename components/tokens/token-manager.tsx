"use client";
// API tokens: create one (its value is shown once, here), see them all, revoke. Admins only: the
// server refuses anyone else, and the page says so.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { button, buttonPrimary, fieldError, input, label, sectionHeading } from "../experiment/ui";
import { RelativeTime } from "../relative-time";
import { useTRPC } from "../trpc";

const ROLES = ["worker", "viewer", "admin"] as const;
const ROLE_TEXT: Record<(typeof ROLES)[number], string> = {
  worker: "worker — read, and the worker calls (next job, heartbeat, metrics, complete, fail)",
  viewer: "viewer — read only",
  admin: "admin — everything, tokens included",
};

function errorText(error: unknown): string {
  const lineage = (error as { data?: { lineage?: { message?: string } | null } })?.data?.lineage;
  return lineage?.message ?? (error as Error)?.message ?? "failed";
}

export function TokenManager() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const [name, setName] = useState("");
  const [role, setRole] = useState<(typeof ROLES)[number]>("worker");
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const ids = { name: useId(), role: useId(), error: useId() };
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
  const create = useMutation(
    trpc.tokens.create.mutationOptions({
      onSuccess: (token) => {
        setCreated({ name: token.name, token: token.token });
        setName("");
        void refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions({ onSuccess: () => void refresh() }));

  if (tokens.error) {
    return (
      <p role="alert" className="text-sm text-red-700 dark:text-red-400">
        {errorText(tokens.error)}
      </p>
    );
  }
  return (
    <div className="space-y-8">
      <section aria-labelledby="new-token" className="space-y-3">
        <h2 id="new-token" className={sectionHeading}>
          New token
        </h2>
        <form
          className="flex flex-wrap items-end gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ name: name.trim() || `${role} token`, role });
          }}
        >
          <div className="min-w-64 flex-1">
            <label htmlFor={ids.name} className={label}>
              What it is for
            </label>
            <input
              id={ids.name}
              className={input}
              value={name}
              placeholder="e.g. GPU cluster workers"
              maxLength={100}
              onChange={(e) => setName(e.target.value)}
            />
          </div>
          <div>
            <label htmlFor={ids.role} className={label}>
              Role
            </label>
            <select id={ids.role} className={input} value={role} onChange={(e) => setRole(e.target.value as typeof role)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {ROLE_TEXT[r]}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className={buttonPrimary} disabled={create.isPending} aria-describedby={create.error ? ids.error : undefined}>
            Create token
          </button>
        </form>
        {create.error && (
          <p id={ids.error} role="alert" className={fieldError}>
            {errorText(create.error)}
          </p>
        )}
        {created && (
          <div role="status" className="rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm dark:border-emerald-800 dark:bg-emerald-950">
            <p className="font-medium">Token “{created.name}” — copy it now, it is not shown again:</p>
            <code className="mt-2 block break-all rounded bg-white px-2 py-1 font-mono dark:bg-zinc-900" data-testid="new-token">
              {created.token}
            </code>
          </div>
        )}
      </section>

      <section aria-labelledby="all-tokens" className="space-y-3">
        <h2 id="all-tokens" className={sectionHeading}>
          Tokens
        </h2>
        {tokens.data && tokens.data.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">No tokens yet. Access control is off on this server (it listens on loopback).</p>
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="border-b border-zinc-200 text-xs text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
              <tr>
                <th scope="col" className="py-2 pr-3">
                  Name
                </th>
                <th scope="col" className="py-2 pr-3">
                  Role
                </th>
                <th scope="col" className="py-2 pr-3">
                  Token
                </th>
                <th scope="col" className="py-2 pr-3">
                  Created
                </th>
                <th scope="col" className="py-2 pr-3">
                  Last used
                </th>
                <th scope="col" className="py-2">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.data?.map((t) => (
                <tr key={t.id} className="border-b border-zinc-100 dark:border-zinc-900">
                  <th scope="row" className="py-2 pr-3 font-medium">
                    {t.name}
                  </th>
                  <td className="py-2 pr-3">{t.role}</td>
                  <td className="py-2 pr-3 font-mono text-xs">{t.prefix}…</td>
                  <td className="py-2 pr-3">
                    <RelativeTime iso={t.createdAt} />
                  </td>
                  <td className="py-2 pr-3">{t.lastUsedAt ? <RelativeTime iso={t.lastUsedAt} /> : "never"}</td>
                  <td className="py-2 text-right">
                    {t.revokedAt ? (
                      <span className="text-xs text-zinc-500">revoked</span>
                    ) : (
                      <button
                        type="button"
                        className={button}
                        disabled={revoke.isPending}
                        onClick={() => {
                          if (window.confirm(`Revoke “${t.name}”? Workers using it stop being able to talk to Lineage.`)) revoke.mutate({ id: t.id });
                        }}
                      >
                        Revoke<span className="sr-only"> {t.name}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {revoke.error && (
          <p role="alert" className={fieldError}>
            {errorText(revoke.error)}
          </p>
        )}
      </section>
    </div>
  );
}
