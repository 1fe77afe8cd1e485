import type { OutcomeStatus } from "../domain/outcome.js";
import type { RequestState } from "../domain/request-state.js";

/** One request that named a user, as `status <user>` lists it. */
export interface UserRequest {
  requestId: string;
  createdAt: string;
  state: RequestState;
  /** The user's own outcome in it, when the job reached them. */
  outcome: OutcomeStatus | null;
  outcomeAt: string | null;
}

/** Which requests named a user (src/store/user-history.ts). */
export interface UserHistory {
  /** The latest `limit` requests whose targets include the user, newest first. */
  requestsTouching(userId: string, limit: number): Promise<UserRequest[]>;
}
