/** The schemas of the operators' routes every service serves under /<service>/admin (admin-routes.ts). */
import Type from 'typebox';
import { EventEnvelope } from '../messaging/index.ts';
import { Email, ListQuery, Page, Text, Timestamp, Uuid } from '../schemas/index.ts';

const EventType = Type.String({ description: 'Event type, e.g. orders.order.created.v1' });

export const DeadLetterState = Type.Union([Type.Literal('waiting'), Type.Literal('replayed'), Type.Literal('discarded')], {
  description: 'waiting: neither replayed nor discarded; replayed: handled at last; discarded: settled by an operator without being handled',
});

export const DeadLetter = Type.Object(
  {
    eventId: Uuid('Id of the event that failed'),
    type: EventType,
    subject: Type.Union([Type.String(), Type.Null()], { description: 'The aggregate the event is about (an order, a user, a letter)' }),
    error: Type.String({ description: 'Why the last attempt failed' }),
    attempts: Type.Integer({ minimum: 0, description: 'Attempts before it was dead-lettered' }),
    failedAt: Timestamp('When it failed its last attempt'),
    state: DeadLetterState,
    replayedAt: Type.Union([Timestamp('When a replay handled it'), Type.Null()], { description: 'When a replay handled it' }),
    discarded: Type.Union(
      [
        Type.Object(
          {
            at: Timestamp('When it was discarded'),
            by: Type.Object(
              { userId: Uuid('The operator who discarded it'), email: Email('Their address at the time') },
              { additionalProperties: false, description: 'Who discarded it' },
            ),
            reason: Type.String({ description: 'Why, in their words' }),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ],
      { description: 'The audit record of a discard: who, when and why' },
    ),
    envelope: EventEnvelope,
  },
  { additionalProperties: false },
);

export const DeadLetterListQuery = ListQuery({ state: Type.Optional(DeadLetterState) });
export const DeadLetterList = Page(DeadLetter);

export const DeadLetterParams = Type.Object({ eventId: Uuid('Id of the dead-lettered event') }, { additionalProperties: false });

export const DiscardBody = Type.Object(
  { reason: Text({ minLength: 1, maxLength: 500, description: 'Why it is discarded; kept with the dead letter', examples: ['the order was refunded by hand'] }) },
  { additionalProperties: false },
);

export const EventTrailQuery = Type.Object(
  { subject: Text({ minLength: 1, maxLength: 200, description: 'The aggregate: an order, user or letter id', examples: ['01934f6e-7b1a-7c3d-9e2f-0a1b2c3d4e5f'] }) },
  { additionalProperties: false },
);

/** At most this many of each kind of record are returned: an aggregate has a handful of events. */
export const TRAIL_LIMIT = 100;

export const EventTrail = Type.Object(
  {
    subject: Type.String({ description: 'The aggregate asked about' }),
    published: Type.Array(
      Type.Object(
        {
          envelope: EventEnvelope,
          createdAt: Timestamp('When the event was committed to the outbox, with the change it describes'),
          publishedAt: Type.Union([Timestamp('When the bus accepted it'), Type.Null()], { description: 'When the bus accepted it; null while it waits' }),
        },
        { additionalProperties: false },
      ),
      { maxItems: TRAIL_LIMIT, description: 'Events this service published about the subject, oldest first (kept RETENTION_OUTBOX after publishing)' },
    ),
    handled: Type.Array(
      Type.Object(
        { eventId: Uuid('Id of the event'), type: EventType, handledAt: Timestamp('When this service committed its effect') },
        { additionalProperties: false },
      ),
      { maxItems: TRAIL_LIMIT, description: 'Events about the subject this service handled, oldest first (kept RETENTION_INBOX)' },
    ),
    deadLettered: Type.Array(DeadLetter, { maxItems: TRAIL_LIMIT, description: 'Events about the subject this service dead-lettered' }),
  },
  { additionalProperties: false },
);
