import Type, { type Static, type TSchema } from 'typebox';
import { newId } from '../common/index.ts';
import { Uuid } from '../schemas/index.ts';

/** CloudEvents 1.0 structured JSON envelope, plus the correlation id and W3C trace context of the flow. */
export const EventEnvelope = Type.Object(
  {
    specversion: Type.Literal('1.0', { description: 'CloudEvents version' }),
    id: Uuid('Unique event id (UUIDv7); consumers de-duplicate on it'),
    source: Type.String({ description: 'The service that published the event, e.g. /streamshop/billing' }),
    type: Type.String({ description: 'Event type, e.g. billing.payment.succeeded.v1; also the NATS subject' }),
    time: Type.String({ format: 'date-time', description: 'When the fact happened (RFC 3339, UTC)' }),
    subject: Type.String({ description: 'Id of the aggregate the event is about (user, order, letter, payment)' }),
    datacontenttype: Type.Literal('application/json', { description: 'Media type of data' }),
    correlationid: Type.String({ description: 'Id of the HTTP request that started the flow' }),
    traceparent: Type.Optional(Type.String({ description: 'W3C trace context of the publishing span' })),
    data: Type.Unknown({ description: 'The event payload; its schema depends on type' }),
  },
  { additionalProperties: true, description: 'CloudEvents 1.0 envelope of every streamshop event' },
);
export type EventEnvelope = Static<typeof EventEnvelope>;

/** One event type of the catalogue: its name, what it means, the schema of its data and which field it is about. */
export interface EventDefinition<S extends TSchema = TSchema> {
  type: string;
  description: string;
  data: S;
  /** The field of `data` that names the aggregate the event is about: the envelope's `subject`. */
  subject: string;
}

export function defineEvent<S extends TSchema>(definition: {
  type: string;
  description: string;
  data: S;
  subject: keyof Static<S> & string;
}): EventDefinition<S> {
  return definition;
}

/**
 * Where an event comes from: the id of the request that started the flow (every log line and event of the flow
 * carries it), and the W3C traceparent of the span that caused it, when tracing is on.
 */
export interface Correlation {
  correlationId: string;
  traceparent?: string;
}

/** A new event of `definition`, published by `source` (a service), carrying on the correlation of what caused it. */
export function newEvent<S extends TSchema>(source: string, definition: EventDefinition<S>, data: Static<S>, correlation: Correlation): EventEnvelope {
  return {
    specversion: '1.0',
    id: newId(),
    source: `/streamshop/${source}`,
    type: definition.type,
    time: new Date().toISOString(),
    subject: String((data as Record<string, unknown>)[definition.subject]),
    datacontenttype: 'application/json',
    correlationid: correlation.correlationId,
    ...(correlation.traceparent ? { traceparent: correlation.traceparent } : {}),
    data,
  };
}
