/** PromQL functions and keywords: identifiers in a query that are not metric names. */
const FUNCTIONS = new Set([
  'abs', 'absent', 'absent_over_time', 'avg_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min',
  'count_over_time', 'day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'delta', 'deriv', 'exp',
  'floor', 'histogram_avg', 'histogram_count', 'histogram_fraction', 'histogram_quantile', 'histogram_sum',
  'holt_winters', 'hour', 'idelta', 'increase', 'irate', 'label_join', 'label_replace', 'last_over_time', 'ln',
  'log10', 'log2', 'max_over_time', 'min_over_time', 'minute', 'month', 'predict_linear', 'present_over_time',
  'quantile_over_time', 'rate', 'resets', 'round', 'scalar', 'sgn', 'sort', 'sort_desc', 'sqrt', 'stddev_over_time',
  'stdvar_over_time', 'sum_over_time', 'time', 'timestamp', 'vector', 'year',
]);
const AGGREGATIONS = new Set([
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile',
]);
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

export interface QueryParts {
  metrics: string[];
  /** Label names used in matchers, `by (...)`, `without (...)`, `on (...)`. */
  labels: string[];
  functions: string[];
}

/**
 * The metric names, label names and functions a PromQL expression uses. Handles what dashboards
 * write: selectors with matchers, range and subquery brackets, aggregations with by/without,
 * binary operators, Grafana's $variables and $__interval macros.
 */
export function queryParts(expr: string): QueryParts {
  const metrics = new Set<string>();
  const labels = new Set<string>();
  const functions = new Set<string>();
  // Grafana variables/macros: $__rate_interval, ${var}, $var, [[var]].
  let s = expr.replace(/\$\{[^}]+\}|\$__\w+|\$\w+|\[\[\w+\]\]/g, 'VAR');
  // Matchers: {label op "value", ...}
  s = s.replace(/\{([^}]*)\}/g, (_m, inner: string) => {
    for (const m of inner.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"/g)) labels.add(m[1]!);
    return ' ';
  });
  // Ranges and subqueries: [5m], [VAR], [1h:1m]
  s = s.replace(/\[[^\]]*\]/g, ' ');
  // Grouping clauses: by (...), without (...), on (...), ignoring (...), group_left (...)
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_m, _k, inner: string) => {
    for (const l of inner.split(',').map((x) => x.trim()).filter(Boolean)) labels.add(l);
    return ' ';
  });
  // Strings and numbers (including durations after offset).
  s = s.replace(/"(?:[^"\\]|\\.)*"/g, ' ').replace(/\b\d+(\.\d+)?([eE][+-]?\d+)?[smhdwy]?\b/g, ' ');
  for (const m of s.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const name = m[1]!;
    if (name === 'VAR') continue;
    if (m[2]) {
      if (FUNCTIONS.has(name) || AGGREGATIONS.has(name)) functions.add(name);
      else throw new Error(`unknown PromQL function "${name}" in: ${expr}`);
    } else if (KEYWORDS.has(name.toLowerCase())) {
      continue;
    } else {
      metrics.add(name);
    }
  }
  return { metrics: [...metrics].sort(), labels: [...labels].sort(), functions: [...functions].sort() };
}

/** The metric and label of a Grafana `label_values(metric, label)` variable query. */
export function labelValuesParts(query: string): { metric: string; label: string } | undefined {
  const m = /^\s*label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/.exec(query);
  return m ? { metric: m[1]!, label: m[3]! } : undefined;
}
