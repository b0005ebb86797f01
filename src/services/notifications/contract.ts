import Type, { type Static } from 'typebox';

const Uuid = (description: string) => Type.String({ format: 'uuid', description });

export const LetterKind = Type.Union([Type.Literal('order_paid'), Type.Literal('order_rejected'), Type.Literal('message')]);
export type LetterKind = Static<typeof LetterKind>;

export const Letter = Type.Object({
  id: Uuid('Letter id'),
  userId: Type.Union([Uuid('Recipient user'), Type.Null()], { description: 'Recipient user; null for a message to an unknown address' }),
  email: Type.String({ description: 'Recipient address' }),
  kind: LetterKind,
  subject: Type.String(),
  body: Type.String(),
  orderId: Type.Optional(Uuid('The order an order letter is about')),
  createdAt: Type.String({ format: 'date-time' }),
});
export type Letter = Static<typeof Letter>;

export const SendMessageBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    subject: Type.String({ minLength: 1, maxLength: 200 }),
    body: Type.String({ minLength: 1, maxLength: 10_000 }),
  },
  { additionalProperties: false },
);
export type SendMessageBody = Static<typeof SendMessageBody>;

export const LetterParams = Type.Object({ letterId: Uuid('Letter id') });

export const LetterListQuery = Type.Object(
  {
    userId: Type.Optional(Uuid('Letters of this user')),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 254, description: 'Letters to this address' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ format: 'uuid', description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const LetterList = Type.Object({ items: Type.Array(Letter), nextCursor: Type.Union([Type.String(), Type.Null()]) });
