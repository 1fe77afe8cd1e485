/** The work after approval: revocation jobs (their lease, Graph's write quota) and the sign-in watch that follows them. */
import { integer } from "./fields.js";

export const jobVariables = {
  WATCH_HOURS: integer("WATCH_HOURS", 24, 0, 720),
  JOB_LEASE_SECONDS: integer("JOB_LEASE_SECONDS", 30, 2, 600),
  GRAPH_WRITE_QUOTA: integer("GRAPH_WRITE_QUOTA", 3000, 1, 1_000_000),
  GRAPH_WRITE_WINDOW_SECONDS: integer("GRAPH_WRITE_WINDOW_SECONDS", 150, 1, 3600),
};
