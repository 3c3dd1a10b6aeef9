import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../shared/src/contract/routes.ts';
import { GatewayMetrics } from '../../local/src/metrics.ts';
import { labelValuesParts, queryParts } from './support/promql.ts';
import { deployDir, parseYamlDocs } from './support/repo.ts';

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { expr: string; refId: string }[];
  panels?: Panel[];
  repeat?: string;
}

const dashboard = JSON.parse(readFileSync(join(deployDir, 'grafana', 'todo-functions.json'), 'utf8')) as {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown; regex?: string; multi?: boolean; includeAll?: boolean }[] };
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

/** What the local gateway's /metrics shows once it has served some calls: names and labels. */
function localGatewayExposes(): { metrics: Set<string>; labels: Set<string>; functionNames: Set<string> } {
  const m = new GatewayMetrics();
  for (const fn of FUNCTIONS) {
    m.trackReplicas(fn, () => 1);
    m.invocationStarted(fn);
    m.invocationDone(fn, 200, 0.02);
    m.invocationStarted(fn);
    m.invocationDone(fn, 401, 0.004);
  }
  const metrics = new Set<string>();
  const labels = new Set<string>();
  const functionNames = new Set<string>();
  for (const line of m.render().split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s/.exec(line);
    if (!match) throw new Error(`unexpected metrics line: ${line}`);
    metrics.add(match[1]!);
    for (const l of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels.add(l[1]!);
      if (l[1] === 'function_name') functionNames.add(l[2]!);
    }
  }
  return { metrics, labels, functionNames };
}

describe('deploy/grafana/todo-functions.json', () => {
  const exposed = localGatewayExposes();

  it('is a dashboard with a function_name variable over this app\'s functions', () => {
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.title).toBeTruthy();
    const variable = dashboard.templating.list.find((v) => v.name === 'function_name')!;
    expect(variable).toBeTruthy();
    expect(variable.multi && variable.includeAll).toBe(true);
    const query = typeof variable.query === 'string' ? variable.query : (variable.query as { query: string }).query;
    const lv = labelValuesParts(query)!;
    expect(lv).toBeTruthy();
    expect(exposed.metrics.has(lv.metric)).toBe(true);
    expect(lv.label).toBe('function_name');
    // Grafana regex "/.../": keeps every function of ours, as the local and a real gateway name them.
    const body = /^\/(.*)\/([a-z]*)$/.exec(variable.regex!)!;
    const re = new RegExp(body[1]!, body[2]);
    for (const name of exposed.functionNames) expect(re.test(name), name).toBe(true);
    for (const fn of FUNCTIONS) expect(re.test(`${fn}.openfaas-fn`)).toBe(true);
    expect(re.test('figlet.openfaas-fn')).toBe(false);
  });

  it('names only metrics and labels the local gateway exposes (and so does a real one)', () => {
    expect(exposed.metrics).toEqual(
      new Set([
        'gateway_function_invocation_total',
        'gateway_function_invocation_started',
        'gateway_functions_seconds_bucket',
        'gateway_functions_seconds_sum',
        'gateway_functions_seconds_count',
        'gateway_service_count',
      ]),
    );
    expect(exprs.length).toBeGreaterThan(5);
    for (const { panel, expr } of exprs) {
      const parts = queryParts(expr);
      expect(parts.metrics.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      for (const metric of parts.metrics) expect(exposed.metrics.has(metric), `${panel}: ${metric}`).toBe(true);
      for (const label of parts.labels) expect(exposed.labels.has(label), `${panel}: label ${label}`).toBe(true);
    }
  });

  it('filters every selector by the function_name variable', () => {
    for (const { panel, expr } of exprs) {
      const selectors = expr.match(/gateway_[a-z_]+(\{[^}]*\})?/g) ?? [];
      for (const s of selectors) expect(s, `${panel}: ${expr}`).toContain('function_name=~"$function_name"');
    }
  });

  it('shows invocation rate, non-2xx rate, p50/p95/p99, replicas and in-flight calls per function', () => {
    const all = exprs.map((e) => e.expr.replace(/\s+/g, ' '));
    const has = (re: RegExp) => all.some((e) => re.test(e));
    expect(has(/rate\(gateway_function_invocation_total\{[^}]*\}\[\$__rate_interval\]\)/)).toBe(true);
    expect(has(/gateway_function_invocation_total\{[^}]*code!~"2\.\."/)).toBe(true);
    for (const q of ['0.50', '0.95', '0.99']) {
      expect(has(new RegExp(`histogram_quantile\\(${q.replace('.', '\\.')}, sum by \\((function_name, )?le\\) \\(rate\\(gateway_functions_seconds_bucket`)), q).toBe(true);
    }
    expect(has(/gateway_service_count\{/)).toBe(true);
    expect(has(/gateway_function_invocation_started\{[^}]*\}\) - sum( by \(function_name\))? ?\(gateway_function_invocation_total/)).toBe(true);
    // One row per selected function.
    expect(dashboard.panels.some((p) => p.type === 'row' && p.repeat === 'function_name')).toBe(true);
  });

  it('has unique panel ids and fits Grafana\'s 24-column grid', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
  });
});

describe('deploy/grafana/prometheus-local.yml', () => {
  it('scrapes the local stack\'s gateway at 127.0.0.1:8080/metrics', () => {
    const [config] = parseYamlDocs('deploy/grafana/prometheus-local.yml') as {
      scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
    }[];
    const job = config!.scrape_configs[0]!;
    expect(job.metrics_path ?? '/metrics').toBe('/metrics');
    expect(job.static_configs.flatMap((s) => s.targets)).toEqual(['127.0.0.1:8080']);
  });
});
