import Type, { type Static } from 'typebox';
import { LetterKind } from '../../contracts/events.ts';
import { Email, ListQuery, Page, Text, Timestamp, Uuid } from '../../platform/schemas/index.ts';

export { LetterKind };

const Subject = Text({ minLength: 1, maxLength: 200, description: 'Subject line', examples: ['Welcome'] });
const Body = Text({ minLength: 1, maxLength: 10_000, description: 'The letter itself', examples: ['Hello from streamshop'] });

export const Letter = Type.Object({
  id: Uuid('Letter id'),
  userId: Type.Union([Uuid('Recipient user'), Type.Null()], { description: 'Recipient user; null for a message to an unknown address' }),
  email: Email('Recipient address'),
  kind: LetterKind,
  subject: Subject,
  body: Body,
  orderId: Type.Optional(Uuid('The order an order letter is about')),
  createdAt: Timestamp('When it was stored'),
});
export type Letter = Static<typeof Letter>;

export const SendMessageBody = Type.Object(
  { email: Email('Recipient address'), subject: Subject, body: Body },
  { additionalProperties: false, examples: [{ email: 'ann@example.com', subject: 'Welcome', body: 'Hello from streamshop' }] },
);
export type SendMessageBody = Static<typeof SendMessageBody>;

export const LetterParams = Type.Object({ letterId: Uuid('Letter id') });

export const LetterListQuery = ListQuery({
  userId: Type.Optional(Uuid('Letters of this user')),
  email: Type.Optional(Email('Letters to this address')),
});

export const LetterList = Page(Letter);
