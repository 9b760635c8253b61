/**
 * The one JSON shape of a recorded event in the CLI: export/import lines, `tail --json`
 * and `stream read --json`. Revisions and positions are strings (bigint never goes
 * through Number).
 */
import type { RecordedEvent } from '../eventstore/eventStore.js';

export interface EventJson {
  stream: string;
  type: string;
  id: string;
  data: unknown;
  metadata: Record<string, unknown>;
  revision: string;
  position: string;
  recordedAt: string;
}

export function eventToJson(event: RecordedEvent): EventJson {
  return {
    stream: event.streamName,
    type: event.type,
    id: event.id,
    data: event.data,
    metadata: event.metadata,
    revision: event.revision.toString(),
    position: event.position.toString(),
    recordedAt: event.recordedAt.toISOString(),
  };
}

/** One human line: position, time, stream#revision (or #revision first), type, actor, data. */
export function eventLine(event: RecordedEvent, data: unknown, opts: { stream: boolean }): string {
  const actor = typeof event.metadata.actorId === 'string' ? `  actor=${event.metadata.actorId}` : '';
  const rest = `${event.type}${actor}  ${JSON.stringify(data)}`;
  return opts.stream
    ? `${event.position}  ${event.recordedAt.toISOString()}  ${event.streamName}#${event.revision}  ${rest}`
    : `#${event.revision}  position ${event.position}  ${event.recordedAt.toISOString()}  ${rest}`;
}

export const categoryOf = (stream: string): string => {
  const dash = stream.indexOf('-');
  return dash === -1 ? stream : stream.slice(0, dash);
};
