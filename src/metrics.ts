/** Prometheus metrics, one registry per process (built in main.ts, passed down). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'tessera_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    commandOutcomes: new Counter({
      name: 'tessera_command_outcomes_total',
      help: 'Command outcomes (accepted, rejected, conflict-retry, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    appendDuration: new Histogram({
      name: 'tessera_eventstore_append_duration_seconds',
      help: 'Event-store append latency',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    projectionLagEvents: new Gauge({
      name: 'tessera_projection_lag_events',
      help: 'Events between the store head and the projection checkpoint',
      labelNames: ['projection'],
      registers: [registry],
    }),
    projectionLagSeconds: new Gauge({
      name: 'tessera_projection_lag_seconds',
      help: 'Age of the newest applied event when it was applied',
      labelNames: ['projection'],
      registers: [registry],
    }),
    projectionFailed: new Gauge({
      name: 'tessera_projection_failed',
      help: '1 while the projection is stopped at an event it cannot apply (see tessera projections status), else 0',
      labelNames: ['projection'],
      registers: [registry],
    }),
    projectionRunnerActive: new Gauge({
      name: 'tessera_projection_runner_active',
      help: '1 when some process holds the projection runner lease, else 0',
      labelNames: ['projection'],
      registers: [registry],
    }),
    liveConnections: new Gauge({ name: 'tessera_live_connections', help: 'Open WebSocket connections', registers: [registry] }),
    queueDepth: new Gauge({
      name: 'tessera_queue_depth',
      help: 'Jobs waiting or delayed per queue',
      labelNames: ['queue', 'state'],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
