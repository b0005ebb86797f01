import { AppError } from '../../platform/errors.ts';

export const emailTaken = (email: string) =>
  new AppError(409, 'email-taken', 'Email already registered', `A user with e-mail ${email} already exists.`);

export const userNotFound = (userId: string) =>
  new AppError(404, 'user-not-found', 'User not found', `There is no user ${userId}.`);
