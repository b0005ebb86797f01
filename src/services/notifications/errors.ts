import { AppError } from '../../platform/http/errors.ts';

export const letterNotFound = (letterId: string) =>
  new AppError(404, 'letter-not-found', 'Letter not found', `There is no letter ${letterId}.`);

export const recipientFilterRequired = () =>
  new AppError(400, 'filter-required', 'Say whose letters', 'Give exactly one of ?userId= or ?email=.', {
    errors: [{ field: 'querystring.userId', message: 'exactly one of userId and email is required' }],
  });
