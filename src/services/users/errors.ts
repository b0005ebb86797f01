import { AppError } from '../../platform/http/errors.ts';

export const emailTaken = (email: string) =>
  new AppError(409, 'email-taken', 'Email already registered', `A user with e-mail ${email} already exists.`);

export const userNotFound = (userId: string) =>
  new AppError(404, 'user-not-found', 'User not found', `There is no user ${userId}.`);

/** One answer for a wrong address and a wrong password: the response does not tell which accounts exist. */
export const invalidCredentials = () =>
  new AppError(401, 'invalid-credentials', 'Invalid credentials', 'The e-mail or the password is wrong.', {}, { 'www-authenticate': 'Bearer realm="streamshop"' });

export const tooManyLoginFailures = (retryAfterSeconds: number) =>
  new AppError(
    429,
    'too-many-login-failures',
    'Too many failed logins',
    `Too many failed logins for this address; try again in ${retryAfterSeconds} s.`,
    {},
    { 'retry-after': String(retryAfterSeconds) },
  );
