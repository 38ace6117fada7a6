/**
 * The base every folder stands on: the bad-input error, random sources (seeded for reproducible
 * data, CSPRNG for secrets; the names say which), and atomic file writes. Imports nothing.
 *
 * @module
 */
export { UserError } from "./errors.ts";
export { randomModT, randomNonZero, randomSigned, SeededRng } from "./random.ts";
export { writeFileAtomic } from "./atomic_write.ts";
export { secureUniformBits, secureUniformModT } from "./secure_random.ts";
export { type ErrorData, errorData, errorFromData } from "./worker_errors.ts";
