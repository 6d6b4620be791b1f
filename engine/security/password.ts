// Password hashes: Argon2id (memory-hard) through @node-rs/argon2, a native build shipped in a
// platform package (test/native-modules.test.ts checks it loads). The hasher is a port so that tests
// can count its calls (unknown users get the same work as known ones: a dummy hash is verified).

import { hash, verify } from '@node-rs/argon2';
import { constants } from '../constants.js';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Whether `password` matches `encoded`; false (never a throw) for a malformed hash. */
  verify(encoded: string, password: string): Promise<boolean>;
}

export interface Argon2Cost {
  memoryKib: number;
  passes: number;
  lanes: number;
}

export const argon2CostDefault: Argon2Cost = {
  memoryKib: constants.passwordHashMemoryKib,
  passes: constants.passwordHashPasses,
  lanes: constants.passwordHashLanes,
};

export function argon2Hasher(cost: Argon2Cost = argon2CostDefault): PasswordHasher {
  // Algorithm.Argon2id is 2 (a const enum in the package's types, which isolated modules cannot read).
  const options = { algorithm: 2, memoryCost: cost.memoryKib, timeCost: cost.passes, parallelism: cost.lanes };
  return {
    hash: (password) => hash(password, options),
    verify: async (encoded, password) => {
      try {
        return await verify(encoded, password);
      } catch {
        return false;
      }
    },
  };
}

/** Whether a chosen password is acceptable (length only: long passphrases beat composition rules). */
export function passwordProblem(password: string): string | undefined {
  if (password.length < constants.passwordLengthMin) return `a password has at least ${constants.passwordLengthMin} characters`;
  if (password.length > constants.passwordLengthMax) return `a password has at most ${constants.passwordLengthMax} characters`;
  return undefined;
}
