import type { Logger } from 'pino';
import { type Role, TOKEN_TTL_SECONDS, type TokenIssuer } from '../../platform/access/index.ts';
import { newId } from '../../platform/common/index.ts';
import { type Database, isUniqueViolation, type Sql, type Tx } from '../../platform/database/index.ts';
import type { Correlation } from '../../platform/messaging/index.ts';
import type { AccessToken, CreateUserBody, LoginBody, User } from './contract.ts';
import { emailTaken, invalidCredentials, tooManyLoginFailures, userNotFound } from './errors.ts';
import { hashPassword } from './passwords.ts';
import type { Introduction } from './registration.ts';
import {
  findCredentials,
  findUser,
  findUserByEmail,
  forgetLoginFailures,
  insertUser,
  makeOperator,
  recentLoginFailures,
  recordLoginFailure,
} from './repository.ts';

/** Login throttling: this many failures for one address within the window, and the next attempt is a 429. */
export const LOGIN_FAILURE_LIMIT = 10;
export const LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60;

type NewUserInput = { email: string; name: string; passwordHash: string; role: Role };

/** Inserts the user and introduces it to the others as the style does; undone with the transaction if that fails. */
async function insertAndIntroduce(tx: Tx, input: NewUserInput, introduction: Introduction, correlation: Correlation) {
  const user = await insertUser(tx, { id: newId(), ...input });
  await introduction.introduce(tx, user, correlation);
  return user;
}

/** Registers a user and introduces it (without the password): billing opens an account, notifications learns the address. */
export async function registerUser(db: Database, introductions: () => Introduction, input: CreateUserBody, correlation: Correlation): Promise<User> {
  const { password, ...profile } = input;
  const passwordHash = await hashPassword(password);
  const introduction = introductions();
  try {
    return await db.transaction((tx) => insertAndIntroduce(tx, { ...profile, passwordHash, role: 'user' }, introduction, correlation));
  } catch (error) {
    introduction.failed();
    if (isUniqueViolation(error, 'users_email_unique')) throw emailTaken(input.email);
    throw error;
  }
}

/**
 * Exchanges an address and a password for an access token. Every attempt counts as a failure until the password
 * is proven right, so parallel guesses cannot slip past the limit; a wrong address costs the same as a wrong password.
 */
export async function logIn(
  db: Database,
  issuer: TokenIssuer,
  checkPassword: (password: string, stored: string | null | undefined) => Promise<boolean>,
  input: LoginBody,
): Promise<AccessToken> {
  const email = input.email.toLowerCase();
  await db.transaction(async (tx) => {
    const recent = await recentLoginFailures(tx, email, LOGIN_FAILURE_WINDOW_SECONDS, LOGIN_FAILURE_LIMIT);
    if (recent.count >= LOGIN_FAILURE_LIMIT) throw tooManyLoginFailures(recent.retryAfterSeconds);
    await recordLoginFailure(tx, email, LOGIN_FAILURE_WINDOW_SECONDS);
  });
  const account = await findCredentials(db.sql, email);
  if (!(await checkPassword(input.password, account?.passwordHash)) || !account) throw invalidCredentials();
  await forgetLoginFailures(db.sql, email);
  const accessToken = await issuer.sign({ userId: account.id, email: account.email, role: account.role });
  return { accessToken, tokenType: 'Bearer', expiresIn: TOKEN_TTL_SECONDS, userId: account.id };
}

/**
 * The operator's account, from ADMIN_EMAIL and ADMIN_PASSWORD at start: created if missing (and announced like any
 * user), otherwise given the admin role and that password, so the settings are always the truth.
 */
export async function ensureOperator(db: Database, introductions: () => Introduction, operator: { email: string; password: string }, log: Logger): Promise<void> {
  const passwordHash = await hashPassword(operator.password);
  const correlation = { correlationId: `start-${newId()}` };
  const introduction = introductions();
  const outcome = await db.transaction(async (tx) => {
    if (await makeOperator(tx, operator.email, passwordHash)) return 'updated';
    await insertAndIntroduce(tx, { email: operator.email, name: 'Operator', passwordHash, role: 'admin' }, introduction, correlation);
    return 'created';
  }).catch((error: unknown) => {
    introduction.failed();
    // Another replica created it at the same moment: it is there, with the same settings.
    if (isUniqueViolation(error, 'users_email_unique')) return 'created by another replica';
    throw error;
  });
  log.info({ email: operator.email, outcome }, 'operator account ready (role admin)');
}

/** A user's profile: their own, or anyone's for an admin (the route's access rule checked that). */
export async function getUser(sql: Sql, userId: string): Promise<User> {
  return (await findUser(sql, userId)) ?? Promise.reject(userNotFound(userId));
}

/** The user of an address, if any, as a page of one or none (operators find users by address). */
export async function findUsersByEmail(sql: Sql, email: string) {
  const user = await findUserByEmail(sql, email);
  return { items: user ? [user] : [], nextCursor: null };
}
