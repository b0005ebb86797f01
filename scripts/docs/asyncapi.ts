/** AsyncAPI 3.0: channels are NATS subjects (= event types); messages reference the JSON Schema files. */
import type { ServiceName } from '../../src/platform/runtime/index.ts';
import type { EventDefinition } from '../../src/platform/messaging/index.ts';
import { streamsOf } from '../../src/platform/messaging/nats/index.ts';
import { services } from '../../src/services/index.ts';
import type { EventRoute } from './routes.ts';
import { ENVELOPE_SCHEMA_FILE, eventSchemaFile, type Schema } from './schemas.ts';

const natsStreams = () => streamsOf(Object.keys(services));

/** The JetStream stream that stores an event type, as the NATS bus declares it. */
function streamOf(type: string): { name: string; subjects: readonly string[] } {
  const stream = natsStreams().find((s) => s.subjects.some((subject) => subject === `${type.split('.')[0]}.>`));
  if (!stream) throw new Error(`no NATS stream (src/platform/nats-bus.ts) carries ${type}`);
  return stream;
}
const ref = ($ref: string) => ({ $ref });
const pointer = (...parts: string[]) => `#/${parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;

export function asyncApiDocument(routes: EventRoute[]): Schema {
  const channels: Schema = {};
  const messages: Schema = {};
  const operations: Schema = {};
  for (const route of routes) {
    const { type } = route.event;
    messages[type] = message(route.event, route.publishers[0]!);
    channels[type] = channel(route.event);
    Object.assign(operations, operationsOf(route));
  }
  return {
    asyncapi: '3.0.0',
    info: { title: 'streamshop events', version: '1.0.0', description: description() },
    defaultContentType: 'application/cloudevents+json',
    servers: {
      nats: {
        host: 'nats:4222',
        protocol: 'nats',
        description: 'NATS with JetStream (NATS_URL); the embedded default uses an in-process bus with the same guarantees instead',
      },
    },
    channels,
    operations,
    components: { messages },
  };
}

function message(event: EventDefinition, publisher: ServiceName): Schema {
  return {
    name: event.type,
    title: event.type,
    summary: event.description,
    contentType: 'application/cloudevents+json',
    correlationId: {
      description: 'Id of the HTTP request that started the flow; every event the flow causes carries it on',
      location: '$message.payload#/correlationid',
    },
    payload: {
      schemaFormat: 'application/schema+json;version=draft-07',
      schema: {
        description: `The CloudEvents envelope with type ${event.type}, source /streamshop/${publisher}, and this event's data`,
        allOf: [
          ref(`./events/${ENVELOPE_SCHEMA_FILE}`),
          {
            type: 'object',
            properties: {
              source: { const: `/streamshop/${publisher}`, description: 'The publishing service' },
              type: { const: event.type, description: 'The event type, also the NATS subject' },
              data: ref(`./events/${eventSchemaFile(event.type)}`),
            },
          },
        ],
      },
    },
  };
}

function channel(event: EventDefinition): Schema {
  const stream = streamOf(event.type);
  return {
    address: event.type,
    title: event.type,
    description: `${event.description} Stored in the JetStream stream ${stream.name} (subjects ${stream.subjects.join(', ')}).`,
    messages: { [event.type]: ref(pointer('components', 'messages', event.type)) },
    'x-nats-stream': stream.name,
  };
}

/** The publisher's send and each subscriber's receive, keyed `<service>.<action>.<type>`. */
function operationsOf({ event, publishers, subscribers }: EventRoute): Schema {
  const [publisher] = publishers as [ServiceName];
  const channelRef = ref(pointer('channels', event.type));
  const messageRef = pointer('channels', event.type, 'messages', event.type);
  const operations: Schema = {
    [`${publisher}.send.${event.type}`]: {
      action: 'send',
      channel: channelRef,
      summary: `${publisher} publishes ${event.type} through its outbox`,
      messages: [ref(messageRef)],
      tags: [{ name: publisher }],
    },
  };
  for (const subscriber of subscribers) {
    operations[`${subscriber}.receive.${event.type}`] = {
      action: 'receive',
      channel: channelRef,
      summary: `${subscriber} handles ${event.type} (durable consumer ${subscriber}, at least once, de-duplicated by event id)`,
      messages: [ref(messageRef)],
      tags: [{ name: subscriber }],
      'x-nats-durable-consumer': subscriber,
    };
  }
  return operations;
}

function description(): string {
  return [
    'The events the streamshop services publish and consume (Event Collaboration through NATS JetStream).',
    '',
    'Every message is a CloudEvents 1.0 structured JSON envelope (events/envelope.schema.json) whose data has its own',
    'JSON Schema (events/<type>.schema.json); the schemas use only keywords that mean the same in draft-07, which',
    'AsyncAPI 3.0 names as their format. The NATS subject is the event type. Each publishing service has one stream',
    `(${natsStreams().map((s) => `${s.name}: ${s.subjects.join(', ')}`).join('; ')}), and each consuming service one`,
    'durable consumer named after itself, shared by its replicas.',
    '',
    'Events leave a service through its transactional outbox and are delivered at least once; consumers record the',
    'event id in their inbox in the same transaction as the effect, so a redelivery changes nothing.',
    'Generated by scripts/docs.ts from src/contracts/events.ts and the services\' handlers; do not edit by hand.',
  ].join('\n');
}
