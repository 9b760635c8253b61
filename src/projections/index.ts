/** Every read model of the application: each context's, in the order of src/contexts.ts. */
import { contexts, type BoundedContext } from '../contexts.js';
import type { Projection } from './projection.js';

export function allProjections(list: readonly BoundedContext<any>[] = contexts): Projection[] {
  return list.flatMap((context) => context.projections());
}
