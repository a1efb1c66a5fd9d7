import { HeraldError } from '../../domain/errors.ts';

/**
 * A service's not-found error, said the console's way: the API's message names an id, the
 * console's tells a person what happened. The code (and so the 404) stays.
 */
export async function orNotFound<T>(work: Promise<T>, message: string): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof HeraldError && err.status === 404) throw new HeraldError(err.code, message);
    throw err;
  }
}
