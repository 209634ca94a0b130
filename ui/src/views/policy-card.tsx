import { useState } from 'preact/hooks';
import { api, seg } from '../api.js';
import { Confirm } from '../parts/confirm.js';
import { SchemaForm } from '../parts/schema-form.js';
import { href } from '../route.js';
import { can, type Session } from '../session.js';
import type { PolicyDetail, PolicyStatus } from '../types.js';

/** The states a person reads: running, suspended, dry run, faulted (restarting or stopped after faults). */
export function policyStates(p: PolicyStatus): string[] {
  const states: string[] = [];
  if (p.state !== 'running') states.push(p.faults > 0 ? 'faulted' : p.state);
  else states.push('running');
  if (p.suspended) states.push('suspended');
  if (p.dryRun) states.push('dry run');
  return states;
}

type Pending = { title: string; text: string; label: string; run: () => Promise<PolicyStatus> };

/** One policy: its state and config, and the controls the session's role allows (each confirmed). */
export function PolicyCard({ policy, session, onChange }: { policy: PolicyStatus; session: Session; onChange: () => void }) {
  const [pending, setPending] = useState<Pending | undefined>();
  const [detail, setDetail] = useState<PolicyDetail | undefined>();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const path = `/policies/${seg(policy.id)}`;
  const run = async (p: Pending) => {
    setPending(undefined);
    try {
      await p.run();
      setMessage({ ok: true, text: `${p.label}: done` });
    } catch (error) {
      setMessage({ ok: false, text: (error as Error).message });
    }
    onChange();
  };
  const operator = can(session, 'operator');
  const slug = policy.id.replace(/[^a-zA-Z0-9_-]/g, '-');
  return (
    <article class="card" data-policy={policy.id} aria-labelledby={`policy-${slug}`}>
      <h3 id={`policy-${slug}`}>{policy.id} <span class="muted">({policy.name})</span></h3>
      <p>
        {policyStates(policy).map((s) => <span key={s} class={`badge pstate-${s.replace(' ', '-')}`}>{s}</span>)}
        <span class="muted"> executor {policy.executor}, cooldown {policy.cooldownMs / 1000} s, {policy.faults} faults</span>
      </p>
      {policy.suspendedReason && <p class="muted">Suspended: {policy.suspendedReason}</p>}
      <p><a href={href('decisions', '', { policy: policy.id })}>Decisions of this policy</a></p>
      {operator && (
        <div class="buttons">
          {policy.suspended
            ? <button type="button" onClick={() => setPending({ title: `Resume ${policy.id}?`, text: 'Its plans will be executed again.', label: 'Resume', run: () => api('POST', `${path}/resume`) })}>Resume</button>
            : <button type="button" onClick={() => setPending({ title: `Suspend ${policy.id}?`, text: 'It keeps planning, but its decisions are recorded as suspended and nothing is executed.', label: 'Suspend', run: () => api('POST', `${path}/suspend`, {}) })}>Suspend</button>}
          <button type="button" onClick={() => setPending({
            title: `${policy.dryRun ? 'End' : 'Start'} dry run of ${policy.id}?`,
            text: policy.dryRun ? 'Its plans will be executed again.' : 'Its plans are recorded as dry_run and nothing is executed.',
            label: policy.dryRun ? 'End dry run' : 'Dry run',
            run: () => api('POST', `${path}/dry-run`, { enabled: !policy.dryRun }),
          })}>{policy.dryRun ? 'End dry run' : 'Dry run'}</button>
        </div>
      )}
      {message && <p class={message.ok ? 'ok' : 'error'} role="status">{message.text}</p>}
      <details onToggle={(e) => (e.currentTarget as HTMLDetailsElement).open && !detail && void api<PolicyDetail>('GET', path).then(setDetail, (err: Error) => setMessage({ ok: false, text: err.message }))}>
        <summary>Config{can(session, 'admin') ? ' (edit)' : ''}</summary>
        {!detail && <p class="muted">Loading…</p>}
        {detail && !can(session, 'admin') && <pre>{JSON.stringify(detail.config, null, 2)}</pre>}
        {detail && can(session, 'admin') && (
          <SchemaForm id={`config-${slug}`} schema={detail.configSchema} initial={detail.config} submitLabel="Save config"
            confirmText={() => `Change the config of ${policy.id}? The policy restarts with it.`}
            onSubmit={async (config) => {
              await api('PUT', `${path}/config`, { config });
              onChange();
              return 'config saved';
            }} />
        )}
      </details>
      {pending && (
        <Confirm title={pending.title} confirmLabel={pending.label} onCancel={() => setPending(undefined)} onConfirm={() => void run(pending)}>
          <p>{pending.text}</p>
        </Confirm>
      )}
    </article>
  );
}
