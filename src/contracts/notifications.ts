import Type from 'typebox';
import { defineEvent } from '../platform/messaging/index.ts';
import { Uuid } from '../platform/schemas/index.ts';
import { LetterKind } from './vocabulary.ts';

export const LetterStoredV1 = defineEvent({
  type: 'notifications.letter.stored.v1',
  description: 'Notifications stored a letter for a user.',
  subject: 'letterId',
  data: Type.Object({
    letterId: Uuid('Id of the letter'),
    userId: Type.Union([Uuid('Recipient user'), Type.Null()], { description: 'Recipient user, null when unknown' }),
    kind: LetterKind,
    orderId: Type.Optional(Uuid('The order the letter is about')),
  }),
});
