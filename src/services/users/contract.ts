import Type, { type Static } from 'typebox';

export const UserId = Type.String({ format: 'uuid', description: 'User id (UUIDv7)' });

export const CreateUserBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254, description: 'Where letters are sent; unique' }),
    name: Type.String({ minLength: 1, maxLength: 200, description: 'Display name' }),
  },
  { additionalProperties: false },
);
export type CreateUserBody = Static<typeof CreateUserBody>;

export const User = Type.Object({
  id: UserId,
  email: Type.String({ format: 'email' }),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});
export type User = Static<typeof User>;

export const UserParams = Type.Object({ userId: UserId });
