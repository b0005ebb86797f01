/**
 * Notifications' internal endpoints, for the http style: users tells it a new address, orders asks for an order's
 * letter, by calls on the internal listener with a service credential. Both are idempotent: an address is stored
 * again as it is, and an order has at most one letter of each kind.
 */
import Type from 'typebox';
import { ORDER_REJECTIONS } from '../../contracts/events.ts';
import type { Database } from '../../platform/database/index.ts';
import { type App, correlationOf, responses } from '../../platform/http/index.ts';
import { Email, Kopecks, Text, Uuid } from '../../platform/schemas/index.ts';
import { Letter } from './contract.ts';
import { findOrderLetter } from './repository.ts';
import type { LetterWriting } from './use-cases.ts';

const RecipientParams = Type.Object({ userId: Uuid('The user') });
const RecipientBody = Type.Object(
  { email: Email('Where letters go'), name: Text({ minLength: 1, maxLength: 200, description: "The user's display name" }) },
  { additionalProperties: false },
);
const Recipient = Type.Object({ userId: Uuid('The user'), email: Email('Where letters go'), name: Type.String() });
const OrderLetterBody = Type.Object(
  {
    userId: Uuid('Whose order'),
    orderId: Uuid('The order'),
    kind: Type.Enum(['order_paid', 'order_rejected', 'order_cancelled'], { description: 'Which letter' }),
    price: Kopecks('Price of the order'),
    reason: Type.Optional(Type.Enum([...ORDER_REJECTIONS, 'cancelled_by_user'] as const, { description: 'Why it was rejected or cancelled' })),
  },
  { additionalProperties: false },
);
const Kept = Type.Object({ kept: Type.Literal(true, { description: "The user's address is not known yet: the letter is written once it is" }) });

export function notificationsInternalRoutes(app: App, db: Database, letters: LetterWriting): void {
  app.put(
    '/recipients/:userId',
    {
      config: { access: { services: ['users'] } },
      schema: { tags: ['internal'], summary: "Learn a user's address (and write the letters that waited for it)", params: RecipientParams, body: RecipientBody, response: responses({ 200: Recipient }) },
    },
    async (request) => {
      const user = { userId: request.params.userId, ...request.body };
      await db.transaction((tx) => letters.rememberRecipient(tx, user, correlationOf(request)));
      return user;
    },
  );

  app.post(
    '/letters',
    {
      config: { access: { services: ['orders'] } },
      schema: { tags: ['internal'], summary: "Write an order's letter of this kind, once", body: OrderLetterBody, response: responses({ 200: Letter, 201: Letter, 202: Kept }) },
    },
    async (request, reply) => {
      const { userId, ...outcome } = request.body;
      const written = await db.transaction((tx) => letters.notifyOrderOutcome(tx, userId, outcome, correlationOf(request)));
      if (written === 'kept') return reply.code(202).send({ kept: true as const });
      if (written) return reply.code(201).send(written);
      return reply.code(200).send((await findOrderLetter(db.sql, outcome.orderId, outcome.kind)) as Letter);
    },
  );
}
