import { AppError } from '../../platform/common/index.ts';

export const emailTaken = (email: string) =>
  new AppError({ status: 409, code: 'email-taken', title: 'Email already registered', detail: `A user with e-mail ${email} already exists.` });

export const userNotFound = (userId: string) =>
  new AppError({ status: 404, code: 'user-not-found', title: 'User not found', detail: `There is no user ${userId}.` });

/** One answer for a wrong address and a wrong password: the response does not tell which accounts exist. */
export const invalidCredentials = () =>
  new AppError({ status: 401, code: 'invalid-credentials', title: 'Invalid credentials', detail: 'The e-mail or the password is wrong.', headers: { 'www-authenticate': 'Bearer realm="streamshop"' } });

export const tooManyLoginFailures = (retryAfterSeconds: number) =>
  new AppError({ status: 429, code: 'too-many-login-failures', title: 'Too many failed logins', detail: `Too many failed logins for this address; try again in ${retryAfterSeconds} s.`, headers: { 'retry-after': String(retryAfterSeconds) } });
