import Type, { type Static } from 'typebox';
import { defineEvent } from '../platform/messaging/index.ts';
import { Email, Text, Uuid } from '../platform/schemas/index.ts';

export const UserCreatedV1 = defineEvent({
  type: 'users.user.created.v1',
  description: 'A user registered.',
  subject: 'userId',
  data: Type.Object({
    userId: Uuid('Id of the new user'),
    email: Email("The user's e-mail address, where letters go"),
    name: Text({ minLength: 1, maxLength: 200, description: "The user's display name" }),
  }),
});
export type UserCreated = Static<typeof UserCreatedV1.data>;
