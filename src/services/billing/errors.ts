import { AppError } from '../../platform/http/errors.ts';

export const accountNotFound = (userId: string) =>
  new AppError(404, 'account-not-found', 'Account not found', `There is no account for user ${userId} (yet).`);

export const insufficientFunds = (balance: number, amount: number) =>
  new AppError(409, 'insufficient-funds', 'Insufficient funds', `The balance ${balance} is less than ${amount}.`, {
    balance,
  });

export const balanceLimit = () =>
  new AppError(422, 'balance-limit', 'Balance limit exceeded', 'The balance would exceed 9,007,199,254,740,991 kopecks.');
