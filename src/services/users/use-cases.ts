import { UserCreatedV1 } from '../../contracts/events.ts';
import { isUniqueViolation, type Sql } from '../../platform/db.ts';
import { type FlowContext, newEvent } from '../../platform/events.ts';
import { appendToOutbox } from '../../platform/outbox.ts';
import { uuidv7 } from 'uuidv7';
import type { CreateUserBody, User } from './contract.ts';
import { emailTaken, userNotFound } from './errors.ts';
import { findUser, insertUser } from './repository.ts';

/** Registers a user and announces it: billing opens an account, notifications learns the address. */
export async function registerUser(sql: Sql, input: CreateUserBody, flow: FlowContext): Promise<User> {
  try {
    return await sql.begin(async (tx) => {
      const user = await insertUser(tx, { id: uuidv7(), ...input });
      const data = { userId: user.id, email: user.email, name: user.name };
      await appendToOutbox(tx, [newEvent('users', UserCreatedV1, user.id, data, flow)]);
      return user;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_unique')) throw emailTaken(input.email);
    throw error;
  }
}

export async function getUser(sql: Sql, userId: string): Promise<User> {
  return (await findUser(sql, userId)) ?? Promise.reject(userNotFound(userId));
}
