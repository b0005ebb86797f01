import Type, { type Static, type TSchema } from 'typebox';
import { newId } from '../runtime/ids.ts';
import { Uuid } from '../schemas/schemas.ts';

/** CloudEvents 1.0 structured JSON envelope, plus the correlation id and W3C trace context of the flow. */
export const EventEnvelope = Type.Object(
  {
    specversion: Type.Literal('1.0', { description: 'CloudEvents version' }),
    id: Uuid('Unique event id (UUIDv7); consumers de-duplicate on it'),
    source: Type.String({ description: 'The service that published the event, e.g. /streamshop/billing' }),
    type: Type.String({ description: 'Event type, e.g. billing.payment.succeeded.v1; also the NATS subject' }),
    time: Type.String({ format: 'date-time', description: 'When the fact happened (RFC 3339, UTC)' }),
    subject: Type.String({ description: 'Id of the aggregate the event is about (user, order, letter)' }),
    datacontenttype: Type.Literal('application/json', { description: 'Media type of data' }),
    correlationid: Type.String({ description: 'Id of the HTTP request that started the flow' }),
    traceparent: Type.Optional(Type.String({ description: 'W3C trace context of the publishing span' })),
    data: Type.Unknown({ description: 'The event payload; its schema depends on type' }),
  },
  { additionalProperties: true, description: 'CloudEvents 1.0 envelope of every streamshop event' },
);
export type EventEnvelope = Static<typeof EventEnvelope>;

/** One event type of the catalogue: its name and the schema of its data. */
export interface EventDefinition<S extends TSchema = TSchema> {
  type: string;
  data: S;
  description: string;
}

export function defineEvent<S extends TSchema>(type: string, description: string, data: S): EventDefinition<S> {
  return { type, data, description };
}

export interface FlowContext {
  correlationId: string;
  traceparent?: string;
}

export function newEvent<S extends TSchema>(
  source: string,
  definition: EventDefinition<S>,
  subject: string,
  data: Static<S>,
  flow: FlowContext,
): EventEnvelope {
  return {
    specversion: '1.0',
    id: newId(),
    source: `/streamshop/${source}`,
    type: definition.type,
    time: new Date().toISOString(),
    subject,
    datacontenttype: 'application/json',
    correlationid: flow.correlationId,
    ...(flow.traceparent ? { traceparent: flow.traceparent } : {}),
    data,
  };
}
