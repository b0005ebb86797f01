import Type, { type Static } from 'typebox';
import { Email, ListQuery, Page, Text, Timestamp, Uuid } from '../../platform/schemas/index.ts';

export const UserId = Uuid('User id (UUIDv7)');
const Password = Text({ minLength: 8, maxLength: 128, description: '8 to 128 characters; stored only as an Argon2id hash' });
const Name = Text({ minLength: 1, maxLength: 200, description: 'Display name', examples: ['Ann'] });

export const CreateUserBody = Type.Object(
  {
    email: Email('Where letters are sent; unique regardless of case'),
    name: Name,
    password: Password,
  },
  { additionalProperties: false, examples: [{ email: 'ann@example.com', name: 'Ann', password: 'correct horse battery' }] },
);
export type CreateUserBody = Static<typeof CreateUserBody>;

export const User = Type.Object({
  id: UserId,
  email: Email('Where letters are sent'),
  name: Name,
  createdAt: Timestamp('When the user registered'),
});
export type User = Static<typeof User>;

export const UserParams = Type.Object({ userId: UserId });

/** Operators look a user up by address; a list, so that "nobody" is an empty page rather than an error. */
export const UserSearchQuery = ListQuery({ email: Email('The address, in any letter case') });
export const UserList = Page(User);

export const LoginBody = Type.Object(
  {
    email: Email('The address given at registration, in any letter case'),
    password: Text({ minLength: 1, maxLength: 128, description: 'The password given at registration' }),
  },
  { additionalProperties: false, examples: [{ email: 'ann@example.com', password: 'correct horse battery' }] },
);
export type LoginBody = Static<typeof LoginBody>;

export const AccessToken = Type.Object({
  accessToken: Type.String({ description: 'A JWT (EdDSA): send it as Authorization: Bearer <accessToken>' }),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ minimum: 1, maximum: 900, description: 'Seconds until the token expires' }),
  userId: Uuid('Whose token it is: the id to use in /billing/accounts/{userId}, POST /orders and the rest'),
});
export type AccessToken = Static<typeof AccessToken>;

export const PublicKeySet = Type.Object(
  {
    keys: Type.Array(
      Type.Object(
        {
          kid: Type.String({ description: 'Key id, named by the kid header of the tokens it signed' }),
          kty: Type.Literal('OKP'),
          crv: Type.Literal('Ed25519'),
          x: Type.String({ description: 'The public key (base64url)' }),
          alg: Type.Literal('EdDSA'),
          use: Type.Literal('sig'),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 10 },
    ),
  },
  { description: 'RFC 7517 JWK Set of the keys that sign access tokens (during a rotation, two)' },
);
