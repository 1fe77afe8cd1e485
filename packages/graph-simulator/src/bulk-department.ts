/**
 * A large department for benchmarks: N users generated cheaply and deterministically (sequential
 * GUIDs and UPNs, strings shared wherever users can share them), with a small seeded fraction of
 * disabled accounts and guests, so a resolver run over it must skip guests as it would in Entra.
 */
import { SIM_DOMAIN, SIM_INITIAL_DOMAIN } from "./constants.js";
import { SeededRandom } from "./prng.js";
import type { SimulatedTenant } from "./tenant.js";
import type { SimUser } from "./tenant-model.js";

/** The largest bulk department the simulator builds (about 0.5 GB of heap and 5 s to build at this size). */
export const MAX_BULK_USERS = 1_000_000;

/** Options of the bulk department. */
export interface BulkDepartmentOptions {
  /** Department name, e.g. "Load Test"; any text, apostrophes included. */
  name: string;
  /** How many users to add (0…1,000,000). */
  count: number;
  /** Share of them with accountEnabled false; default 0.02. */
  disabledRate?: number;
  /** Share of them that are B2B guests (userType Guest, `#EXT#` UPN, same department); default 0.01. */
  guestRate?: number;
}

const DEFAULT_DISABLED_RATE = 0.02;
const DEFAULT_GUEST_RATE = 0.01;
const GUEST_DOMAIN = "fabrikam.com";
// Shared by every bulk user: fixed instants in the past, so any revocation during a run is later.
const BULK_CREATED = "2024-01-15T08:00:00Z";
const BULK_SESSIONS_VALID_FROM = "2025-06-01T00:00:00Z";
// "10ad" reads as "load"; the rest is the user's number, so ids are sequential and never random.
// One frozen empty list for all: mutating a bulk user's phones is not something any test needs.
const NO_PHONES = Object.freeze([]) as unknown as string[];
const ID_PREFIX = "10ad0000-0000-4000-8000-";
// Keeps the bulk stream apart from the main generator's, which must not shift when this is added.
const SEED_SALT = 0x10ad5eed;

function assertRate(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new RangeError(`bulkDepartment.${name} must be a probability from 0 to 1, got ${value}`);
  }
}

/** Validates the options, throwing a RangeError that names the bad field. */
export function assertBulkDepartment(options: BulkDepartmentOptions): void {
  if (typeof options.name !== "string" || options.name.trim().length === 0) {
    throw new RangeError("bulkDepartment.name must be a non-empty string");
  }
  if (!Number.isInteger(options.count) || options.count < 0 || options.count > MAX_BULK_USERS) {
    throw new RangeError(`bulkDepartment.count must be an integer from 0 to ${MAX_BULK_USERS}, got ${options.count}`);
  }
  assertRate("disabledRate", options.disabledRate ?? DEFAULT_DISABLED_RATE);
  assertRate("guestRate", options.guestRate ?? DEFAULT_GUEST_RATE);
}

/** The local-part stem of the department's UPNs: `Load Test` → `loadtest`. */
function stemOf(name: string): string {
  const stem = name.toLowerCase().replace(/[^a-z0-9]/g, "");
  return stem.length > 0 ? stem : "bulk";
}

/** The object id of the department's `n`-th user (1-based). */
export function bulkUserId(n: number): string {
  return `${ID_PREFIX}${n.toString(16).padStart(12, "0")}`;
}

/** Adds the bulk department's users to the tenant, after every other user. */
export function addBulkDepartment(tenant: SimulatedTenant, seed: number, options: BulkDepartmentOptions): void {
  assertBulkDepartment(options);
  const random = new SeededRandom((seed ^ SEED_SALT) >>> 0);
  const disabledRate = options.disabledRate ?? DEFAULT_DISABLED_RATE;
  const guestRate = options.guestRate ?? DEFAULT_GUEST_RATE;
  const stem = stemOf(options.name);
  const department = options.name;
  const jobTitle = `${department} Member`;
  const width = Math.max(6, String(options.count).length);

  tenant.addUsersInBulk(
    (function* generate(): Generator<SimUser> {
      for (let n = 1; n <= options.count; n++) {
        // Two draws per user whatever the rates, so changing one rate does not move the other's picks.
        const isGuest = random.next() < guestRate;
        const disabled = random.next() < disabledRate;
        const number = String(n).padStart(width, "0");
        const localPart = isGuest ? `${stem}.guest.${number}` : `${stem}.${number}`;
        const userPrincipalName = isGuest
          ? `${localPart}_${GUEST_DOMAIN}#EXT#@${SIM_INITIAL_DOMAIN}`
          : `${localPart}@${SIM_DOMAIN}`;
        yield {
          id: bulkUserId(n),
          displayName: `${department} ${number}`,
          givenName: null,
          surname: null,
          userPrincipalName,
          mail: isGuest ? `${localPart}@${GUEST_DOMAIN}` : userPrincipalName,
          mailNickname: isGuest ? `${localPart}_${GUEST_DOMAIN}#EXT#` : localPart,
          jobTitle: isGuest ? null : jobTitle,
          // Guests keep the department so a `department eq` query returns them and the client has to skip them.
          department,
          officeLocation: null,
          mobilePhone: null,
          businessPhones: NO_PHONES,
          preferredLanguage: null,
          accountEnabled: !disabled,
          userType: isGuest ? "Guest" : "Member",
          createdDateTime: BULK_CREATED,
          signInSessionsValidFromDateTime: BULK_SESSIONS_VALID_FROM,
        };
      }
    })(),
  );
}
