/** The OpenFaaS gateway's Prometheus metrics, same names and labels, so one dashboard serves both. */

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class GatewayMetrics {
  private readonly invocations = new Map<string, number>();
  private readonly started = new Map<string, number>();
  private readonly seconds = new Map<string, Histogram>();
  private readonly replicas = new Map<string, () => number>();

  /** OpenFaaS names functions `<name>.<namespace>`; the default namespace is openfaas-fn. */
  static label(fn: string): string {
    return `${fn}.openfaas-fn`;
  }

  trackReplicas(fn: string, count: () => number): void {
    this.replicas.set(fn, count);
  }

  invocationStarted(fn: string): void {
    this.started.set(fn, (this.started.get(fn) ?? 0) + 1);
  }

  invocationDone(fn: string, code: number, seconds: number): void {
    const key = `${fn}\u0000${code}`;
    this.invocations.set(key, (this.invocations.get(key) ?? 0) + 1);
    let h = this.seconds.get(key);
    if (!h) {
      h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.seconds.set(key, h);
    }
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) h.counts[i]!++;
    });
    h.sum += seconds;
    h.count++;
  }

  render(): string {
    const out: string[] = [];
    out.push('# HELP gateway_function_invocation_total Function metrics');
    out.push('# TYPE gateway_function_invocation_total counter');
    for (const [key, n] of this.invocations) {
      const [fn, code] = key.split('\u0000') as [string, string];
      out.push(`gateway_function_invocation_total{code="${code}",function_name="${escape(GatewayMetrics.label(fn))}"} ${n}`);
    }
    out.push('# HELP gateway_function_invocation_started The total number of function HTTP requests started.');
    out.push('# TYPE gateway_function_invocation_started counter');
    for (const [fn, n] of this.started) {
      out.push(`gateway_function_invocation_started{function_name="${escape(GatewayMetrics.label(fn))}"} ${n}`);
    }
    out.push('# HELP gateway_functions_seconds Function time taken');
    out.push('# TYPE gateway_functions_seconds histogram');
    for (const [key, h] of this.seconds) {
      const [fn, code] = key.split('\u0000') as [string, string];
      const labels = `code="${code}",function_name="${escape(GatewayMetrics.label(fn))}"`;
      BUCKETS.forEach((b, i) => out.push(`gateway_functions_seconds_bucket{${labels},le="${b}"} ${h.counts[i]}`));
      out.push(`gateway_functions_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      out.push(`gateway_functions_seconds_sum{${labels}} ${h.sum}`);
      out.push(`gateway_functions_seconds_count{${labels}} ${h.count}`);
    }
    out.push('# HELP gateway_service_count Current count of replicas for function');
    out.push('# TYPE gateway_service_count gauge');
    for (const [fn, count] of this.replicas) {
      out.push(`gateway_service_count{function_name="${escape(GatewayMetrics.label(fn))}"} ${count()}`);
    }
    return `${out.join('\n')}\n`;
  }
}
